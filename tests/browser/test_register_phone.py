"""The no-document register on a 390 × 844 phone: the list, a person with candidates and a merge, no sideways scroll."""
from __future__ import annotations

import pytest

from tests.browser.test_officer import browser, log_in, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow, phone  # noqa: F401 - fixtures
from tests.gateway.officer.test_register import declare

pytestmark = pytest.mark.browser


def test_the_register_fits_a_phone_and_merges_from_it(server, rt, phone):  # noqa: F811
    _app, base = server
    kept = declare(rt, "王小明", "100001", hukou="福建省莆田市荔城区黄石镇东甲村一个很长的户籍地址第十二号")
    declare(rt, "王晓明", "100002", hukou="福建省莆田市荔城区", channel="voice")
    log_in(phone, base, "a")
    wide = {}
    for path in ("/register", f"/register/{kept}", "/register?status=pending"):
        assert phone.goto(base + path).status == 200, path
        if overflow(phone) > 0:
            wide[path] = overflow(phone)
    phone.goto(f"{base}/register/{kept}")
    phone.click("text=并入本记录")
    phone.wait_for_load_state("load")
    assert "撤销合并" in phone.content()
    if overflow(phone) > 0:
        wide["after the merge"] = overflow(phone)
    assert wide == {}
