"""/my, the landlords' page, on a 390 px phone under the Content-Security-Policy: log in by code, see
properties and tenants, declare (with and without a document), move out, cancel, switch to English."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from store import media
from store.models import Declaration
from tests.browser.test_officer import SCREENSHOTS, browser, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import PHONE, overflow
from tests.constants import ID_A, LANDLORD, STRANGER
from tests.gateway.api.helpers import code_sent
from tests.gateway.media.server import picture
from tests.support import drain

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):  # noqa: F811 - the imported fixture
    """A phone-sized page that fails the test if the Content-Security-Policy blocked anything."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1, has_touch=True)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()
    assert blocked == [], blocked


def statuses(rt) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration.status).order_by(Declaration.id)))


def until_answered(page, rt) -> str:
    """Let the worker run while the page polls the status URL; the notice it shows then."""
    # The page says "waiting" once the API has taken the request (202), and polls at least a second: only then
    # is the row there to drain, and only then is an answer still on show from the last request gone.
    page.wait_for_selector("#notice:not(.ok):not(.bad):not([hidden])", timeout=15000)
    deadline = time.monotonic() + 30
    while not page.locator("#notice.ok, #notice.bad").count():
        assert time.monotonic() < deadline, page.inner_text("#notice")
        drain(rt)
        page.wait_for_timeout(100)
    return page.inner_text("#notice")


def test_a_landlord_declares_moves_out_and_cancels_on_a_phone(server, rt, phone):  # noqa: F811
    _app, base = server
    phone.goto(f"{base}/my")
    assert phone.inner_text("h1") == "房东申报"
    phone.fill("#code-form input[name=phone]", LANDLORD)
    phone.click("#code-form button[type=submit]")
    phone.wait_for_selector("#login-form:not([hidden])")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "my-login.png"), full_page=False)
    phone.fill("#login-form input[name=code]", code_sent(rt, LANDLORD))
    phone.click("#login-form button[type=submit]")
    phone.wait_for_selector("#properties li")
    assert phone.locator("#properties li").count() == 2

    phone.select_option("#move-in select[name=property]", "100001")
    phone.fill("#move-in input[name=name]", "张三")
    phone.fill("#move-in input[name=document_number]", ID_A)
    phone.fill("#move-in input[name=room]", "301")
    phone.click("#move-in button[type=submit]")
    assert "回执" in until_answered(phone, rt)
    phone.wait_for_selector("#tenants li")
    assert "3501**********1238" in phone.inner_text("#tenants") and ID_A not in phone.content()
    assert overflow(phone) == 0
    phone.screenshot(path=str(SCREENSHOTS / "my-tenants.png"), full_page=True)

    phone.select_option("#move-in select[name=document_type]", "none")
    assert phone.is_hidden("#move-in .number-field") and phone.is_visible("#move-in .hukou-field") \
        and phone.is_visible("#move-in .photo-field")
    phone.fill("#move-in input[name=name]", "王小明")
    phone.fill("#move-in input[name=hukou_address]", "福建省莆田市荔城区")
    phone.fill("#move-in input[name=room]", "302")
    phone.set_input_files("#move-in input[name=photo]",
                          files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": picture(gps=True)}])
    phone.click("#move-in button[type=submit]")
    until_answered(phone, rt)  # the answer ("待民警审核 …") may already have given way to the photo's notice
    phone.wait_for_selector("#notice:has-text('照片已保存')")  # the page sent the photo once the receipt came
    assert statuses(rt) == ["active", "pending_review"]
    with rt.sessions() as session:
        person_id = session.scalar(select(Declaration.person_id).order_by(Declaration.id.desc()).limit(1))
        assert media.portrait_of(session, person_id) is not None

    phone.click("#tenants li button.move-out")
    until_answered(phone, rt)
    assert statuses(rt) == ["ended", "pending_review"]

    phone.click("#language")
    assert phone.inner_text("h1") == "Landlord declarations"
    assert overflow(phone) == 0
    phone.screenshot(path=str(SCREENSHOTS / "my-english.png"), full_page=True)


def test_cancel_withdraws_a_declaration(server, rt, phone):  # noqa: F811
    _app, base = server
    from tests.gateway.api.helpers import log_in

    headers = log_in(_app.test_client(), rt, LANDLORD)
    client = _app.test_client()
    client.post("/api/v1/declarations", headers=headers,
                json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
    drain(rt)
    phone.goto(f"{base}/my")
    phone.evaluate("token => sessionStorage.setItem('token', token)", headers["Authorization"].split()[1])
    phone.goto(f"{base}/my")
    phone.wait_for_selector("#tenants li")
    phone.click("#tenants li button.cancel")
    until_answered(phone, rt)
    assert statuses(rt) == ["cancelled"]
    phone.wait_for_selector("#no-tenants:not([hidden])")


def test_a_number_that_cannot_log_in_asks_to_enrol(server, rt, phone):  # noqa: F811
    """The enrol form under the log-in: the request is stored pending and the page says so, at phone width."""
    from store.models import EnrolmentRequest
    from tests.constants import STRANGER

    _app, base = server
    phone.goto(f"{base}/my")
    phone.click("#enrol summary")
    phone.fill("#enrol-form input[name=phone]", STRANGER)
    phone.fill("#enrol-form input[name=name]", "王房东")
    phone.fill("#enrol-form input[name=document_number]", ID_A)
    phone.fill("#enrol-form input[name=address]", "鼓楼区东街14号")
    phone.check("#enrol-form input[name=single_unit]")
    assert overflow(phone) == 0
    phone.click("#enrol-form button[type=submit]")
    phone.wait_for_selector("#notice.ok")
    assert "备案申请已收到" in phone.inner_text("#notice")
    with rt.sessions() as session:
        request = session.scalar(select(EnrolmentRequest))
        assert (request.phone, request.status, request.single_unit, request.channel) == (STRANGER, "pending", True, "web")


def test_a_landlord_grants_and_revokes_an_agent_who_sees_no_agents_section(server, rt, phone):  # noqa: F811
    _app, base = server
    from tests.gateway.api.helpers import log_in

    headers = log_in(_app.test_client(), rt, LANDLORD)
    phone.goto(f"{base}/my")
    phone.evaluate("token => sessionStorage.setItem('token', token)", headers["Authorization"].split()[1])
    phone.goto(f"{base}/my")
    phone.wait_for_selector("#agents-section:not([hidden]) .no-agents:not([hidden])")
    phone.fill("#agents-section .agent-form input[name=phone]", "13700000000")
    phone.select_option("#agents-section .agent-form select[name=property]", "100002")
    phone.click("#agents-section .agent-form button[type=submit]")
    phone.wait_for_selector("#agents-section .agents li")
    listed = phone.inner_text("#agents-section .agents")
    assert STRANGER in listed and "@100002" in listed
    assert overflow(phone) == 0

    agent = log_in(_app.test_client(), rt, STRANGER)
    other = phone.context.browser.new_context(viewport=PHONE).new_page()
    other.goto(f"{base}/my")
    other.evaluate("token => sessionStorage.setItem('token', token)", agent["Authorization"].split()[1])
    other.goto(f"{base}/my")
    other.wait_for_selector("#properties li")
    assert other.locator("#properties li").count() == 1 and "100002" in other.inner_text("#properties")
    assert other.is_hidden("#agents-section")
    other.context.close()

    phone.click("#agents-section .agents li button.cancel")
    phone.wait_for_selector("#agents-section .no-agents:not([hidden])")
    assert phone.locator("#agents-section .agents li").count() == 0


def test_a_logged_in_landlord_asks_for_another_property(server, rt, phone):  # noqa: F811
    """The same request form, under the landlord's own phone: an officer approves the new property later."""
    from store.models import EnrolmentRequest
    from tests.gateway.api.helpers import log_in

    _app, base = server
    headers = log_in(_app.test_client(), rt, LANDLORD)
    phone.goto(f"{base}/my")
    phone.evaluate("([token, number]) => { sessionStorage.setItem('token', token); "
                   "sessionStorage.setItem('phone', number); }", [headers["Authorization"].split()[1], LANDLORD])
    phone.goto(f"{base}/my")
    phone.wait_for_selector("#properties li")
    assert "增加一处出租房产" in phone.inner_text("#enrol summary")
    phone.click("#enrol summary")
    assert phone.input_value("#enrol-form input[name=phone]") == LANDLORD
    phone.fill("#enrol-form input[name=name]", "陈房东")
    phone.fill("#enrol-form input[name=document_number]", ID_A)
    phone.fill("#enrol-form input[name=address]", "鼓楼区东街20号")
    assert overflow(phone) == 0
    phone.click("#enrol-form button[type=submit]")
    phone.wait_for_selector("#notice.ok")
    with rt.sessions() as session:
        request = session.scalar(select(EnrolmentRequest).where(EnrolmentRequest.phone == LANDLORD))
        assert request is not None and request.status == "pending" and request.channel == "web"


def test_an_employer_asks_to_enrol_on_the_same_form(server, rt, phone):  # noqa: F811
    """Choosing 用工单位 swaps the document for the credit code and the first site; the request is an employer's,
    at phone width."""
    from store.models import EnrolmentRequest
    from tests.constants import STRANGER

    _app, base = server
    phone.goto(f"{base}/my")
    phone.click("#enrol summary")
    phone.check("#enrol-form input[name=kind][value=employer]")
    assert not phone.is_visible("#enrol-form input[name=document_number]")
    phone.fill("#enrol-form input[name=phone]", STRANGER)
    phone.fill("#enrol-form input[name=name]", "榕城物流")
    phone.fill("#enrol-form input[name=credit_code]", "91110000802100433B")
    phone.fill("#enrol-form input[name=address]", "鼓楼区东街16号")
    phone.select_option("#enrol-form select[name=site_kind]", "dormitory")
    phone.fill("#enrol-form input[name=capacity]", "20")
    assert overflow(phone) == 0
    phone.click("#enrol-form button[type=submit]")
    phone.wait_for_selector("#notice.ok")
    with rt.sessions() as session:
        request = session.scalar(select(EnrolmentRequest))
        assert (request.kind, request.credit_code, request.site_kind, request.capacity, request.document_number) == \
            ("employer", "91110000802100433B", "dormitory", 20, None)
