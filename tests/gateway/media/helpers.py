"""Sending a signed MMS, and reading back what became of its images."""
from __future__ import annotations

import io
import uuid

from PIL import Image
from sqlalchemy import select

from gateway.media.portraits import store_of
from gateway.media.storage import THUMB
from store.models import Declaration, InboundMessage, MediaItem
from tests.constants import GATEWAY_NUMBER
from tests.support import signed_post

MEDIA_PATH = "/2010-04-01/Accounts/AC5/Messages/MM1/Media/ME"


def mms(client, body: str, sender: str, urls: list[tuple[str, str]]):
    """A signed MMS webhook carrying `urls` as (MediaUrl, MediaContentType)."""
    sid = "MM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
              "To": GATEWAY_NUMBER, "Body": body, "NumMedia": str(len(urls))}
    for n, (url, kind) in enumerate(urls):
        params[f"MediaUrl{n}"], params[f"MediaContentType{n}"] = url, kind
    response = signed_post(client, "/sms", params)
    response.sid = sid
    return response


def media_of(rt, sid: str) -> list[MediaItem]:
    with rt.sessions() as session:
        inbound_id = session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
        return list(session.scalars(select(MediaItem).where(MediaItem.inbound_id == inbound_id)
                                    .order_by(MediaItem.position)))


def stored_image(rt, item: MediaItem, thumb: bool = False) -> Image.Image:
    data = store_of(rt.settings).get(item.key + (THUMB if thumb else ""))
    assert data is not None
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def declarations(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id)))
