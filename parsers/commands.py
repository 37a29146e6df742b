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
    # v2 (docs/sms-format.md §9)
    ENROL = "enrol"
    AGENT = "agent"
    AGENT_REVOKE = "agent_revoke"
    STAFF = "staff"
    STAFF_END = "staff_end"
    PHOTO = "photo"


# Commands whose one argument is a receipt (`撤销 12345671`, `Y 12345671`, `N 12345671`).
BY_RECEIPT = frozenset({Command.CANCEL, Command.CONFIRM, Command.DISPUTE})
# Every command whose argument is one receipt: the above, and `照片 12345671` which attaches a portrait.
RECEIPT_ARGUMENT = BY_RECEIPT | {Command.PHOTO}
# Commands whose records are people moving in (a tenant, a member of staff) or out.
MOVE_INS = frozenset({Command.MOVE_IN, Command.STAFF})
MOVE_OUTS = frozenset({Command.MOVE_OUT, Command.STAFF_END})
# Commands whose one record names a phone (granting or revoking an agent).
AGENT_COMMANDS = frozenset({Command.AGENT, Command.AGENT_REVOKE})
