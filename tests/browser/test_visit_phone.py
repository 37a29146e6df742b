"""Door-to-door entry on a 390 × 844 phone: find the property, enter a person with no document and a photo
(the phone's camera is a file input), read the receipt — with CSRF on and no sideways scroll.

Its screenshot (the filled form) lands in docs/screenshots/ with `make screenshots`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.models import Declaration, MediaItem
from tests.browser.test_officer import SCREENSHOTS, browser, log_in, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow, phone  # noqa: F401 - fixtures
from tests.browser.test_register_phone import silhouette

pytestmark = pytest.mark.browser


def test_an_officer_enters_a_person_without_a_document_on_a_phone(server, rt, phone, tmp_path):  # noqa: F811
    app, base = server
    rt.settings = rt.settings.with_(media_url=str(tmp_path / "media"))  # never the checkout's instance/
    app.extensions["declgate"].settings = rt.settings
    photo = tmp_path / "door.jpg"
    photo.write_bytes(silhouette())
    log_in(phone, base, "a")
    phone.goto(base + "/visit")
    phone.fill("input[name=q]", "东街")
    phone.click("form.visit-search button[type=submit]")
    phone.wait_for_load_state("load")
    phone.check("input[name=property][value='100001']")
    phone.fill("input[name=room]", "302")
    phone.fill("input[name=name]", "王小明")
    phone.select_option("select[name=document_type]", "none")
    phone.fill("input[name=hukou]", "福建省莆田市荔城区黄石镇东甲村")
    phone.set_input_files("input[name=portrait]", str(photo))
    wide = {"form": overflow(phone)}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-visit.png"), full_page=True)
    phone.click("form.visit-form button[type=submit]")
    phone.wait_for_load_state("load")
    wide["receipt"] = overflow(phone)
    with rt.sessions() as session:
        decl = session.scalar(select(Declaration))
        item = session.scalar(select(MediaItem))
    assert decl is not None and decl.receipt in phone.inner_text("#receipt")
    assert (decl.channel, decl.status, decl.room) == ("officer", "pending_review", "302")
    assert item is not None and item.person_id == decl.person_id
    assert {k: v for k, v in wide.items() if v > 0} == {}
