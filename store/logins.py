"""Officer login attempts: a password check behind a back-off that doubles, counted atomically.

Failures are counted twice: per account from one address (MAX_FAILURES before the first wait),
so a stranger elsewhere cannot lock an officer out, and per account from everywhere
(ACCOUNT_MAX_FAILURES), so guessing spread over many addresses slows down too. Past either
count each further failure doubles the wait, from FIRST_WAIT up to MAX_WAIT. Unknown usernames
are counted and hashed exactly like real ones, so neither the answer nor its timing says
whether an account exists.

The two counter rows are locked for the whole attempt (row locks on PostgreSQL, the write lock
that BEGIN IMMEDIATE takes on SQLite): parallel guesses queue up behind each other, and each
sees the failures of the one before, so no burst gets past the limit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from store.models import LoginThrottle, Officer, utcnow
from store.officers import password_ok
from store.upsert import insert_for

MAX_FAILURES = 5  # per account from one address
ACCOUNT_MAX_FAILURES = 20  # per account from every address together
FIRST_WAIT = dt.timedelta(minutes=1)
MAX_WAIT = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)  # counters untouched this long (and not blocking) are dropped


@dataclass(frozen=True)
class LoginResult:
    officer: Officer | None  # set only on success
    wait_minutes: int = 0  # > 0: no password is checked for this account (from here) for this long


def attempt(session: Session, username: str, password: str, address: str,
            now: dt.datetime | None = None) -> LoginResult:
    """Check a password unless a back-off is running; a failure counts, a success clears both counters.

    While a wait runs even the right password is refused, so guessing cannot go on in the
    background; the refusal checks no password and counts nothing.
    """
    now = now or utcnow()
    name = username.strip()
    limits = {_key("account", name): ACCOUNT_MAX_FAILURES, _key("account+address", name, address): MAX_FAILURES}
    counters = _locked(session, sorted(limits), now)
    running = [c.blocked_until - now for c in counters if c.blocked_until is not None and c.blocked_until > now]
    if running:
        return LoginResult(None, _minutes(max(running)))
    officer = session.scalar(select(Officer).where(Officer.username == name))
    if password_ok(officer, password):
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(list(limits))))
        return LoginResult(officer)
    wait = dt.timedelta(0)
    for counter in counters:
        counter.failures += 1
        counter.updated_at = now
        beyond = counter.failures - limits[counter.key]
        if beyond >= 0:
            counter.blocked_until = now + backoff(beyond)
            wait = max(wait, backoff(beyond))
    _forget_stale(session, now)
    return LoginResult(None, _minutes(wait) if wait else 0)


def backoff(beyond: int) -> dt.timedelta:
    """The wait after the failure `beyond` past the limit: 1 min, 2, 4, … up to MAX_WAIT."""
    return min(MAX_WAIT, FIRST_WAIT * 2 ** min(beyond, 20))


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _locked(session: Session, keys: list[str], now: dt.datetime) -> list[LoginThrottle]:
    """The counter rows for `keys` (created when missing), locked until the transaction ends, in key order."""
    insert = insert_for(session.get_bind().dialect.name)
    for key in keys:
        session.execute(insert(LoginThrottle).values(key=key, failures=0, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))
                                .order_by(LoginThrottle.key).with_for_update()))


def _forget_stale(session: Session, now: dt.datetime) -> None:
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < now - FORGET_AFTER,
        or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now)))


def _minutes(delta: dt.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))
