"""`declgate landlord …` and `declgate officer add`: enrolling landlords and officers from the command line."""
from __future__ import annotations

import csv

from sqlalchemy import func, select

from store.models import InboundMessage, Landlord, Officer, Precinct, Property
from tests.constants import ID_A, LANDLORD, PASSWORD, STRANGER
from tests.support import drain, inbound, sms


def count(rt, model) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


class TestLandlordAdd:
    def test_enrols_landlord_and_property(self, run, rt):
        """`landlord add` stores the landlord with an E.164 phone and the property in its precinct."""
        result = run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "100001",
                     "--address", "东街12号", "--precinct", "GL01", "--alias", "东街")
        assert result.exit_code == 0, result.output
        with rt.sessions() as session:
            landlord = session.scalar(select(Landlord))
            assert landlord.phone == LANDLORD
            assert [p.alias for p in landlord.properties] == ["东街"]

    def test_bad_phone_says_how_to_write_it(self, run, rt):
        """An invalid phone is refused with a message that shows the expected form; nothing is stored."""
        result = run("landlord", "add", "--phone", "12", "--name", "陈", "--property-code", "100001",
                     "--address", "东街12号", "--precinct", "GL01")
        assert result.exit_code != 0
        assert "13912345678" in result.output
        assert count(rt, Landlord) == 0


class TestLandlordImport:
    def _write(self, tmp_path, rows):
        path = tmp_path / "landlords.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["phone", "name", "property_code", "address", "precinct", "alias", "single_unit"])
            writer.writerows(rows)
        return path

    def test_imports_every_row(self, run, rt, tmp_path):
        """A clean CSV enrols every row, several properties per landlord included."""
        path = self._write(tmp_path, [["13800138000", "陈", "100001", "东街12号", "GL01", "东街", ""],
                                      ["13800138000", "陈", "100002", "西巷3号", "GL01", "西巷", "yes"],
                                      ["13900139000", "李", "200001", "北路8号", "GL02", "", ""]])
        result = run("landlord", "import", str(path))
        assert result.exit_code == 0, result.output
        assert count(rt, Landlord) == 2 and count(rt, Property) == 3

    def test_one_bad_row_imports_nothing_and_names_the_line(self, run, rt, tmp_path):
        """Any bad row is reported by line number and nothing at all is written."""
        path = self._write(tmp_path, [["13800138000", "陈", "100001", "东街12号", "GL01", "", ""],
                                      ["not-a-phone", "李", "100002", "北路8号", "GL01", "", ""],
                                      ["13900139000", "王", "100001", "重复", "GL01", "", ""]])
        result = run("landlord", "import", str(path))
        assert result.exit_code != 0
        assert "line 3:" in result.output and "line 4:" in result.output
        assert "nothing was imported" in result.output
        assert count(rt, Landlord) == 0 and count(rt, Property) == 0


class TestEnrolmentClaimsMessages:
    """A number enrolled from the command line takes its earlier messages out of every other precinct's view."""

    def _unknown(self, client, rt, sender: str) -> InboundMessage:
        response = sms(client, f"登记 张三 {ID_A} 301", sender)
        drain(rt)
        found = inbound(rt, response.sid)
        assert found.review_reason == "unknown_sender" and found.precinct_id is None
        return found

    def _precinct(self, rt, inbound_id: int) -> str | None:
        with rt.sessions() as session:
            return session.scalar(select(Precinct.code).join(InboundMessage, InboundMessage.precinct_id == Precinct.id)
                                  .where(InboundMessage.id == inbound_id))

    def test_landlord_add_claims_the_numbers_messages(self, run, rt, client):
        """`landlord add` gives the number's unknown-sender item the precinct of the property enrolled."""
        before = self._unknown(client, rt, LANDLORD)
        run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "200001",
            "--address", "北路8号", "--precinct", "GL02")
        assert self._precinct(rt, before.id) == "GL02"

    def test_landlord_import_claims_only_the_enrolled_numbers(self, run, rt, client, tmp_path):
        """`landlord import` claims the enrolled number's item and leaves another unknown number's alone."""
        mine, other = self._unknown(client, rt, LANDLORD), self._unknown(client, rt, STRANGER)
        path = TestLandlordImport()._write(tmp_path, [["13800138000", "陈", "100001", "东街12号", "GL01", "", ""]])
        assert run("landlord", "import", str(path)).exit_code == 0
        assert self._precinct(rt, mine.id) == "GL01" and self._precinct(rt, other.id) is None


class TestOfficerAdd:
    def test_password_is_stored_hashed(self, run, rt):
        """`officer add` stores a hash, never the password."""
        result = run("officer", "add", "wang", "--precinct", "GL01", "--password-stdin", input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        with rt.sessions() as session:
            officer = session.scalar(select(Officer))
            assert officer.password_hash != PASSWORD and officer.password_hash.startswith(("scrypt", "pbkdf2"))

    def test_short_password_is_refused(self, run, rt):
        """A password under 8 characters is refused with the rule."""
        result = run("officer", "add", "wang", "--precinct", "GL01", "--password-stdin", input="short\n")
        assert result.exit_code != 0 and "8 characters" in result.output
        assert count(rt, Officer) == 0


class TestOrgImport:
    def test_imports_and_lists_the_tree(self, run, rt, tmp_path):
        from tests.city import ORG_CSV

        path = tmp_path / "org.csv"
        path.write_text(ORG_CSV, encoding="utf-8")
        result = run("org", "import", str(path))
        assert result.exit_code == 0, result.output
        assert "imported 16 row(s)" in result.output
        listing = run("org", "list").output.splitlines()
        assert listing[0].startswith("CITY") and listing[1].startswith("  K1") and listing[2].startswith("    S11")
        assert run("org", "export").output.splitlines()[1:3] == ["CITY,福州市公安局,city,", "K1,鼓楼分局,county,CITY"]

    def test_bad_rows_are_listed_by_line_and_nothing_is_written(self, run, rt, tmp_path):
        path = tmp_path / "org.csv"
        path.write_text("code,name,level,parent\nC,市局,city,\nS1,所,station,C\n", encoding="utf-8")
        result = run("org", "import", str(path))
        assert result.exit_code == 1
        assert "line 3: parent 'C' is a city, not a county" in result.output
        assert "nothing was imported" in result.output
        assert run("org", "list").output == ""


class TestOfficerPlaces:
    def test_a_county_supervisor_and_an_assistant(self, run, rt, tmp_path):
        path = tmp_path / "org.csv"
        path.write_text("code,name,level,parent\nC,市局,city,\nK1,分局,county,C\nS1,所,station,K1\n", encoding="utf-8")
        run("org", "import", str(path))
        result = run("officer", "add", "kchief", "--unit", "K1", "--role", "supervisor", "--password-stdin",
                     input=PASSWORD + "\n")
        assert result.exit_code == 0 and "added to unit K1" in result.output
        assert run("officer", "add", "h", "--precinct", "S1", "--role", "assistant", "--password-stdin",
                   input=PASSWORD + "\n").exit_code == 0
        result = run("officer", "set", "h", "--grant", "reveal")
        assert result.exit_code == 0 and "grants reveal" in result.output
        with rt.sessions() as s:
            kchief = s.scalar(select(Officer).where(Officer.username == "kchief"))
            assert (kchief.unit.code, kchief.precinct_id) == ("K1", None)

    def test_an_officer_needs_a_place_and_a_unit_must_exist(self, run, rt):
        assert run("officer", "add", "x", "--password-stdin", input=PASSWORD + "\n").exit_code == 2
        result = run("officer", "add", "x", "--unit", "NOPE", "--password-stdin", input=PASSWORD + "\n")
        assert result.exit_code == 1 and "no unit 'NOPE'" in result.output
