"""The batch's hourly-allowance count agrees with counting each message on its own, on both databases."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store import lookups
from store.models import InboundMessage
from store.states import Channel, InboundStatus

WINDOW = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 12, 1, 8, 0)
PHONES = ["+8613800000001", "+8613800000002"]

arrivals = st.lists(st.tuples(st.sampled_from(PHONES), st.integers(0, 150),  # minutes after T0
                              st.sampled_from([Channel.SMS, Channel.VOICE]), st.booleans()),  # edited copy?
                    min_size=1, max_size=25)


def brute_force(rows: list[InboundMessage], cap: int) -> dict[int, int]:
    return {m.id: min(cap, sum(1 for e in rows if e.from_number == m.from_number and e.channel == Channel.SMS
                               and e.edited_from_id is None and e.received_at > m.received_at - WINDOW
                               and e.id < m.id))
            for m in rows}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrived=arrivals, cap=st.integers(1, 6))
@example(arrived=[(PHONES[0], 0, Channel.SMS, False), (PHONES[0], 60, Channel.SMS, False)], cap=5)  # the window's edge
def test_count_earlier_matches_counting_one_by_one(rt, arrived, cap):
    with rt.sessions.begin() as session:
        session.query(InboundMessage).delete()
        rows = []
        for i, (phone, minutes, channel, edited) in enumerate(sorted(arrived, key=lambda a: a[1])):
            row = InboundMessage(provider_sid=f"SMLOOK{i}", channel=channel, from_number=phone, to_number="+861069",
                                 body="查询", received_at=T0 + dt.timedelta(minutes=minutes),
                                 status=InboundStatus.PROCESSED, attempts=1)
            if edited and rows:
                row.edited_from_id = rows[0].id
            session.add(row)
            session.flush()
            rows.append(row)
        counted = lookups.count_earlier(session, [(m.id, m.from_number, m.received_at) for m in rows],
                                        window=WINDOW, cap=cap)
        assert counted == brute_force(rows, cap)
