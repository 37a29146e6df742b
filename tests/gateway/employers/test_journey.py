"""An employer's month end to end (issue #16): enrolled from a CSV by `declgate employer import` (the `employer`
fixture), it declares three workers by one SMS (one lodging in its dormitory), one leaves by a call to the voice
line, and the station's coverage and the bulletin count the lodger as a resident and the employer's figures."""
from __future__ import annotations

import csv
import datetime as dt

from sqlalchemy import select

from store.models import Precinct, SurveyEstimate
from store.stats import Month
from tests.constants import ID_A, ID_C, ID_X
from tests.gateway.employers.conftest import EMPLOYER
from tests.gateway.employers.test_staff_voice import menu, staff_rows
from tests.gateway.webhooks.test_voice import outbox
from tests.support import drain, sms


def gl01(run, out, month: Month) -> dict[str, str]:
    """GL01's line of this month's bulletin, as `declgate report monthly` writes it."""
    result = run("report", "monthly", "--month", str(month), "--out", str(out))
    assert result.exit_code == 0, result.output
    with (out / f"bulletin-{month}.csv").open(encoding="utf-8-sig") as fh:
        return next(r for r in csv.DictReader(fh) if r["precinct_code"] == "GL01")


def test_three_workers_by_one_sms_one_leaves_by_voice_and_the_figures_follow(client, employer, run, tmp_path,
                                                                               twiml_schema):
    month = Month.of(dt.datetime.now(employer.tz).date())
    with employer.sessions.begin() as session:  # GL01 expects 10 floating residents this month
        station = session.scalar(select(Precinct).where(Precinct.code == "GL01"))
        session.add(SurveyEstimate(precinct=station, month=str(month), floating_population=10, rental_units=10))
    before = gl01(run, tmp_path, month)

    sms(client, f"用工 张三 {ID_A} @工地; 王五 {ID_C} 宿舍 @宿舍楼 101; 赵六 {ID_X} @工地", EMPLOYER)
    drain(employer)
    rows = staff_rows(employer)
    assert [(r[0], r[1], r[2]) for r in rows] == [("active", "300001", False), ("active", "300002", True),
                                                  ("active", "300001", False)]
    [(purpose, to, body)] = outbox(employer)
    assert (purpose, to) == ("reply", EMPLOYER) and all(r[6] in body for r in rows)  # one reply, three receipts

    leaving = menu(client, twiml_schema, EMPLOYER)
    leaving.press("5")
    leaving.press(ID_A[-4:] + "#")  # 张三 leaves the building site
    leaving.press("300001#")
    assert "场所地址是" in leaving.said  # a site, not a house
    leaving.press("1")  # the site read back
    leaving.press("1")  # left today
    leaving.press("1")  # confirm
    drain(employer)
    assert [r[0] for r in staff_rows(employer)] == ["ended", "active", "active"]
    assert outbox(employer)[-1][2].startswith("已离职 张三")

    after = gl01(run, tmp_path, month)
    assert int(after["active_residents"]) == int(before["active_residents"]) + 1  # the lodger lives there
    assert float(after["coverage"]) > float(before["coverage"] or 0)
    assert {k: after[k] for k in ("employers_enrolled", "staff_declared", "staff_active", "lodgers_active")} == {
        "employers_enrolled": "1", "staff_declared": "3", "staff_active": "2", "lodgers_active": "1"}
    html = (tmp_path / f"bulletin-{month}.html").read_text(encoding="utf-8")
    assert "住宿 <span lang=\"en\">lodgers</span> 1" in html
