"""The vocabulary flows are written in: states, how they listen, transitions.

A flow is data. The engine turns one caller input into an *event*, picks the
first transition of the current state whose event matches and whose named
guards all hold, runs its named actions, and speaks its `say` lines before the
target state's prompt. Guards and actions are looked up by name in
`ivr_flows.guards` and `ivr_flows.actions`, so the diagrams can show them.

Events:
  ``key 1`` … ``key *``  one key on a menu (``any key`` matches every key)
  ``entry``              digits ended by ``#`` (or by ``num_digits``)
  ``speech``             a speech result
  ``recording``          a finished ``<Record>``
  ``silence``            nothing at all: the ``<Redirect>`` after a timeout
  ``always``             taken at once when entering a choice state
"""
from __future__ import annotations

from dataclasses import dataclass, field

SELF = "."  # target meaning "stay here and say the prompt again"


@dataclass(frozen=True)
class Listen:
    """How a state waits for the caller."""

    kind: str  # keys | entry | speech | record | hangup | choice
    num_digits: int | None = None
    timeout: int = 5  # seconds of silence before the fallback redirect
    max_length: int | None = None  # record only: seconds


KEYS = Listen("keys", num_digits=1)
SPEECH = Listen("speech", timeout=5)
HANGUP = Listen("hangup")
CHOICE = Listen("choice")


def entry(num_digits: int | None = None) -> Listen:
    """Digits ended by `#` (or after `num_digits` keys); slow typists get 8 s between keys."""
    return Listen("entry", num_digits=num_digits, timeout=8)


def record(max_length: int) -> Listen:
    """A `<Record>` of at most `max_length` seconds, ended by `#` or silence."""
    return Listen("record", max_length=max_length, timeout=5)


@dataclass(frozen=True)
class Transition:
    """On `event`, if every guard holds: run actions, say lines, go to `target`.

    `target` is a state of the same flow, ``flow:state`` for another flow
    (which starts with empty call data), or `SELF`.
    """

    event: str
    target: str
    guards: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    say: tuple[str, ...] = ()

    def matches(self, event: str) -> bool:
        return self.event == event or (self.event == "any key" and event.startswith("key "))


@dataclass(frozen=True)
class State:
    """One step of a call: a prompt (a catalogue key), a way of listening, transitions."""

    name: str
    prompt: str | None
    listen: Listen
    transitions: tuple[Transition, ...] = ()
    bilingual: bool = False  # said in both languages (before the caller has chosen one)

    @property
    def final(self) -> bool:
        return self.listen.kind == "hangup"


@dataclass(frozen=True)
class Flow:
    """A named state machine; `initial` is where a call entering the flow starts."""

    name: str
    initial: str
    states: tuple[State, ...]
    _index: dict[str, State] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s.name: s for s in self.states})
        if len(self._index) != len(self.states):
            raise ValueError(f"flow {self.name}: duplicate state names")

    def __getitem__(self, name: str) -> State:
        return self._index[name]

    def __contains__(self, name: str) -> bool:
        return name in self._index
