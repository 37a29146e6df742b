"""`export --since T` returns the rows changed after T through any code path — a move-out, a cancellation, a
merge, an officer's edit of the person — and not an untouched older row, nor one only retention touched."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from store import declarations, export, merges, retention
from store.declarations import new_receipt
from store.models import Declaration, Person, Property
from store.scope import Scope
from store.states import DeclarationStatus, RegisterState
from tests.constants import ID_A, ID_B, ID_C

OLD = dt.datetime(2026, 1, 5, 8, 0)
T = dt.datetime(2026, 3, 1)


def _declared(session, code: str, *, kind="ric", number=None, name="王五", room="1", recording=None) -> Declaration:
    person = Person(document_type=kind, document_number=number, name=name, phone=None)
    prop = session.scalar(select(Property).where(Property.code == code))
    decl = Declaration(person=person, property=prop, room=room, move_in=dt.date(2026, 1, 1),
                       status=DeclarationStatus.ACTIVE, receipt=new_receipt(session), channel="sms",
                       declared_at=OLD, name_recording_url=recording)
    session.add(decl)
    session.flush()
    return decl


def _age_everything(session) -> None:
    """Every row as if last written at OLD (before T): what the tests then change is all that is newer."""
    session.execute(update(Declaration).values(updated_at=OLD))
    session.execute(update(Person).values(updated_at=OLD))


def _changed(rt, since=T) -> set[str]:
    with rt.sessions() as session:
        return {row["receipt"] for row in export.rows(session, since=since)}


class TestSince:
    @pytest.fixture
    def four(self, people):
        with people.sessions.begin() as s:
            receipts = {key: _declared(s, code, number=number, recording=rec).receipt for key, code, number, rec in
                        [("untouched", "100001", ID_A, None), ("moved", "100001", ID_B, None),
                         ("cancelled", "100002", ID_C, None), ("purged", "100002", None, "https://r/1.wav")]}
            _age_everything(s)
        return people, receipts

    def test_a_move_out_and_a_cancellation_after_t_are_returned_an_untouched_row_is_not(self, four):
        rt, receipts = four
        assert _changed(rt) == set()
        with rt.sessions.begin() as s:
            by = lambda key: s.scalar(select(Declaration).where(Declaration.receipt == receipts[key]))  # noqa: E731
            declarations.end([by("moved")], dt.date(2026, 3, 2))
            declarations.cancel(by("cancelled"))
        assert _changed(rt) == {receipts["moved"], receipts["cancelled"]}
        with rt.sessions() as s:
            assert export.count(s, since=T) == 2
            assert len(list(export.rows(s))) == 4  # without --since: everything

    def test_retention_emptying_a_recording_is_no_change_to_export(self, four):
        rt, receipts = four
        with rt.sessions.begin() as s:
            s.execute(update(Declaration).values(status=DeclarationStatus.ENDED))
            _age_everything(s)
            purged = retention.purge(s, dt.date(2026, 2, 1))
        assert purged.recordings == 1 and _changed(rt) == set()

    def test_a_merge_after_t_returns_the_moved_declarations(self, four):
        rt, receipts = four
        with rt.sessions.begin() as s:
            kept = _declared(s, "200001", kind="none", name="阿明")
            merged = _declared(s, "100001", kind="none", name="阿明")
            kept_person, merged_person = kept.person, merged.person
            _age_everything(s)
        with rt.sessions.begin() as s:
            merges.merge(s, None, kept=s.get(Person, kept_person.id), merged=s.get(Person, merged_person.id),
                         scope=Scope.everything())
        assert merged.receipt in _changed(rt)
        assert receipts["untouched"] not in _changed(rt)

    def test_an_officer_verifying_the_person_returns_their_rows(self, four):
        rt, receipts = four
        with rt.sessions.begin() as s:
            person = s.scalar(select(Person).join(Declaration).where(Declaration.receipt == receipts["purged"]))
            person.register_state = RegisterState.VERIFIED
        with rt.sessions() as s:
            [row] = list(export.rows(s, since=T))
        assert row["receipt"] == receipts["purged"] and row["verified"] == "verified"

    def test_an_officer_accepting_a_pending_row_after_t_returns_it(self, four):
        from store import review

        rt, receipts = four
        with rt.sessions.begin() as s:
            decl = s.scalar(select(Declaration).where(Declaration.receipt == receipts["purged"]))
            decl.status = DeclarationStatus.PENDING_REVIEW
            _age_everything(s)
        with rt.sessions.begin() as s:
            decl = s.scalar(select(Declaration).where(Declaration.receipt == receipts["purged"]))
            review.accept(s, decl, decl.person.name, officer_id=None)
        with rt.sessions() as s:
            [row] = list(export.rows(s, since=T))
        assert (row["receipt"], row["status"]) == (receipts["purged"], "active")

    def test_since_takes_a_date_or_a_timestamp(self, four):
        rt, receipts = four
        tz = ZoneInfo("Asia/Shanghai")
        assert export.parse_since("2026-03-01", tz) == dt.datetime(2026, 2, 28, 16)  # local midnight, stored UTC
        assert export.parse_since("2026-03-01T08:00:00+08:00", tz) == dt.datetime(2026, 3, 1)
        assert export.parse_since("2026-03-01T00:00:00Z", tz) == T
        with pytest.raises(ValueError):
            export.parse_since("yesterday", tz)
        assert len(_changed(rt, since=export.parse_since("2026-01-05T07:59:59Z", tz))) == 4
        assert _changed(rt, since=export.parse_since("2026-01-05T08:00:01Z", tz)) == set()


def test_declarant_kind_tells_landlord_agent_resident_and_officer(people):
    from store.models import InboundMessage
    from tests.constants import LANDLORD

    made = {}
    with people.sessions.begin() as s:
        for key, channel, caller, agent in [("landlord", "voice", LANDLORD, None), ("agent", "sms", "+8613700000001",
                                             "+8613700000001"), ("resident", "voice", "+8613700000002", None),
                                            ("officer", "officer", "officer:a", None)]:
            decl = _declared(s, "100001", kind="none", name=key)
            decl.channel, decl.declarant_phone = channel, agent
            decl.inbound = InboundMessage(provider_sid=f"CA{key}", channel=channel, from_number=caller)
            made[decl.receipt] = key
    with people.sessions() as s:
        kinds = {row["receipt"]: row["declarant_kind"] for row in export.rows(s)}
    assert kinds == made
