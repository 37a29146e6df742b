"""Declarations as flat rows for `declgate export`: IDs masked unless asked otherwise."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from parsers import mask_id
from store import media
from store.models import Declaration, MediaItem

FIELDS = ("receipt", "status", "name", "document_type", "document_number", "property_code", "room",
          "move_in", "move_out", "channel", "declared_at", "late", "portrait_id")


def rows(session: Session, *, since: dt.date | None = None, unmasked: bool = False,
         batch: int = 1000) -> Iterator[dict[str, object]]:
    """Stream every declaration (declared on or after `since`), oldest first."""
    query = (select(Declaration).options(joinedload(Declaration.person), joinedload(Declaration.property))
             .order_by(Declaration.id))
    if since is not None:
        query = query.where(Declaration.declared_at >= dt.datetime.combine(since, dt.time()))
    portraits = portrait_ids(session)
    for decl in session.scalars(query.execution_options(yield_per=batch)):
        number = decl.person.document_number
        yield {
            "receipt": decl.receipt,
            "status": decl.status,
            "name": decl.person.name,
            "document_type": decl.person.document_type,
            "document_number": number if unmasked or number is None else mask_id(number),
            "property_code": decl.property.code,
            "room": decl.room,
            "move_in": decl.move_in.isoformat(),
            "move_out": decl.move_out.isoformat() if decl.move_out else None,
            "channel": decl.channel,
            "declared_at": decl.declared_at.isoformat(timespec="seconds") + "Z",
            "late": decl.late,
            "portrait_id": portraits.get(decl.person_id),
        }


def portrait_ids(session: Session) -> dict[int, int]:
    """Each person's current portrait (store.media.portrait_of: the newest stored) by its MediaItem id: an opaque
    number, never a URL, so an export file leads nobody to the image; officers look it up behind their login."""
    rows = session.execute(select(MediaItem.person_id, func.max(MediaItem.id))
                           .where(MediaItem.person_id.is_not(None), MediaItem.status == media.STORED)
                           .group_by(MediaItem.person_id))
    return {person_id: media_id for person_id, media_id in rows}
