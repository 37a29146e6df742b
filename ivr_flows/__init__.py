"""The voice line's call flows as pure, declarative state machines.

The gateway calls `start_call` for `POST /voice` and `advance` for
`POST /voice/step?seq=N`, stores `Turn.state` under the CallSid and answers
with `Turn.twiml`. Lookups and the final hand-over go through a `Port`.
"""
from __future__ import annotations

from .call import CallInput, Turn
from .engine import advance, start_call
from .ports import Port, PropertyView, StatusView, VoiceDeclaration

__all__ = ["CallInput", "Turn", "start_call", "advance", "VoiceDeclaration", "PropertyView",
           "StatusView", "Port"]
