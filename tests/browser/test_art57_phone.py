"""The Art. 57 form on a 390 × 844 phone: a fine refused without its decision number, then recorded; no sideways
scroll on the form or on the follow-up list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.models import Art57Action, Landlord
from tests.browser.test_officer import browser, log_in, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow, phone  # noqa: F401 - fixtures
from tests.constants import LANDLORD

pytestmark = pytest.mark.browser


def test_recording_a_fine_on_a_phone(server, rt, phone):  # noqa: F811
    _app, base = server
    with rt.sessions() as session:
        landlord = session.scalar(select(Landlord.id).where(Landlord.phone == LANDLORD))
    log_in(phone, base, "a")
    wide = {}
    assert phone.goto(f"{base}/stats/follow-up").status == 200
    if overflow(phone) > 0:
        wide["follow-up"] = overflow(phone)
    assert phone.goto(f"{base}/art57/landlord/{landlord}").status == 200
    if overflow(phone) > 0:
        wide["form"] = overflow(phone)
    phone.check("input[name=kind][value=fine]")
    phone.fill("input[name=amount_yuan]", "200")
    phone.click("#art57-form button[type=submit]")
    phone.wait_for_load_state("load")
    assert "罚款须填写决定书文号" in phone.content()
    assert phone.input_value("input[name=amount_yuan]") == "200"  # kept for the second try
    if overflow(phone) > 0:
        wide["errors"] = overflow(phone)
    phone.fill("input[name=decision_no]", "榕鼓公(东)行罚决字〔2026〕12号")
    phone.click("#art57-form button[type=submit]")
    phone.wait_for_load_state("load")
    assert "处理已登记" in phone.content() and "榕鼓公(东)行罚决字〔2026〕12号" in phone.content()
    if overflow(phone) > 0:
        wide["history"] = overflow(phone)
    with rt.sessions() as session:
        assert [(a.kind, a.amount_yuan) for a in session.scalars(select(Art57Action))] == [("fine", 200)]
    assert wide == {}
