"""Landlords' (and their agents') and employer contacts' log-in to the JSON API: one-time codes sent by SMS,
then bearer tokens.

A code is six digits, so it is only as strong as the limits around it: it lives CODE_MINUTES, takes
CODE_TRIES guesses, and a phone may ask for CODES_PER_PHONE codes an hour, an address CODES_PER_ADDRESS.
Codes and tokens are stored hashed: a copy of the database logs nobody in. Only the SHA-256 of a token is
kept, as for officers' sessions (store.officer_sessions).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from store import agents
from store.agents import Acting, ForEmployer
from store.models import ApiLoginCode, ApiToken, utcnow

CODE_MINUTES = 10
CODE_TRIES = 5
CODES_PER_PHONE = 5  # an hour
CODES_PER_ADDRESS = 20  # an hour
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class CodeRequest:
    """What asking for a code gave: the code to text (None when there is no one to text), or why not."""

    code: str | None
    acting: Acting | list[ForEmployer] | None  # the landlord or agent the phone is, else the employers it acts for
    refused: str | None = None  # `rate_limited`


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def declarant(session: Session, phone: str) -> Acting | list[ForEmployer] | None:
    """Who may log in from `phone`: a landlord or a landlord's agent (store.agents.Acting), else the employers it
    declares staff for (as contact or agent); None for anyone else. A phone that is both logs in as the landlord;
    its token reaches the staff endpoints too, since each endpoint reads what the phone is at each request."""
    return agents.find_acting(session, phone) or agents.for_employers(session, phone) or None


def request_code(session: Session, phone: str, address: str, *, now: dt.datetime | None = None) -> CodeRequest:
    """Make a code for `phone`, within the hourly limits.

    A number that is neither a landlord's, an agent's nor an employer contact's gets a row too (holding a code
    nobody is sent), so the limits count it and the caller can answer it exactly as an enrolled one: the API does not tell who is enrolled.
    """
    now = now or utcnow()
    since = now - HOUR
    by_phone = session.scalar(select(func.count()).where(ApiLoginCode.phone == phone, ApiLoginCode.created_at > since))
    by_address = session.scalar(select(func.count()).where(ApiLoginCode.address == address,
                                                           ApiLoginCode.created_at > since))
    if by_phone >= CODES_PER_PHONE or by_address >= CODES_PER_ADDRESS:
        return CodeRequest(code=None, acting=None, refused="rate_limited")
    acting = declarant(session, phone)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    # An earlier code of the same phone stops working: only the latest SMS counts.
    session.execute(update(ApiLoginCode).where(ApiLoginCode.phone == phone, ApiLoginCode.used_at.is_(None))
                    .values(used_at=now))
    session.add(ApiLoginCode(phone=phone, address=address[:64], code_hash=_hash(salt, code), salt=salt, tries=0,
                             created_at=now, expires_at=now + dt.timedelta(minutes=CODE_MINUTES)))
    session.flush()
    return CodeRequest(code=code if acting is not None else None, acting=acting)


def check_code(session: Session, phone: str, code: str, *, now: dt.datetime | None = None
               ) -> Acting | list[ForEmployer] | None:
    """The landlord, agent or employer whose latest code this is, or None. Each call is a try; the code dies at
    its last."""
    now = now or utcnow()
    row = session.scalar(select(ApiLoginCode).where(ApiLoginCode.phone == phone, ApiLoginCode.used_at.is_(None),
                                                    ApiLoginCode.expires_at > now)
                         .order_by(ApiLoginCode.id.desc()).limit(1).with_for_update())
    if row is None:
        return None
    row.tries += 1
    good = hmac.compare_digest(row.code_hash, _hash(row.salt, code))
    if good or row.tries >= CODE_TRIES:
        row.used_at = now
    if not good:
        return None
    return declarant(session, phone)


def issue_token(session: Session, acting: Acting | list[ForEmployer], phone: str, *, hours: int,
                now: dt.datetime | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for the phone; returns it (shown once) and its row.

    The token stands for the phone: what it may reach is read from the grants at each request.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    landlord = acting.landlord if isinstance(acting, Acting) else None
    row = ApiToken(token_hash=token_hash(token), landlord_id=landlord.id if landlord else None, phone=phone,
                   created_at=now, expires_at=now + dt.timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def phone_for(session: Session, token: str, *, now: dt.datetime | None = None) -> str | None:
    """The phone a bearer token stands for, while it is neither expired nor revoked."""
    now = now or utcnow()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return row.phone or row.landlord.phone


def acting_for(session: Session, token: str, *, now: dt.datetime | None = None) -> Acting | None:
    """Whom a bearer token stands for, while it is in force and the phone is still a landlord or someone's
    agent (a revoked agent's token reaches nothing)."""
    phone = phone_for(session, token, now=now)
    return agents.find_acting(session, phone) if phone else None


def staffing_for(session: Session, token: str, *, now: dt.datetime | None = None) -> list[ForEmployer]:
    """The employers a bearer token's phone declares staff for (as contact or agent), while the token is in
    force and the grants are."""
    phone = phone_for(session, token, now=now)
    return agents.for_employers(session, phone) if phone else []


def revoke_all(session: Session, phone: str, *, now: dt.datetime | None = None) -> int:
    """End every token in force of a phone (a lost or stolen phone): its holder's, whether landlord, agent or
    employer contact. Returns how many were in force."""
    from store.models import Landlord

    landlords = select(Landlord.id).where(Landlord.phone == phone).scalar_subquery()
    held = or_(ApiToken.phone == phone, and_(ApiToken.phone.is_(None), ApiToken.landlord_id.in_(landlords)))
    result = session.execute(update(ApiToken).where(held, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now or utcnow()))
    return int(result.rowcount or 0)


def revoke(session: Session, token: str, *, now: dt.datetime | None = None) -> bool:
    """End a token (log-out); True if it was in force."""
    result = session.execute(update(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                    ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now or utcnow()))
    return bool(result.rowcount)
