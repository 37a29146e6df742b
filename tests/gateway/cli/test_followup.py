"""`declgate followup action`: the page's rules from a script — scope, role, a fine's fields, the audit entry."""
from __future__ import annotations

from sqlalchemy import select

from store.models import Art57Action
from store.officers import add_officer
from tests.constants import LANDLORD, OTHER_LANDLORD, PASSWORD
from tests.gateway.employers.conftest import CREDIT_CODE, employer  # noqa: F401  (the fixture)
from tests.support import audit_actions


def kinds(rt) -> list[tuple[str, int | None]]:
    with rt.sessions() as session:
        return [(a.kind, a.amount_yuan) for a in session.scalars(select(Art57Action).order_by(Art57Action.id))]


def test_fine_on_a_landlord_and_a_warning_on_an_employer(run, employer):  # noqa: F811
    result = run("followup", "action", "--officer", "a", "--landlord", LANDLORD, "--kind", "fine", "--amount", "300",
                 "--decision-no", "榕公行罚〔2026〕7号")
    assert result.exit_code == 0, result.output
    result = run("followup", "action", "--officer", "a", "--employer", CREDIT_CODE, "--kind", "warning")
    assert result.exit_code == 0, result.output
    assert kinds(employer) == [("fine", 300), ("warning", None)]
    assert [e.target.split(":")[0] for e in audit_actions(employer, "art57_action")] == ["landlord", "employer"]


def test_refusals(run, people):
    with people.sessions.begin() as session:
        add_officer(session, "helper", PASSWORD, "GL01", "assistant")
    fine = run("followup", "action", "--officer", "a", "--landlord", LANDLORD, "--kind", "fine")
    assert fine.exit_code != 0 and "amount in yuan" in fine.output and "decision's number" in fine.output
    other = run("followup", "action", "--officer", "a", "--landlord", OTHER_LANDLORD, "--kind", "warning")
    assert other.exit_code != 0 and "no such landlord" in other.output  # GL02's landlord, out of a's scope
    helper = run("followup", "action", "--officer", "helper", "--landlord", LANDLORD, "--kind", "warning")
    assert helper.exit_code != 0 and "assistant" in helper.output
    assert kinds(people) == []
