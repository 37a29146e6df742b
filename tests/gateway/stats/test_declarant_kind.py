"""The bulletin counts declarations by declarant kind: a landlord's own (or a resident's claim) and an agent's."""
from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway.stats.report import bulletin_csv
from store import stats
from store.models import Precinct
from store.stats import Month, snapshots
from tests.constants import ID_A, ID_B, LANDLORD, STRANGER
from tests.support import drain, sms

TZ = ZoneInfo("Asia/Shanghai")


def test_an_agents_declaration_counts_as_the_agents_in_the_month_and_its_snapshot(client, rt, people):
    sms(client, f"授权 {STRANGER} @100001", LANDLORD)
    drain(rt)
    sms(client, f"登记 张三 {ID_A} 301 @100001", STRANGER)  # by the agent
    sms(client, f"登记 李四 {ID_B} 302 @100001", LANDLORD)  # by the landlord
    drain(rt)
    today = dt.datetime.now(TZ).date()
    month = Month(today.year, today.month)
    with rt.sessions() as session:
        gl01 = session.scalar(select(Precinct.id).where(Precinct.code == "GL01"))
        [live] = stats.month_figures(session, month, precinct_ids=[gl01], tz=TZ)
    assert (live.new_declarations, live.declared_by_agents) == (2, 1)

    with rt.sessions() as session:
        ranked = stats.ranking(session, month, precinct_ids=[gl01], tz=TZ, max_age=dt.timedelta(0))
    [row] = list(csv.DictReader(io.StringIO(bulletin_csv(ranked).lstrip("\ufeff"))))
    assert row["declarations_by_agents"] == "1" and row["declarations_sms"] == "2"

    with rt.sessions.begin() as session:  # the month as a snapshot keeps the figure
        snapshots.take_snapshot(session, month, tz=TZ, precinct_ids=[gl01], replace=True)
    with rt.sessions() as session:
        [kept] = snapshots.figures(session, month, precinct_ids=[gl01], tz=TZ,
                                   today=today + dt.timedelta(days=40))
    assert kept.declared_by_agents == 1
