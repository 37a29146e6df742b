"""Every officer page, rendered in Chinese with data on it, shows words and never a stored code.

A code is any value of the tables officers' data is made of: error, warning and review codes, the states
in store/states.py, commands, outcomes, document types, channels, audit actions, reply purposes. The check
reads what a person sees (text, options, tooltips, placeholders), not the markup: codes in attributes,
links and forms are the data the page works with.
"""
from __future__ import annotations

import io
import re
from enum import StrEnum
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from gateway.i18n import codes as words
from ivr_flows import VoiceDeclaration
from parsers.codes import ALL_CODES
from parsers.commands import Command
from parsers.outcome import OutcomeStatus
from store import states
from store.models import Declaration, Person, utcnow
from tests.campaign import RIC_2
from tests.constants import GATEWAY_NUMBER, ID_A, ID_BAD_CHECK, LANDLORD, STRANGER, TENANT
from tests.support import drain, login, pending_declaration, texted

STATE_ENUMS = [v for v in vars(states).values() if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum]
KNOWN_CODES = (set(ALL_CODES) | {m.value for e in STATE_ENUMS for m in e} | {c.value for c in Command}
               | {o.value for o in OutcomeStatus}
               | {k for kind, table in words.KINDS.items() if kind != "detail" for k in table})  # details: field names
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
ID_17 = "35010219900101123"  # one digit short: fails the length check, still someone's ID


class VisibleText(HTMLParser):
    """The text a person reads: skips scripts, styles, drawn charts and anything marked as English."""

    SKIPPED = {"script", "style", "svg"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        void = tag in ("input", "meta", "link", "br", "img", "hr", "source")
        skip = tag in self.SKIPPED or attributes.get("lang") == "en"
        if not self._skipping() and not skip:
            self.parts.extend(attributes[a] for a in SHOWN_ATTRIBUTES if attributes.get(a))
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.parts.append(attributes["value"])
        if not void:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def leaked(html: str) -> set[str]:
    """The known codes a person would read on this page."""
    parser = VisibleText()
    parser.feed(html)
    return {token for token in re.findall(r"[a-z][a-z_]*", " ".join(parser.parts)) if token in KNOWN_CODES}


def page(client, path: str, status: int = 200, **kwargs) -> str:
    response = client.post(path, **kwargs) if kwargs else client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


class TestTheCheck:
    def test_finds_a_code_in_text_and_ignores_markup(self):
        """A code in text or a tooltip counts; one in an attribute value, a script or an English span does not."""
        assert leaked('<p>原因 id_checksum</p>') == {"id_checksum"}
        assert leaked('<span title="pending_review">待民警确认</span>') == {"pending_review"}
        assert leaked('<a href="?reason=id_checksum" data-reason="no_document">身份证</a><script>x="active"</script>'
                      '<p lang="en">cancelled declarations</p>') == set()

    def test_every_code_kind_is_known(self):
        """The union holds reasons, states, commands, documents, channels and audit actions."""
        assert {"id_checksum", "pending_review", "awaiting_landlord", "move_in", "ric", "voice", "view_full_id",
                "landlord_confirm", "outbox"} <= KNOWN_CODES

    def test_every_reason_has_words_in_both_languages(self):
        """A reason code an officer can meet has a short name in Chinese and English."""
        assert set(ALL_CODES) <= set(words.REASONS)
        assert all(w.zh and w.en for table in words.KINDS.values() for w in table.values())


@pytest.fixture
def worked(ui, people):
    """The queue with an item of each kind, worked on by an officer and a supervisor (for the audit log)."""
    from gateway.webhooks.voice_port import DatabasePort

    items = {
        "checksum": texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD),
        "short_id": texted(ui, people, f"登记 赵六 {ID_17} 302 @100001", LANDLORD),
        "stranger": texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER),
        "keyword": texted(ui, people, "hello, how do I register?", LANDLORD),
        "declared": texted(ui, people, f"登记 张三 {ID_A} 301 @100001", LANDLORD),
        "edited": texted(ui, people, "登记 赵六 301", LANDLORD),
    }
    items["no_document"], _decl = pending_declaration(people)
    DatabasePort(people, to_number=GATEWAY_NUMBER).submit("CAZH0001", VoiceDeclaration(
        kind="move_in", document_type="ric", document_number=ID_A, property_code="100002", room="2",
        date=utcnow().date(), name="王五", name_recording_url="/static/demo-name.wav", address_recording_url=None,
        name_confidence=0.31, caller=TENANT, language="zh"))
    drain(people)
    login(ui, "chief")
    ui.post("/people", data={"q": "张三"})
    with people.sessions() as session:
        person = session.scalar(select(Person.id).join(Declaration).limit(1))
    ui.post(f"/people/{person}/full-id")
    ui.post(f"/review/{items['checksum']}/full-text")
    ui.post(f"/review/{items['keyword']}/reject", data={"reason": "看不懂", "template": "resend"})
    ui.post(f"/review/{items['stranger']}/spam")
    ui.post(f"/review/{items['edited']}/edit", data={"body": f"登记 赵六 {ID_A} 302 @100001"})
    drain(people)
    return items


class TestOperationalPages:
    def test_no_code_shows_on_any_page_in_chinese(self, ui, people, worked):
        """The queue, every item, people, landlords, the audit log and the error pages read as Chinese."""
        with people.sessions() as session:
            person = session.scalar(select(Person.id).join(Declaration).limit(1))
            landlord = session.scalar(select(Declaration.property_id).limit(1))
        pages = {path: page(ui, path) for path in (
            "/review", "/review?reason=id_checksum", "/review?channel=voice", "/people", f"/people/{person}",
            "/landlords", "/landlords/new", "/landlords/property/100001/edit", "/landlords/property/100001/notice",
            "/audit", "/audit?action=view_full_id")}
        pages["/people (results)"] = page(ui, "/people", data={"q": "王五"})
        pages["/landlords/1"] = page(ui, "/landlords/1")
        for name, inbound_id in worked.items():
            pages[f"/review/{inbound_id} ({name})"] = page(ui, f"/review/{inbound_id}")
        pages["404"] = page(ui, "/review/999999", 404)
        login(ui, "a")
        pages["403"] = page(ui, "/audit", 403)
        pages["/review (officer)"] = page(ui, "/review")
        assert landlord is not None
        assert {path: found for path, html in pages.items() if (found := leaked(html))} == {}

    def test_the_pages_show_the_words(self, ui, people, worked):
        """The words are there instead: a reason, a state, a channel, a document type, an audit action."""
        login(ui, "chief")
        queue = page(ui, "/review")
        assert "身份证校验位错误" in queue and "来电申报入住" in queue and "姓名识别不确定" in queue
        assert "来电内容" in page(ui, f"/review/{worked['no_document']}")
        audit = page(ui, "/audit")
        assert "查看完整证件号" in audit and "人员查询" in audit and "事项 #" in audit

    def test_an_id_that_fails_the_length_check_is_masked_in_the_queue(self, ui, people, worked):
        """A 17-digit number is someone's ID with a digit missing: masked in the preview like any other."""
        login(ui, "a")
        queue = page(ui, "/review")
        assert ID_17 not in queue and "3501*********1123" in queue


@pytest.fixture
def cases_imported(login_as):
    chief = login_as("chief")
    text = f"document_type,document_number,case_date,precinct\nric,{RIC_2},2026-03-01,P01\n"
    response = chief.post("/stats/cases/import", data={"file": (io.BytesIO(text.encode()), "cases.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    return chief


class TestStatisticsPages:
    def test_no_code_shows_on_any_statistics_page_in_chinese(self, login_as, officers, cases_imported):
        """The ranking, a precinct, the follow-up list, the case list, the imports and the bulletin read as Chinese."""
        month = "month=2026-03"
        chief, officer = cases_imported, login_as("a")
        pages = {path: page(chief, path) for path in (
            f"/stats/ranking?{month}", f"/stats/precinct/{officers.p01}?{month}", f"/stats/follow-up?{month}",
            f"/stats/cases?{month}", f"/stats/estimates?{month}", "/stats/cases/import", f"/stats/bulletin?{month}")}
        pages["officer ranking"] = page(officer, f"/stats/ranking?{month}")
        pages["officer follow-up"] = page(officer, f"/stats/follow-up?{month}")
        assert "R00002" in pages[f"/stats/cases?{month}"] and "R00003" in pages[f"/stats/follow-up?{month}"]
        assert {path: found for path, html in pages.items() if (found := leaked(html))} == {}

    def test_ranking_headers_are_said_once(self, login_as, officers):
        """The ranking's column names are in the officer's language only, not doubled with English."""
        html = page(login_as("chief"), "/stats/ranking?month=2026-03")
        assert "名次" in html and "Rank" not in html

    def test_an_officer_on_a_supervisor_page_is_told_why(self, login_as, officers):
        """An officer opening the bulletin is told it needs a supervisor, not that it is outside their precinct."""
        html = page(login_as("a"), "/stats/bulletin?month=2026-03", 403)
        assert "需要主管权限" in html and "不在您的辖区内" not in html

    def test_the_month_picker_offers_no_future_month(self, login_as, officers):
        """The choices end at the month under way."""
        import datetime as dt

        from store.stats import Month

        html = page(login_as("chief"), "/stats/ranking")
        current = Month.of(dt.date.today())
        offered = set(re.findall(r'<option value="(\d{4}-\d\d)"', html))
        assert str(current) in offered and str(current.next) not in offered
