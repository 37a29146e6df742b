"""Migrations that change what existing rows mean, run on a database holding such rows."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.migrate import upgrade
from tests.constants import LANDLORD, STRANGER


def _engine(url: str):
    parsed = make_url(url)
    return create_engine(parsed.set(drivername="postgresql+psycopg") if parsed.get_backend_name() == "postgresql"
                         else parsed)


class TestItemPrecincts:
    def test_existing_messages_get_their_precincts(self, legacy_url):
        """A stored message about two precincts gains the second; a number enrolled later has its messages claimed."""
        now = dt.datetime(2026, 1, 5, 10, 0)
        engine = _engine(legacy_url)
        with engine.begin() as conn:
            run = lambda sql, **values: conn.execute(text(sql), values)  # noqa: E731
            run("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', 'GL01'), (2, 'GL02', 'GL02')")
            run("INSERT INTO landlords (id, phone, name, created_at) VALUES (1, :phone, '陈', :now)",
                phone=LANDLORD, now=now)
            run("INSERT INTO properties (id, code, landlord_id, precinct_id, address, single_unit) "
                "VALUES (1, '100001', 1, 1, '东街', :no), (2, '200002', 1, 2, '南街', :no)", no=False)
            run("INSERT INTO people (id, document_type, name, created_at) VALUES (1, 'none', '李', :now), "
                "(2, 'none', '王', :now)", now=now)
            for ident, sender, precinct in ((1, LANDLORD, None), (2, LANDLORD, 1), (3, STRANGER, None)):
                run("INSERT INTO inbound_messages (id, provider_sid, channel, from_number, to_number, body, "
                    "received_at, status, attempts, precinct_id) "
                    "VALUES (:id, :sid, 'sms', :sender, '', '', :now, 'processed', 1, :precinct)",
                    id=ident, sid=f"SM{ident}", sender=sender, now=now, precinct=precinct)
            for ident, prop in ((1, 1), (2, 2)):
                run("INSERT INTO declarations (id, person_id, property_id, move_in, status, receipt, channel, late, "
                    "inbound_id, declared_at) VALUES (:id, :id, :prop, :day, 'pending_review', :receipt, 'sms', "
                    ":no, 2, :now)", id=ident, prop=prop, day=now.date(), receipt=f"0000000{ident}", no=False,
                    now=now)
            run("INSERT INTO stats_live_figures (id, month, time_zone, computed_at, figures) "
                "VALUES (1, '2026-01', 'Asia/Shanghai', :now, '{}')", now=now)
        upgrade(legacy_url, "0007_item_precincts")
        with engine.connect() as conn:
            precincts = dict(conn.execute(text("SELECT id, precinct_id FROM inbound_messages")).all())
            further = conn.execute(text("SELECT inbound_id, precinct_id FROM inbound_precincts")).all()
            kept = conn.scalar(text("SELECT count(*) FROM stats_live_figures"))
        engine.dispose()
        assert precincts == {1: 1, 2: 1, 3: None}
        assert [tuple(r) for r in further] == [(2, 2)]
        assert kept == 0  # message counts changed back in January: the kept figures are counted again
