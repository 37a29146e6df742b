"""What officers read carries no full ID in any shape, unless one asked for it by POST and it was recorded."""
from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import unicodedata

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.app import create_app
from gateway.cli import cli
from store import verification
from store.employers import EmployerEntry, enrol
from store.models import (AuditEntry, Declaration, Employer, EnrolmentRequest, Landlord, OutboundMessage, Person,
                          Precinct, VerificationItem)
from store.stats import Month
from tests.constants import ID_A, ID_B, ID_C, KEY_ENV, LANDLORD
from tests.gateway.api.helpers import log_in
from tests.support import audit_actions, drain, login, pending_declaration, texted, token

DASHED = "320102198808081114"
SHAPES = [("320102-19880808-1114", DASHED), ("3201 0219 8808 0811 14", DASHED),
          ("３２０１０２１９８８０８０８１１１４", DASHED), ("320102.19880808.1114", DASHED),
          ("32010219880808111x", "32010219880808111X"), ("320102880808111", "320102880808111")]
EVERY_ID = [ID_A, DASHED, ID_B, ID_C]  # ID_C: a staff member (an employer page)


def readable(page: str) -> str:
    """The page as a person reads it: no tags, entities decoded, NFKC, separators between digits ignored."""
    text = html.unescape(re.sub(r"<[^>]*>", "", page))
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if c not in "\u200b\u200c\u200d\ufeff")
    return re.sub(r"(?<=\d)[\s\-._/·,]+(?=[\dXx])", "", text).upper()


def leaked(page: str, numbers=EVERY_ID) -> list[str]:
    """The numbers whose hidden digits (all but the first and last four) can be read on the page."""
    shown = readable(page)
    return [n for n in numbers if n[4:-4].upper() in shown]


def textarea(page: str) -> str:
    return html.unescape(re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1))


class TestReviewScreens:
    @pytest.mark.parametrize(("shape", "number"), SHAPES)
    def test_an_id_in_any_shape_is_masked_and_opening_writes_nothing(self, ui, people, shape, number):
        """An ID texted with dashes, spaces, dots, full-width digits or a lower-case x shows masked on the queue
        and the item page (its edit form too, while open), and opening the item writes no audit entry."""
        item = texted(ui, people, f"登记 张三 {shape} 301 @100001", LANDLORD)
        login(ui, "a")
        queue, page = ui.get("/review"), ui.get(f"/review/{item}")

        assert queue.status_code == page.status_code == 200
        assert leaked(queue.text, [number]) == [] and leaked(page.text, [number]) == []
        assert number[:4] + "*" * (len(number) - 8) + number[-4:] in page.text
        if "<textarea" in page.text:  # still open (a full-width ID is read, and stored, as typed)
            assert leaked(textarea(page.text), [number]) == []
        assert audit_actions(people, "view_full_id") == []

    def test_edited_copy_keeps_the_number_yet_shows_it_masked(self, ui, people):
        """An officer corrects the room in the masked text: the copy is processed with the landlord's real ID,
        and the original's list of edits and the copy's page show it masked."""
        item = texted(ui, people, f"登记 张三 {ID_A} 3#01 @100001", LANDLORD)
        login(ui, "a")
        masked = textarea(ui.get(f"/review/{item}").text)
        assert ID_A not in masked and "3501**********1238" in masked

        response = ui.post(f"/review/{item}/edit", data={"body": masked.replace("3#01", "301")})
        drain(people)
        with people.sessions() as session:
            decl = session.scalar(select(Declaration).where(Declaration.room == "301"))
            assert decl is not None and decl.person.document_number == ID_A
        copy_page = ui.get(response.location).text
        original_page = ui.get(f"/review/{item}").text
        assert leaked(copy_page) == [] and leaked(original_page) == []
        assert "3501**********1238" in original_page

    def test_replies_and_problem_quotes_show_no_part_of_a_spaced_id(self, ui, people):
        """A spaced ID the grammar reads as separate fields is quoted masked in the problems list, not piece by piece."""
        item = texted(ui, people, "登记 张三 350102 19900101 1238 301 @100001", LANDLORD)
        login(ui, "a")
        page = ui.get(f"/review/{item}").text
        assert "19900101" not in page and leaked(page) == []


class TestFullViewsAreAuditedPosts:
    @pytest.fixture
    def browser(self, settings, rt, people):
        """A client with CSRF checks on, as a browser meets the app."""
        return create_app(settings, rt=rt, test_config={"TESTING": True}).test_client()

    def test_a_forged_link_writes_nothing(self, browser, people):
        """GET requests another site can make an officer's browser send (a search link, an item link) write no
        audit entry; the full views are POSTs that need the form's CSRF token."""
        item = texted(browser, people, f"登记 张三 {ID_A} 3#01 @100001", LANDLORD)
        login(browser, "a")
        assert browser.get(f"/people?q={ID_A}").status_code == 200
        assert browser.get(f"/review/{item}").status_code == 200
        assert browser.post(f"/review/{item}/full-text").status_code == 400
        assert browser.post("/people", data={"q": ID_A}).status_code == 400
        assert audit_actions(people) == []

        full = browser.post(f"/review/{item}/full-text", data={"csrf_token": token(browser)})
        assert full.status_code == 200 and ID_A in full.text
        assert [e.action for e in audit_actions(people)] == ["view_full_id"]

    def test_search_is_recorded_with_the_query_masked(self, ui, people):
        """A search for a spaced ID is stored in the audit log masked, and the supervisor's page shows it masked."""
        login(ui, "a")
        ui.post("/people", data={"q": "3501 0219 9001 0112 38"})
        [entry] = audit_actions(people, "search")
        assert entry.detail["query"] == "3501**********1238"
        ui.post("/logout")
        login(ui, "chief")
        page = ui.get("/audit").text
        assert "3501**********1238" in page and leaked(page) == []

    @pytest.mark.parametrize("typed", ["35010219 9001011238", "350102 -- 19900101 -- 1238", "350102    199001011238"])
    def test_a_search_cut_any_way_the_search_reads_is_recorded_masked(self, ui, people, typed):
        """The search reads the number with every space and dash dropped, so however it was cut it finds the
        person; the audit log must not keep that cut whole, where an assistant without `reveal` reads it."""
        texted(ui, people, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        login(ui, "a")
        assert "张三" in ui.post("/people", data={"q": typed}).text  # found: the query was the whole number
        [entry] = audit_actions(people, "search")
        assert entry.detail["query"] == "3501**********1238"
        ui.post("/logout")
        login(ui, "chief")
        assert leaked(ui.get("/audit").text) == []

    def test_audit_page_masks_entries_written_before(self, ui, people):
        """An entry that holds a full number (written before entries were masked) is shown masked."""
        with people.sessions.begin() as session:
            session.add(AuditEntry(officer_id=None, action="search", target="people",
                                   detail={"query": "320102-19880808-1114"}))
        login(ui, "chief")
        page = ui.get("/audit?action=search").text
        assert "3201**********1114" in page and leaked(page) == []


class TestPeopleAndLandlords:
    def test_an_id_typed_into_a_name_is_masked_and_cannot_be_spelled_out(self, ui, people):
        """A name typed at accept time holding an ID shows masked, and searching for its digits finds nobody."""
        item, decl_id = pending_declaration(people)
        login(ui, "a")
        ui.post(f"/review/declaration/{decl_id}/accept", data={"name": f"王五 {ID_A}", "inbound_id": item})
        with people.sessions() as session:
            person_id = session.scalar(select(Declaration.person_id).where(Declaration.id == decl_id))

        found = ui.post("/people", data={"q": "王五"}).text
        assert f"/people/{person_id}" in found and leaked(found) == []
        assert leaked(ui.get(f"/people/{person_id}").text) == []
        for probe in ("0219900101", "王五 35010219"):
            assert f"/people/{person_id}" not in ui.post("/people", data={"q": probe}).text, probe

    def test_a_name_or_address_holding_an_id_is_masked_beyond_the_officer_pages(self, ui, people, settings):
        """What an officer typed with an ID in it (a name at accept time, a property's address) reaches the
        landlord's phone (LIST), the landlord's API, the masked export and the operator's outbox masked too."""
        item, decl_id = pending_declaration(people)
        login(ui, "a")
        ui.post(f"/review/declaration/{decl_id}/accept", data={"name": f"王五 {ID_A}", "inbound_id": item})
        ui.post("/landlords/property/100001/edit", data={"address": f"鼓楼区东街12号 {ID_C}", "alias": "东街"})
        with people.sessions() as session:
            assert session.get(Declaration, decl_id).status == "active"
        texted(ui, people, "LIST @100001", LANDLORD)
        headers = log_in(ui, people, LANDLORD)
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
               "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV}
        with people.sessions() as session:
            replies = "\n".join(session.scalars(select(OutboundMessage.body)))
        declarations = ui.get("/api/v1/declarations", headers=headers).get_json()
        properties = ui.get("/api/v1/properties", headers=headers).get_json()
        export, outbox = (CliRunner().invoke(cli, [command], env=env) for command in ("export", "outbox"))

        assert "王五" in replies and leaked(replies) == []
        assert any(row["name"].startswith("王五") for row in declarations["declarations"])
        assert leaked(json.dumps(declarations, ensure_ascii=False)) == []
        assert any("东街12号" in row["address"] for row in properties["properties"])
        assert leaked(json.dumps(properties, ensure_ascii=False)) == []
        assert export.exit_code == 0 and "王五" in export.output and leaked(export.output) == []
        assert outbox.exit_code == 0 and "王五" in outbox.output and leaked(outbox.output) == []

    def test_an_id_typed_into_an_address_is_masked(self, ui, people):
        """A property address holding an ID shows masked on the landlord list, landlord page, edit form and notice."""
        login(ui, "a")
        ui.post("/landlords/new", data={"phone": "13600136000", "name": "周", "property_code": "100009",
                                        "address": "鼓楼区中路2号 320102-19880808-1114"})
        with people.sessions() as session:
            landlord_id = session.scalar(select(Landlord.id).where(Landlord.phone == "+8613600136000"))
        for path in ("/landlords", f"/landlords/{landlord_id}", "/landlords/property/100009/edit",
                     "/landlords/property/100009/notice"):
            page = ui.get(path)
            assert page.status_code == 200 and leaked(page.text) == [], path


class TestEveryPage:
    def test_no_get_page_shows_a_full_id(self, ui, people):
        """With IDs in an SMS, a name, an address, a landlord's name and the audit log, every page a supervisor
        can open by GET shows none of them whole."""
        texted(ui, people, f"登记 张三 320102-19880808-1114 301 @100001\n李四 {ID_B} 302", LANDLORD)
        item, decl_id = pending_declaration(people)
        login(ui, "chief")
        ui.post(f"/review/declaration/{decl_id}/accept", data={"name": f"王五 {ID_A}", "inbound_id": item})
        ui.post("/landlords/new", data={"phone": "13600136000", "name": f"周 {ID_A}", "property_code": "100009",
                                        "address": "中路2号 3201 0219 8808 0811 14", "precinct": "GL01"})
        ui.post("/people", data={"q": ID_A})
        with people.sessions.begin() as session:  # an employer with an ID in its name and address, and its staff
            enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name=f"闽江 {ID_A}", address=f"工业路 {ID_B}",
                                         precinct="GL01", phones=("13600000000",), site_code="300001"))
        texted(ui, people, f"用工 赵六 {ID_C} 宿舍", "+8613600000000")
        texted(ui, people, "用工 孙七 无证 宿舍", "+8613600000000")  # on the register, with the employer's name
        assert ui.post("/api/v1/enrolments", json={"phone": "13700000000", "name": "王房东", "document_number": ID_B,
                                                   "address": f"中路4号 {ID_A}"}).status_code == 202
        drain(people)
        with people.sessions.begin() as session:  # every declaration on the verification list, with its item page
            verification.draw(session, Month.of(dt.datetime.now(people.tz).date()), percent=100)
        with people.sessions() as session:
            ids = {"item_id": session.scalar(select(VerificationItem.id)), "enrolment_id": session.scalar(select(EnrolmentRequest.id)),
                   "inbound_id": item, "person_id": session.scalar(select(Person.id)),
                   "landlord_id": session.scalar(select(Landlord.id).order_by(Landlord.id.desc())),
                   "precinct_id": session.scalar(select(Precinct.id)), "code": "100009", "request_id": "0",
                   "media_id": 1, "employer_id": session.scalar(select(Employer.id))}
            ids.update(kind="landlord", subject_id=ids["landlord_id"])  # the Art. 57 page of the landlord above
        app = ui.application
        pages = 0
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "sms.sms", "health.healthz", "health.readyz") \
                    or rule.endpoint.startswith(("voice.", "simulator.")):
                continue
            path = rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]
            for query in ("", "?month=" + _this_month()):
                page = ui.get(path + query)
                assert page.status_code < 500, path
                assert leaked(page.get_data(as_text=True)) == [], path
                pages += 1
        assert pages >= 30


def _this_month() -> str:
    return dt.date.today().strftime("%Y-%m")


class TestLogs:
    def test_log_records_and_tracebacks_are_masked(self, app, caplog):
        """A log line or a traceback quoting an ID, in any shape, reaches no handler whole."""
        caplog.set_level(logging.INFO)
        log = logging.getLogger("declgate.test")
        log.info("stored %s", "登记 张三 320102-19880808-1114 301")
        try:
            raise ValueError(f"cannot store {ID_A}")
        except ValueError:
            log.exception("job failed")
        text = caplog.text
        assert "3201**********1114" in text and "3501**********1238" in text
        assert leaked(text) == []


class TestCreditCodes:
    def test_an_employers_credit_code_is_shown_whole_and_an_id_in_its_place_is_not(self, ui, people):
        """A unified social credit code is a public registration with an ID's shape: the employer's page shows it
        in full. The filter that lets it through takes a valid code only, so a resident's ID number printed in its
        place (a mistake in a template or the data) is masked like everywhere else."""
        with people.sessions.begin() as session:
            enrol(session, EmployerEntry(credit_code="91110000802100433B", name="闽江物流", address="工业路1号",
                                         precinct="GL01", phones=("13600000000",), site_code="300001"))
            employer_id = session.scalar(select(Employer.id))
        login(ui, "a")
        assert "91110000802100433B" in ui.get(f"/employers/{employer_id}").get_data(as_text=True)
        assert "91110000802100433B" in ui.get("/employers").get_data(as_text=True)
        render = ui.application.jinja_env.from_string("{{ code|credit_code }}").render
        assert leaked(render(code=ID_A)) == [] and render(code=None) == ""
