"""The SMS declaration grammar and reply texts: pure Python, no I/O.

Other packages import only from here; the submodules are free to move.
"""
from parsers.commands import Command
from parsers.grammar import parse_sms
from parsers.masking import contains_id, mask_id, mask_ids
from parsers.outcome import Outcome, OutcomeStatus
from parsers.replies import render_reply
from parsers.result import Document, ParseResult, Problem, Record

__all__ = ["parse_sms", "ParseResult", "Record", "Document", "Problem", "Command", "Outcome", "OutcomeStatus",
           "render_reply", "mask_id", "mask_ids", "contains_id"]
