"""The no-document register on a 390 × 844 phone: the list, a person with candidates and a merge, no sideways scroll.

Its screenshot (the list with a portrait and a 补采 badge) lands in docs/screenshots/ with `make screenshots`."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from gateway.media import portraits
from store import media
from store.models import MediaItem
from tests.browser.test_officer import SCREENSHOTS, browser, log_in, rt, server  # noqa: F401 - fixtures
from tests.browser.test_phone_width import overflow, phone  # noqa: F401 - fixtures
from tests.gateway.officer.test_register import declare

pytestmark = pytest.mark.browser


def silhouette() -> bytes:
    """A stand-in portrait: head and shoulders on a grey ground."""
    img = Image.new("RGB", (480, 640), (214, 219, 225))
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 120, 330, 330), fill=(96, 108, 122))
    draw.ellipse((60, 380, 420, 760), fill=(96, 108, 122))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


def test_the_register_fits_a_phone_and_merges_from_it(server, rt, phone, tmp_path):  # noqa: F811
    app, base = server
    rt.settings = rt.settings.with_(media_url=str(tmp_path / "media"))  # never the checkout's instance/
    app.extensions["declgate"].settings = rt.settings
    kept = declare(rt, "王小明", "100001", hukou="福建省莆田市荔城区黄石镇东甲村一个很长的户籍地址第十二号")
    declare(rt, "王晓明", "100002", hukou="福建省莆田市荔城区", channel="voice")
    key, size = portraits.keep(rt.settings, silhouette())
    with rt.sessions.begin() as session:
        session.add(MediaItem(status=media.STORED, key=key, size=size, person_id=kept))
    log_in(phone, base, "a")
    wide = {}
    for path in ("/register", f"/register/{kept}", "/register?status=pending"):
        assert phone.goto(base + path).status == 200, path
        if overflow(phone) > 0:
            wide[path] = overflow(phone)
    phone.goto(base + "/register")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "phone-register.png"), full_page=False)
    phone.goto(f"{base}/register/{kept}")
    phone.click("text=并入本记录")
    phone.wait_for_load_state("load")
    assert "撤销合并" in phone.content()
    if overflow(phone) > 0:
        wide["after the merge"] = overflow(phone)
    assert wide == {}
