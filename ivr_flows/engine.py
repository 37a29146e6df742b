"""Run the flows: one caller input in, the next call state and its TwiML out.

The call state is a JSON-serialisable dict the gateway keeps per CallSid:

    v          schema version (1)
    call_sid   Twilio's CallSid
    caller     the From number
    language   "zh" | "en" (Mandarin until the caller presses 2 at the welcome)
    flow       welcome | move_in | move_out | status | no_document | declare | declare_out
               | staff | staff_out
    step       the state within the flow
    seq        the step number every URL in `twiml` carries
    twiml      the last TwiML sent (answered again, unchanged, to a retry)
    silences   silent repeats of the current prompt
    counters   failed tries per step kind (id, property, name)
    data       what the caller entered (document_number, property_code, address,
               single_unit, room, date, name, name_confidence, name_recording_url,
               address_recording_url, status, sms_sent, receipt)
    done       True once the call reached a goodbye (`<Hangup/>`)

Only a request carrying the current `seq` advances the call. Anything else —
a Twilio retry of a step already answered, or a stray request — gets the
cached TwiML back and touches neither the state nor the port.
"""
from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from . import render
from .actions import ACTIONS
from .call import CallInput, Context, Turn
from .flows import FLOWS
from .guards import GUARDS
from .machine import SELF, Listen, State, Transition
from .ports import Port

STATE_VERSION = 1
MAX_CHOICE_HOPS = 8


def start_call(call_sid: str, caller: str, *, today: dt.date) -> Turn:
    """Open a call at the welcome menu with a fresh state (`today` is unused but keeps the engine clock-free)."""
    del today
    flow = FLOWS["welcome"]
    state: dict[str, Any] = {
        "v": STATE_VERSION, "call_sid": call_sid, "caller": caller, "language": "zh",
        "flow": flow.name, "step": flow.initial, "seq": 1, "twiml": "",
        "silences": 0, "counters": {}, "data": {}, "done": False,
    }
    state["twiml"] = render.twiml(flow[flow.initial], 1, "zh", [], state["data"])
    return Turn(state=state, twiml=state["twiml"])


def event_of(listen: Listen, inp: CallInput) -> str:
    """Name what the caller did, as the current state listens for it."""
    if listen.kind == "keys":
        keys = (inp.digits or "").strip()
        return f"key {keys}" if keys else "silence"
    if listen.kind == "entry":
        return "entry" if (inp.digits or "").strip().rstrip("#") else "silence"
    if listen.kind == "speech":
        return "speech" if (inp.speech or "").strip() else "silence"
    if listen.kind == "record":
        return "recording" if inp.recording_url else "silence"
    return "always"


def pick(state: State, event: str, ctx: Context) -> Transition | None:
    """The first transition for `event` whose guards all hold."""
    for t in state.transitions:
        if t.matches(event) and all(GUARDS[g](ctx) for g in t.guards):
            return t
    return None


def advance(state: dict[str, Any], inp: CallInput, port: Port, *, today: dt.date) -> Turn:
    """Apply one caller input to the call and return the next state and TwiML."""
    if inp.seq != state["seq"] or state["done"]:
        return Turn(state=state, twiml=state["twiml"])
    new = copy.deepcopy(state)
    ctx = Context(state=new, inp=inp, port=port, today=today)
    flow = FLOWS[new["flow"]]
    current = flow[new["step"]]
    event = event_of(current.listen, inp)
    before: list[str] = []
    for _hop in range(MAX_CHOICE_HOPS):
        t = pick(current, event, ctx)
        if t is None:  # a key the state does not know, or input it cannot take
            t = Transition(event, SELF, say=("invalid_key",))
        for name in t.actions:
            ACTIONS[name](ctx)
        before.extend(render.say_key(key, ctx) for key in t.say)
        flow, current = _move(new, flow, current, t.target)
        if current.listen.kind != "choice":
            break
        event = "always"
    else:  # pragma: no cover - a flow definition error, caught by the flow tests
        raise RuntimeError(f"too many choice hops from {state['flow']}:{state['step']}")
    new["seq"] += 1
    new["done"] = current.final
    new["twiml"] = render.twiml(current, new["seq"], new["language"], before, new["data"])
    return Turn(state=new, twiml=new["twiml"])


def _move(new: dict[str, Any], flow: Any, current: State, target: str) -> tuple[Any, State]:
    """Enter `target`: another flow starts with empty data; another step with no silences."""
    if target == SELF:
        return flow, current
    if ":" in target:
        flow_name, step = target.split(":", 1)
        flow = FLOWS[flow_name]
        new.update(flow=flow_name, data={}, counters={})
    else:
        step = target
    new["step"] = step
    new["silences"] = 0
    return flow, flow[step]
