"""What applying one inbound message produced, before it is written back on its row."""
from __future__ import annotations

from dataclasses import dataclass, field

from parsers import Outcome, OutcomeStatus, ParseResult
from store.models import Property

# Refusals about the `@` a record named (or inherited): shown there; any other the store decides, on the record.
_AT_PROPERTY = frozenset({"unknown_property", "not_your_property"})


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


def with_store_refusals(parse: dict, body: str, result: ParseResult, outcomes: list[Outcome]) -> dict:
    """The stored parse with each refusal the store decided for a record (`unknown_property`, `missing_room`,
    `wrong_declarant_kind`, …) added as an error at that record's span in the original text, so officers see
    where every rejection is, not only the parser's. Marked `store`: processing the message again replaces
    them rather than adding more."""
    kept = [p for p in parse.get("errors", []) if not p.get("store")]
    parsed = {(p["code"], p.get("record")) for p in kept}
    added = []
    for outcome in outcomes:
        if outcome.status != OutcomeStatus.REJECTED or outcome.record is None or outcome.record >= len(result.records):
            continue
        record = result.records[outcome.record]
        for code in dict.fromkeys(outcome.codes):
            span = record.property_span if code in _AT_PROPERTY and record.property_span else record.span
            if (code, outcome.record) in parsed or span is None:
                continue
            added.append({"code": code, "record": outcome.record, "start": span[0], "end": span[1],
                          "text": body[span[0]:span[1]], "store": True})
    if not added and len(kept) == len(parse.get("errors", [])):
        return parse
    errors = sorted(kept + added, key=lambda p: (p.get("start", 0), p.get("end", 0)))
    return {**parse, "errors": errors}
