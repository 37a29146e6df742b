"""Backlog registrations (docs/sms-format.md §9.5) through the signed webhook: people who moved in before the
campaign began, or years ago, are registered — not rejected as too old, not counted late."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import delete, select
from zoneinfo import ZoneInfo

from store import facts
from store.models import Declaration
from tests.constants import ID_A, ID_B, LANDLORD
from tests.support import drain, reply_to, sms

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def declare(client, rt, body: str) -> tuple[list[str], Declaration | None]:
    sent = sms(client, body, LANDLORD)
    drain(rt)
    with rt.sessions() as session:
        decl = session.scalar(select(Declaration).order_by(Declaration.id.desc()))
    return reply_to(rt, sent.sid), decl


class TestWithTheDatabasesFirstDay:
    """No CAMPAIGN_START: the campaign began the day the database did (today, for a test's new database)."""

    @pytest.fixture
    def settings(self, settings):
        return dataclasses.replace(settings, campaign_start=None)

    def test_a_move_in_before_the_first_day_is_backlog_not_late(self, client, rt, enrolled):
        three_weeks = (TODAY - dt.timedelta(days=21)).isoformat()
        (reply,), decl = declare(client, rt, f"登记 张三 {ID_A} 301 {three_weeks}")
        assert "已按补登记受理" in reply and "逾期" not in reply and "超申报期限" not in reply
        assert decl.move_in.isoformat() == three_weeks and decl.late is False
        with rt.sessions() as session:
            assert facts.created_on(session, TODAY + dt.timedelta(days=9)) <= TODAY  # recorded once, not re-dated

    def test_the_first_day_is_looked_up_in_the_callers_transaction(self, rt, enrolled):
        """The worker asks inside its batch's transaction. On SQLite a transaction of the runtime's own would wait
        for the batch's write lock, held until the answer comes: the first batch after a start then failed.
        (Migration 0013 records the day; a database it has not reached yet records it when first asked.)"""
        with rt.sessions.begin() as session:
            session.execute(delete(facts.GatewayFact))
        with pytest.raises(RuntimeError), rt.sessions.begin() as session:
            session.execute(select(Declaration.id)).all()
            session.add(facts.GatewayFact(key="probe", value="x"))
            session.flush()  # the write lock is taken
            assert rt.campaign_start(TODAY, session) == TODAY
            raise RuntimeError("the batch fails after asking")
        with rt.sessions() as session:
            assert facts.recorded_on(session) is None  # rolled back with the batch, so not remembered either
        with rt.sessions.begin() as session:
            assert rt.campaign_start(TODAY + dt.timedelta(days=1), session) == TODAY + dt.timedelta(days=1)
        assert rt.campaign_start(TODAY + dt.timedelta(days=5)) == TODAY + dt.timedelta(days=1)

    def test_years_ago_is_registered(self, client, rt, enrolled):
        (reply,), decl = declare(client, rt, f"REG ZHANG SAN {ID_A} 301 2016-05-04")
        assert reply.startswith("Registered") and "backlog" in reply
        assert decl.move_in == dt.date(2016, 5, 4) and decl.status == "active"

    def test_before_birth_is_refused_with_its_reason(self, client, rt, enrolled):
        (reply,), _ = declare(client, rt, f"登记 张三 {ID_B} 301 1990-03-06")  # ID_B was born 1990-03-07
        assert "入住日期早于出生日期" in reply


class TestWithCampaignStart:
    @pytest.fixture
    def settings(self, settings):
        return dataclasses.replace(settings, campaign_start=TODAY - dt.timedelta(days=60))

    def test_after_the_start_past_the_deadline_is_late(self, client, rt, enrolled):
        (reply,), decl = declare(client, rt, f"登记 张三 {ID_A} 301 {(TODAY - dt.timedelta(days=30)).isoformat()}")
        assert "已超申报期限" in reply and decl.late is True

    def test_before_the_start_is_backlog(self, client, rt, enrolled):
        (reply,), decl = declare(client, rt, f"登记 张三 {ID_A} 301 {(TODAY - dt.timedelta(days=61)).isoformat()}")
        assert "已按补登记受理" in reply and decl.late is False
