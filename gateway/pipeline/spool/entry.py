"""What the spool holds: one webhook request as the gateway accepted it, sealed with the data keys."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.keyring import Keyring

CONTEXT = "spool.entry"  # what each sealed entry is bound to (store.keyring)


class UnreadableEntry(Exception):
    """A spooled line no key here opens or that is not an entry (a torn write, a removed key)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Entry:
    """One webhook request as the gateway accepted it: what `gateway.pipeline.intake.store_sms` needs, and when."""

    sid: str
    from_number: str
    to_number: str
    body: str
    received_at: dt.datetime = field(default_factory=utcnow)  # naive UTC, like the database's columns
    kind: str = "sms"
    media: tuple[tuple[str, str], ...] = ()  # MMS images: (url, content type), fetched after the replay

    def media_list(self) -> list[dict[str, str]]:
        """The images as gateway.pipeline.intake.store_sms takes them."""
        return [{"url": url, "content_type": kind} for url, kind in self.media]

    @property
    def timestamp(self) -> float:
        """Seconds since the epoch: the order in which spooled entries are replayed."""
        return self.received_at.replace(tzinfo=dt.timezone.utc).timestamp()

    def seal(self, keyring: Keyring) -> str:
        values = dataclasses.asdict(self)
        values["received_at"] = self.received_at.isoformat()
        return keyring.seal(json.dumps(values, ensure_ascii=False, separators=(",", ":")), CONTEXT)

    @classmethod
    def open(cls, token: str, keyring: Keyring) -> Entry:
        """The entry in a sealed token; UnreadableEntry when it does not open or is not an entry."""
        from store.keyring import SealedDataError

        try:
            values = json.loads(keyring.open(token, CONTEXT))
            values["received_at"] = dt.datetime.fromisoformat(values["received_at"])
            values["media"] = tuple((str(url), str(kind)) for url, kind in values.get("media") or ())
            return cls(**values)
        except (SealedDataError, ValueError, TypeError, KeyError) as exc:
            raise UnreadableEntry(f"{type(exc).__name__}: {exc}") from None


@dataclass
class Spooled:
    """An entry read back for replay, with where it came from (to acknowledge it once stored)."""

    timestamp: float
    entry: Entry | None  # None: unreadable, `problem` says why
    source: str  # "redis" or the claimed file's path
    position: str | int  # the stream id, or the line's index in its file
    raw: str = ""  # the line or token as stored, kept for the unreadable quarantine
    problem: str = ""
