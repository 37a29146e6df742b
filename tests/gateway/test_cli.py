"""The `declgate` command line against the same database the app uses."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gateway.cli import cli
from store.models import InboundMessage, Landlord, Officer, Precinct, Property
from tests.constants import ID_A, KEY_ENV, LANDLORD, PASSWORD, STRANGER
from tests.support import drain, inbound, sms


@pytest.fixture
def run(settings, rt):
    """Invoke the CLI with the test database (and Redis) in its environment."""
    env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
           "SECRET_KEY": "x", "REDIS_URL": settings.redis_url or "", "DECLGATE_QUEUE": settings.queue_name, **KEY_ENV}

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


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


class TestExportAndOutbox:
    @pytest.fixture
    def declared(self, run, rt, client):
        run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "100001",
            "--address", "东街12号", "--precinct", "GL01")
        sms(client, f"登记 张三 {ID_A} 301", "+8613800138000")
        drain(rt)
        return rt

    def test_export_masks_ids_by_default(self, run, declared):
        """JSON export carries every contract field with the ID masked; --unmasked shows it."""
        masked = run("export", "--format", "json")
        [row] = [json.loads(line) for line in masked.output.splitlines()]
        assert row["document_number"] == "3501**********1238" and ID_A not in masked.output
        assert row["status"] == "active" and row["channel"] == "sms" and row["property_code"] == "100001"
        assert set(row) >= {"receipt", "status", "name", "document_type", "document_number", "property_code",
                            "room", "move_in", "move_out", "channel", "declared_at", "late"}
        full = run("export", "--format", "json", "--unmasked")
        assert ID_A in full.output

    def test_export_csv_has_a_header(self, run, declared):
        """CSV export starts with the field names."""
        result = run("export")
        assert result.output.splitlines()[0].startswith("receipt,status,name")

    def test_outbox_lists_replies_as_json_lines(self, run, declared):
        """`outbox --json` prints the reply with its recipient and the inbound it answers."""
        result = run("outbox", "--json")
        [msg] = [json.loads(line) for line in result.output.splitlines()]
        assert msg["to"] == LANDLORD and msg["in_reply_to"] is not None and "回执" in msg["body"]


class TestRequeue:
    def test_requeue_queues_what_no_worker_handled(self, run, rt, client, backend):
        """A message stored while the queue lost it is queued again by `requeue` and then processed."""
        if backend == "sqlite":
            result = run("requeue")
            assert result.exit_code != 0 and "REDIS_URL" in result.output
            return
        run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "100001",
            "--address", "东街12号", "--precinct", "GL01")
        response = sms(client, f"登记 张三 {ID_A} 301", "+8613800138000")
        rt.queue.empty()  # the job is gone, as after a Redis restart
        rt.redis.delete("rq:job:inbound-1")
        drain(rt)
        result = run("requeue")
        assert "requeued 1" in result.output
        drain(rt)
        from tests.support import inbound

        assert inbound(rt, response.sid).status == "processed"


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """Invoke `declgate serve` on a scratch SQLite file, recording the app it would run instead of running it."""
    from flask import Flask

    from gateway import worker

    started: list[tuple[Flask, dict]] = []
    monkeypatch.setattr(Flask, "run", lambda app, **kwargs: started.append((app, kwargs)))
    monkeypatch.setattr(worker, "start_embedded_worker", lambda rt: None)
    monkeypatch.chdir(tmp_path)  # no .env
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}", "REDIS_URL": None, "PUBLIC_BASE_URL": None,
           "SECRET_KEY": None, "TWILIO_AUTH_TOKEN": None, "TWILIO_ACCOUNT_SID": None}

    def invoke(*args: str, **extra_env: str):
        return CliRunner().invoke(cli, ["serve", *args], env={**env, **extra_env}), started
    return invoke


class TestServe:
    def test_demo_refuses_a_public_address(self, serve):
        """`serve --demo --host 0.0.0.0` stops before starting, saying why and how to proceed."""
        result, started = serve("--demo", "--host", "0.0.0.0")
        assert result.exit_code != 0 and started == []
        assert "loopback only" in result.output and "--expose-demo" in result.output

    @pytest.mark.parametrize("host", ["192.168.1.10", "declgate.example.org", "::"])
    def test_demo_refuses_any_non_loopback_host(self, serve, host):
        """An address or a name that is not loopback is refused the same way."""
        result, started = serve("--demo", "--host", host)
        assert result.exit_code != 0 and started == []

    def test_demo_on_loopback_starts_with_a_fresh_secret(self, serve):
        """On loopback the demo starts; each start signs sessions with a new random key and checks webhook
        signatures against its own address."""
        first, started = serve("--demo", "--port", "5055")
        second, _ = serve("--demo", "--host", "::1", "--port", "5055")
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
        (app1, kwargs1), (app2, _) = started
        assert kwargs1["host"] == "127.0.0.1"
        assert app1.config["SECRET_KEY"] != app2.config["SECRET_KEY"]
        assert app1.config["SECRET_KEY"] != "demo-secret-key-not-secret"
        assert app1.extensions["declgate"].settings.public_base_url == "http://127.0.0.1:5055"
        assert app2.extensions["declgate"].settings.public_base_url == "http://[::1]:5055"

    def test_expose_demo_starts_with_a_warning(self, serve):
        """--expose-demo is the documented way past the refusal, and says loudly what it means."""
        result, started = serve("--demo", "--host", "0.0.0.0", "--expose-demo")
        assert result.exit_code == 0, result.output
        assert started and started[0][1]["host"] == "0.0.0.0"
        assert "WARNING: the demo is reachable from other machines" in result.output

    def test_production_needs_a_public_url(self, serve):
        """Outside demo, a missing PUBLIC_BASE_URL stops the start with the setting's name and an example."""
        result, started = serve(TWILIO_AUTH_TOKEN="t", SECRET_KEY="s", **KEY_ENV)
        assert result.exit_code != 0 and started == []
        assert "PUBLIC_BASE_URL is not set" in result.output


class TestKeys:
    def test_generate_prints_keys_the_gateway_accepts(self):
        """`keys generate` prints a DATA_KEYS and a BLIND_INDEX_KEY line that Settings takes as they are."""
        from gateway.settings import Settings

        result = CliRunner().invoke(cli, ["keys", "generate"])
        lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
        assert set(lines) == {"DATA_KEYS", "BLIND_INDEX_KEY"}
        Settings(data_keys=(lines["DATA_KEYS"],), blind_index_key=lines["BLIND_INDEX_KEY"]).keyring()

    @pytest.mark.parametrize("missing", ["DATA_KEYS", "BLIND_INDEX_KEY"])
    def test_serve_refuses_to_start_without_keys(self, settings, missing):
        """Outside --demo a missing key stops `serve` with a message that says how to make one."""
        env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV,
               missing: ""}
        result = CliRunner().invoke(cli, ["serve"], env=env)
        assert result.exit_code != 0
        assert f"{missing} is not set" in result.output and "declgate keys generate" in result.output

    def test_the_demo_keeps_its_keys_beside_its_database(self, tmp_path):
        """The demo's keys are made once and read back on the next start, readable by their owner only."""
        from gateway.settings import demo_keys

        first, second = demo_keys(tmp_path / "demo-keys.json"), demo_keys(tmp_path / "demo-keys.json")
        assert first == second and (tmp_path / "demo-keys.json").stat().st_mode & 0o077 == 0
