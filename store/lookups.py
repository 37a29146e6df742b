"""What a batch of inbound messages needs to know, asked once per batch instead of once per message.

A worker applies up to DECLGATE_BATCH_SIZE messages in one transaction. Asked one message at a time, the
sender's landlord, the tenant and their active declarations, the sender's opt-out and a free
receipt cost four queries per message, most of a job's time. `preload` asks each of them once
for the whole batch and keeps the answers on the session (`session.info`), where the functions
that would otherwise query (`store.declarations`, the opt-out check) look first; without a
preload they query as before, so a single message, a voice call or an officer's action behaves
exactly as it always did.

The answers stay true through the batch because the ORM keeps one object per row in a session:
an earlier message's move-out or cancellation changes the very Declaration objects held here
(active lists are filtered by status when read), and people, declarations and opt-outs made by
the batch are added here as they are made. Rows another worker commits meanwhile are the same
race as before: the unique indexes decide, and the job retries.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, literal, select, text, union_all
from sqlalchemy.orm import Session, joinedload

from parsers.receipts import receipt_from_serial
from store.models import (Agent, ContactLanguage, Employer, Declaration, InboundMessage, Landlord, OptOut, Person,
                          StaffDeclaration)
from store.membership import one_of
from store.sealed import keyring_for
from store.states import Channel, DeclarationStatus

RECEIPT_SERIALS = 10_000_000  # 7 random digits and a Damm check digit (sms-format.md)
_KEY = "declgate.lookups"

DocumentKey = tuple[str, str]  # (document type, number)


@dataclass
class Lookups:
    landlords: dict[str, Landlord | None] = field(default_factory=dict)  # by phone; None: not enrolled
    agents: dict[str, list[Agent]] = field(default_factory=dict)  # by phone: the grants in force (store.agents)
    people: dict[DocumentKey, tuple[Person | None, list[Declaration]]] = field(default_factory=dict)
    opted_out: dict[str, bool] = field(default_factory=dict)  # by phone
    languages: dict[str, ContactLanguage | None] = field(default_factory=dict)  # by phone; None: never heard from
    receipts: list[str] = field(default_factory=list)  # free when drawn; the unique index is the backstop
    earlier: dict[int, int] = field(default_factory=dict)  # inbound id -> the sender's earlier SMS in the window

    def person(self, key: DocumentKey) -> tuple[Person | None, list[Declaration]] | None:
        """(person or None, their active declarations) if this batch looked them up, else None."""
        known = self.people.get(key)
        if known is None:
            return None
        person, declarations = known
        return person, [decl for decl in declarations if decl.status == DeclarationStatus.ACTIVE]

    def declared(self, key: DocumentKey, person: Person, decl: Declaration) -> None:
        """A declaration this batch made: later messages of the batch must see it."""
        _, declarations = self.people.get(key, (None, []))
        self.people[key] = (person, [*declarations, decl])


def current(session: Session) -> Lookups | None:
    """The batch's look-ups, if a batch preloaded them in this transaction."""
    return session.info.get(_KEY)


def people_with_active():
    """Rows of (person, one of their active declarations or None): dedupe's look-up, one message or a batch."""
    return (select(Person, Declaration)
            .outerjoin(Declaration, (Declaration.person_id == Person.id)
                       & (Declaration.status == DeclarationStatus.ACTIVE)))


def grants_in_force():
    """Agents' grants in force, with what they reach: each grant's property, or its landlord's properties (an
    employer's: its site, or the employer's sites)."""
    return (select(Agent).options(joinedload(Agent.landlord).joinedload(Landlord.properties),
                                  joinedload(Agent.property), joinedload(Agent.employer).selectinload(Employer.sites),
                                  joinedload(Agent.site))
            .where(Agent.revoked_at.is_(None)).order_by(Agent.id))


def preload(session: Session, *, phones: Iterable[str], documents: Iterable[DocumentKey],
            receipts_needed: int) -> Lookups:
    """Load the batch's landlords (with properties), agents' grants, people (with active declarations),
    opt-outs, the senders' languages and free receipts: six queries whatever the batch size."""
    phones, documents = set(phones), set(documents)
    found = Lookups()
    if phones:
        landlords = session.scalars(select(Landlord).options(joinedload(Landlord.properties))
                                    .where(one_of(session, Landlord.phone, phones))).unique()
        found.landlords = dict.fromkeys(phones)
        found.landlords.update({landlord.phone: landlord for landlord in landlords})
        found.agents = {phone: [] for phone in phones}
        for grant in session.scalars(grants_in_force().where(one_of(session, Agent.phone, phones))).unique():
            found.agents[grant.phone].append(grant)
        found.opted_out = dict.fromkeys(phones, False)
        opted_out = session.scalars(select(OptOut.phone).where(one_of(session, OptOut.phone, phones)))
        found.opted_out.update(dict.fromkeys(opted_out, True))
        found.languages = dict.fromkeys(phones)
        found.languages.update({row.phone: row for row in session.scalars(
            select(ContactLanguage).where(one_of(session, ContactLanguage.phone, phones)))})
    if documents:
        found.people = {key: (None, []) for key in documents}
        keyring = keyring_for(session)
        by_hash = {keyring.document_hash(kind, number): (kind, number) for kind, number in documents}
        rows = session.execute(
            people_with_active()
            # Both columns, so the (document_type, document_hash) unique index serves it.
            .where(one_of(session, Person.document_type, {kind for kind, _ in documents}),
                   one_of(session, Person.document_hash, by_hash))).all()
        for person, decl in rows:
            key = by_hash[person.document_hash]  # the hash covers the type: one key per row found
            _, declarations = found.people[key]
            found.people[key] = (person, [*declarations, decl] if decl is not None else declarations)
    if receipts_needed:
        found.receipts = _free_receipts(session, receipts_needed)
    session.info[_KEY] = found
    return found


def _free_receipts(session: Session, count: int) -> list[str]:
    """`count` distinct receipts no declaration holds, drawn at random (receipts leak nothing about volumes)."""
    drawn: set[str] = set()
    while len(drawn) < count:
        drawn.add(receipt_from_serial(secrets.randbelow(RECEIPT_SERIALS)))
    taken = set(session.connection().scalars(union_all(  # one receipt space with staff declarations (store.staff)
        select(Declaration.receipt).where(one_of(session, Declaration.receipt, drawn)),
        select(StaffDeclaration.receipt).where(one_of(session, StaffDeclaration.receipt, drawn)))))
    return [receipt for receipt in drawn if receipt not in taken]


def count_earlier(session: Session, messages: Iterable[tuple[int, str, dt.datetime]], *, window: dt.timedelta,
                  cap: int) -> dict[int, int]:
    """For each (inbound id, sender, received at): the sender's earlier SMS within `window`, counted up to `cap`.

    One statement for the batch (one bounded index range scan per message); counting stops at the
    cap, so a flood costs no more to check than a landlord's usual handful.
    """
    messages = list(messages)
    if not messages:
        return {}
    # On the connection, without an autoflush: it counts rows by columns no job changes.
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # The same short statement for any batch size (three arrays): PostgreSQL plans it once per
        # connection and the driver need not re-scan a statement as long as the batch.
        ids, phones, received = zip(*messages)
        rows = conn.execute(_COUNT_EARLIER_PG, {"ids": list(ids), "phones": list(phones),
                                                "since": [at - window for at in received], "cap": cap,
                                                "channel": str(Channel.SMS)})
        return {inbound_id: n for inbound_id, n in rows}
    counts = []
    for inbound_id, phone, received_at in messages:
        earlier = (select(InboundMessage.id).where(
            InboundMessage.from_number == phone, InboundMessage.channel == Channel.SMS,
            InboundMessage.edited_from_id.is_(None), InboundMessage.received_at > received_at - window,
            InboundMessage.id < inbound_id).limit(cap).subquery())
        counts.append(select(literal(inbound_id).label("id"),
                             select(func.count()).select_from(earlier).scalar_subquery().label("n")))
    statement = counts[0] if len(counts) == 1 else union_all(*counts)
    return {inbound_id: n for inbound_id, n in conn.execute(statement)}


_COUNT_EARLIER_PG = text("""
    SELECT batch.id, (SELECT count(*) FROM (
        SELECT 1 FROM inbound_messages AS e
        WHERE e.from_number = batch.phone AND e.channel = :channel AND e.edited_from_id IS NULL
          AND e.received_at > batch.since AND e.id < batch.id
        LIMIT :cap) AS earlier) AS n
    FROM unnest(CAST(:ids AS bigint[]), CAST(:phones AS varchar[]), CAST(:since AS timestamp[]))
        AS batch(id, phone, since)
""")
