"""/my for an employer contact on a 390 px phone: the same log-in, then the employer's sites, staff and the
hire form instead of the landlord's; a leave recorded from the list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.employers import EmployerEntry, enrol
from store.models import StaffDeclaration
from tests.browser.test_my import phone, until_answered  # noqa: F401 - fixtures
from tests.browser.test_officer import SCREENSHOTS, browser, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow
from tests.constants import ID_A
from tests.gateway.api.helpers import code_sent

pytestmark = pytest.mark.browser
EMPLOYER = "+8613600000000"


def statuses(rt) -> list[tuple[str, bool]]:  # noqa: F811
    with rt.sessions() as session:
        return [(d.status, d.lodger) for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))]


def test_an_employer_contact_hires_and_ends_staff_on_a_phone(server, rt, phone):  # noqa: F811
    _app, base = server
    with rt.sessions.begin() as session:
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=[EMPLOYER], site_code="300001", site_kind="building_site",
                                     site_alias="工地"))
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=[EMPLOYER], site_code="300002", site_kind="dormitory",
                                     site_alias="宿舍楼", site_address="鼓楼区工业路3号"))
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
