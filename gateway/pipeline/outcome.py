"""What applying one inbound message produced, before it is written back on its row."""
from __future__ import annotations

from dataclasses import dataclass, field

from parsers import Outcome, OutcomeStatus
from store.models import Property


@dataclass
class Handled:
    """What applying one inbound message produced, before it is written back."""

    outcomes: list[Outcome] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every rejection code, for the officers' queue
    extra_sms: list[tuple[str, str, str]] = field(default_factory=list)  # (purpose, to, body)
    reply: bool = True
    # What the sender is told, when it must not depend on what happened (a voice caller's move-out).
    told: list[Outcome] | None = None
    landlord_id: int | None = None  # written on the inbound row by _finish
    precinct_id: int | None = None  # the message's primary precinct (store.item_precincts)
    other_precinct_ids: list[int] = field(default_factory=list)
    language: str | None = None  # the reply's language when it is not the message's own (a bare `Y 12345671`)
    # An agent's message: per landlord id (an employer's: `e<id>`), (their phone, the outcomes at their properties
    # or sites): one copy each.
    copies: dict[int | str, tuple[str, list[Outcome]]] = field(default_factory=dict)

    def reject(self, code: str) -> Handled:
        """The whole message is refused for `code` (each record's own refusals are outcomes of their own)."""
        self.codes.append(code)
        self.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,)))
        return self

    def copy_to(self, landlord_id: int | str, phone: str, outcome: Outcome) -> None:
        """The landlord is told of this outcome at their property (an agent acted): one SMS per message."""
        self.copies.setdefault(landlord_id, (phone, []))[1].append(outcome)

    def about(self, prop: Property) -> None:
        """The message concerns this property: its precinct is one of the message's, the first its primary."""
        if self.precinct_id is None:
            self.precinct_id = prop.precinct_id
        elif prop.precinct_id != self.precinct_id and prop.precinct_id not in self.other_precinct_ids:
            self.other_precinct_ids.append(prop.precinct_id)
