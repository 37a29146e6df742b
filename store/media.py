"""Images in the store: a message's MMS attachments, and people's portraits (the newest stored one wins)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Declaration, InboundMessage, MediaItem

STORED = "stored"
BAD = "bad_media"
REFUSED = "refused"  # a URL off TWILIO_MEDIA_HOSTS: never fetched


def of_message(session: Session, inbound: InboundMessage) -> list[MediaItem]:
    """The images a message carried, in MediaUrl order. An officer's edited copy carries its original's:
    correcting the text must not lose the photo sent with it."""
    if not inbound.media_state and inbound.edited_from_id is None:
        return []  # no query for the plain SMS that are nearly all of a batch
    source_id = inbound.id
    if inbound.edited_from_id is not None and not inbound.media_state:
        source_id = inbound.edited_from_id
    return list(session.scalars(select(MediaItem).where(MediaItem.inbound_id == source_id)
                                .order_by(MediaItem.position, MediaItem.id)))


def sent_portrait(session: Session, inbound: InboundMessage) -> tuple[MediaItem | None, str | None]:
    """The image a `照片 <receipt>` message gives as a portrait: (its first stored image, None), or (None, the
    code that says why not: `missing_media` with no image, `bad_media` when none could be used)."""
    images = of_message(session, inbound)
    if not images:
        return None, "missing_media"
    stored = next((image for image in images if image.status == STORED), None)
    return (stored, None) if stored is not None else (None, "bad_media")


def attach(item: MediaItem, decl: Declaration) -> None:
    """Make a stored image the portrait of the declaration's person."""
    item.person, item.declaration = decl.person, decl  # by object: a new declaration has no ids before the flush


def portrait_of(session: Session, person_id: int) -> MediaItem | None:
    return session.scalar(select(MediaItem).where(MediaItem.person_id == person_id, MediaItem.status == STORED)
                          .order_by(MediaItem.id.desc()).limit(1))
