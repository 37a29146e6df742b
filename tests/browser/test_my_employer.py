"""/my for an employer contact on a 390 px phone: the same log-in, then the employer's sites, staff and the
hire form instead of the landlord's; a leave recorded from the list; the employer's agents granted and revoked."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.employers import EmployerEntry, enrol
from store.models import Agent, StaffDeclaration
from tests.browser.test_my import phone, until_answered  # noqa: F401 - fixtures
from tests.browser.test_officer import SCREENSHOTS, browser, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow
from tests.constants import ID_A
from tests.gateway.api.helpers import code_sent, log_in

pytestmark = pytest.mark.browser
EMPLOYER = "+8613600000000"
AGENT = "+8613700000000"


def two_sites(rt) -> None:  # noqa: F811
    """闽江建设 in GL01: building site 300001 (工地) and dormitory 300002 (宿舍楼), one contact."""
    with rt.sessions.begin() as session:
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=[EMPLOYER], site_code="300001", site_kind="building_site",
                                     site_alias="工地"))
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=[EMPLOYER], site_code="300002", site_kind="dormitory",
                                     site_alias="宿舍楼", site_address="鼓楼区工业路3号"))


def statuses(rt) -> list[tuple[str, bool]]:  # noqa: F811
    with rt.sessions() as session:
        return [(d.status, d.lodger) for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))]


def test_an_employer_contact_hires_and_ends_staff_on_a_phone(server, rt, phone):  # noqa: F811
    _app, base = server
    two_sites(rt)
    phone.goto(f"{base}/my")
    phone.fill("#code-form input[name=phone]", EMPLOYER)
    phone.click("#code-form button[type=submit]")
    phone.wait_for_selector("#login-form:not([hidden])")
    phone.fill("#login-form input[name=code]", code_sent(rt, EMPLOYER))
    phone.click("#login-form button[type=submit]")
    phone.wait_for_selector("#sites li")
    assert phone.is_hidden("#landlord-part") and phone.is_hidden("#more")
    assert phone.inner_text("#employer-name") == "闽江建设" and phone.inner_text("h1") == "用工申报"
    assert phone.locator("#sites li").count() == 2

    phone.select_option("#hire select[name=site]", "300002")
    phone.fill("#hire input[name=name]", "张三")
    phone.fill("#hire input[name=document_number]", ID_A)
    phone.check("#hire input[name=lodger]")
    phone.fill("#hire input[name=room]", "101")
    phone.click("#hire button[type=submit]")
    assert "回执" in until_answered(phone, rt)
    phone.wait_for_selector("#staff li")
    assert "3501**********1238" in phone.inner_text("#staff") and ID_A not in phone.content()
    assert statuses(rt) == [("active", True)]
    assert overflow(phone) == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-employer.png"), full_page=True)

    phone.select_option("#hire select[name=document_type]", "none")
    assert phone.is_hidden("#hire .number-field") and phone.is_visible("#hire .hukou-field")

    phone.click("#staff li button.leave")
    until_answered(phone, rt)
    assert statuses(rt) == [("ended", True)]
    phone.wait_for_selector("#no-staff:not([hidden])")
    phone.click("#language")
    assert phone.inner_text("h1") == "Staff declarations" and overflow(phone) == 0
    phone.click("#logout")
    assert phone.is_visible("#login") and phone.is_visible("#more") and phone.inner_text("h1") == "Landlord declarations"


def test_an_employer_contact_grants_and_revokes_an_agent_for_one_site(server, rt, phone):  # noqa: F811
    """The agents section under the employer's part names sites: a grant for the dormitory only, which the agent's
    own page does not offer to pass on; revoked from the list."""
    _app, base = server
    two_sites(rt)

    def open_as(page, who: str) -> None:
        token = log_in(_app.test_client(), rt, who)["Authorization"].split()[1]
        page.goto(f"{base}/my")
        page.evaluate("token => sessionStorage.setItem('token', token)", token)
        page.goto(f"{base}/my")

    open_as(phone, EMPLOYER)
    section = "#employer-agents-section"
    phone.wait_for_selector(f"{section}:not([hidden]) .no-agents:not([hidden])")
    assert phone.is_hidden("#agents-section")  # the landlord's, by property, is not the employer's
    assert phone.locator(f"{section} select[name=site] option").count() == 3  # all sites, 300001, 300002
    phone.fill(f"{section} .agent-form input[name=phone]", AGENT[3:])
    phone.select_option(f"{section} .agent-form select[name=site]", "300002")
    phone.click(f"{section} .agent-form button[type=submit]")
    phone.wait_for_selector(f"{section} .agents li")
    listed = phone.inner_text(f"{section} .agents")
    assert AGENT in listed and "@300002" in listed
    assert overflow(phone) == 0
    with rt.sessions() as session:
        [grant] = session.scalars(select(Agent).where(Agent.revoked_at.is_(None)))
        assert (grant.phone, grant.employer_id is not None, grant.site.code) == (AGENT, True, "300002")

    other = phone.context.browser.new_context(viewport=phone.viewport_size).new_page()
    open_as(other, AGENT)
    other.wait_for_selector("#sites li")
    assert other.locator("#sites li").count() == 1 and "300002" in other.inner_text("#sites")
    assert other.is_hidden(f"{section}")  # an agent cannot pass its grant on
    other.context.close()

    phone.click(f"{section} .agents li button.cancel")  # the fixture's page accepts the confirm
    phone.wait_for_selector(f"{section} .no-agents:not([hidden])")
    with rt.sessions() as session:
        assert session.scalar(select(Agent).where(Agent.revoked_at.is_(None))) is None
