"""What a landlord's SMS asks for: the command its first word names (docs/sms-format.md §2)."""
from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """A command's stable name: what `ParseResult.command` holds and the stored parse shows officers."""

    MOVE_IN = "move_in"
    MOVE_OUT = "move_out"
    CANCEL = "cancel"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    LIST = "list"
    HELP = "help"
    ENROL = "enrol"
    AGENT = "agent"
    AGENT_REVOKE = "agent_revoke"
    STAFF = "staff"
    STAFF_END = "staff_end"
    PHOTO = "photo"


# Commands whose one argument is a receipt (`撤销 12345671`, `Y 12345671`, `N 12345671`).
BY_RECEIPT = frozenset({Command.CANCEL, Command.CONFIRM, Command.DISPUTE})
