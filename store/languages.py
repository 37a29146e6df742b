"""The language each phone number last wrote in, or was last asked something in.

A reply follows the conversation: `Y 12345671` or `LIST` carries no language of its own, so it is
answered in the language of the prompt it answers (the landlord's confirm request) or of the
number's last message that had one (parsers.replies.reply_language decides).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from store import lookups
from store.models import ContactLanguage


def _row(session: Session, phone: str) -> ContactLanguage | None:
    """The number's row: from the batch's look-ups when it loaded them (no query per message), else asked."""
    batch = lookups.current(session)
    if batch is not None and phone in batch.languages:
        return batch.languages[phone]
    return session.get(ContactLanguage, phone)


def remembered(session: Session, phone: str) -> str | None:
    """The language `phone` last used, or None for a number never heard from."""
    row = _row(session, phone)
    return row.language if row is not None else None


def remember(session: Session, phone: str, language: str) -> None:
    """Keep `language` for `phone`; written only when it changes. Two workers adding the same new number at
    once is the batch's usual race: the primary key decides and the loser's job runs again."""
    if not phone:
        return
    row = _row(session, phone)
    if row is None:
        row = ContactLanguage(phone=phone, language=language)
        session.add(row)
        batch = lookups.current(session)
        if batch is not None:
            batch.languages[phone] = row
    elif row.language != language:
        row.language = language
