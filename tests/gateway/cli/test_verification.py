"""`declgate verification draw`: a month's declarations put on the list, progress on stderr, nothing twice; the
workers' refresh draws the month that ended once."""
from __future__ import annotations

import datetime as dt

from gateway.stats import refresh
from store.models import VerificationDraw, VerificationItem
from tests.store.test_verification import MONTH, clean


def test_the_draw_command_and_the_refresh_draw_the_month_once(rt, people, run):
    clean(people, "100001", 20)
    result = run("verification", "draw", "--month", str(MONTH))
    assert result.exit_code == 0, result.output
    assert "1 declaration(s) added" in result.output and "20 of 20 declarations" in result.output
    assert "0 declaration(s) added" in run("verification", "draw", "--month", str(MONTH)).output
    with rt.sessions.begin() as session:
        session.execute(VerificationItem.__table__.delete())
    # The month is marked drawn: the refresh does not draw it again (the command would, adding what is missing).
    assert refresh.draw_verification(rt, MONTH, dt.date(2026, 11, 2)) == 0
    with rt.sessions.begin() as session:
        session.execute(VerificationDraw.__table__.delete())
    assert refresh.draw_verification(rt, MONTH, dt.date(2026, 11, 2)) == 1
