"""The monthly bulletin as HTML and CSV, shared by `declgate report monthly` and the printable page.

The HTML is one self-contained file (styles and SVG charts inline) so it can be mailed or printed as is;
it uses no Flask helpers, so the CLI renders the very template the web page does.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from store.stats import CHANNELS, COVERAGE_TARGET, PRE_CASE_TARGET, RENTAL_TARGET, Month, Ranked

TEMPLATES = Path(__file__).parents[1] / "templates"
ART57_FIELDS = ("art57_actions", "art57_education", "art57_warnings", "art57_fines", "art57_fine_yuan")
# Employers (用工单位): enrolled, staff declared in the month, staff and lodgers at its end (the lodgers are in
# active_residents too), and the month's staff declarations made after the deadline.
EMPLOYER_FIELDS = ("employers_enrolled", "staff_declared", "staff_active", "lodgers_active", "late_staff_declarations")
CSV_FIELDS = ("rank", "precinct_code", "precinct_name", "month", "coverage", "meets_coverage_target",
              "rental_coverage", "meets_rental_target", "declared_properties",
              "housing_coverage", "pre_case_rate", "meets_pre_case_target", "case_subjects",
              "case_subjects_declared", "new_declarations", "previous_new_declarations", "active_residents",
              "increment", "move_outs", "late_declarations", "late_share", "estimated_population",
              "estimated_rental_units", "enrolled_landlords", "enrolled_properties", "landlords_declaring",
              # New declarations by the channel they came in by (store.stats.CHANNELS), web included, and
              # by declarant kind: those an agent made (the rest, the landlord's own or a resident's claim).
              *(f"declarations_{channel}" for channel in CHANNELS), "declarations_by_agents",
              # Art. 57 actions dated in the month (landlords and employers), by kind, and the fines' total in yuan.
              *ART57_FIELDS, *EMPLOYER_FIELDS,
              # Verification (store.verification): drawn, checked (any mark), errors (corrected or not found
              # there); the verified share is checked ÷ drawn, the error rate errors ÷ checked.
              "verification_drawn", "verified", "verification_errors", "verified_share",
              "verification_error_rate")


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def csv_rows(ranked: list[Ranked]) -> list[dict[str, Any]]:
    rows = []
    for r in ranked:
        f = r.figures
        rows.append({
            "rank": r.rank, "precinct_code": f.precinct_code, "precinct_name": f.precinct_name, "month": f.month,
            "coverage": _rate(f.coverage), "meets_coverage_target": int(r.meets_coverage),
            "rental_coverage": _rate(f.rental_coverage), "meets_rental_target": int(r.meets_rental),
            "declared_properties": f.declared_properties, "housing_coverage": _rate(f.housing_coverage), "pre_case_rate": _rate(f.pre_case_rate),
            "meets_pre_case_target": int(r.meets_pre_case), "case_subjects": f.case_subjects,
            "case_subjects_declared": f.case_subjects_declared, "new_declarations": f.new_declarations,
            "previous_new_declarations": r.previous_new, "active_residents": f.active_residents,
            "increment": r.increment, "move_outs": f.move_outs, "late_declarations": f.late_declarations,
            "late_share": _rate(f.late_share), "estimated_population": f.estimated_population or "",
            "estimated_rental_units": f.estimated_rental_units or "", "enrolled_landlords": f.enrolled_landlords,
            "enrolled_properties": f.enrolled_properties, "landlords_declaring": f.landlords_declaring,
            **{f"declarations_{channel}": count for channel, count in f.channels},
            "declarations_by_agents": f.declared_by_agents,
            **{name: getattr(f, name) for name in (*ART57_FIELDS, *EMPLOYER_FIELDS)},
            "verification_drawn": f.verification_drawn, "verified": f.verified,
            "verification_errors": f.verification_errors, "verified_share": _rate(f.verified_share),
            "verification_error_rate": _rate(f.verification_error_rate),
        })
    return rows


def bulletin_csv(ranked: list[Ranked]) -> str:
    """The ranking as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese names right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(ranked))
    return out.getvalue()


def bulletin_context(ranked: list[Ranked], month: Month, generated: dt.datetime,
                     as_of: dt.datetime | None = None, *, level: str = "station",
                     unit: str | None = None) -> dict[str, Any]:
    """What the bulletin template needs, charts included; `as_of` (local time) when the month's figures
    were counted earlier than `generated` (the month under way). `level` says what a line is (a county
    or a station), `unit` the name of the unit whose lines these are (None: the whole province)."""
    covered = [r for r in ranked if r.figures.coverage is not None]
    housed = [r for r in ranked if r.figures.rental_coverage is not None]
    with_cases = [r for r in ranked if r.figures.pre_case_rate is not None]
    totals = {
        "precincts": len(ranked),
        "meeting_coverage": sum(r.meets_coverage for r in ranked),
        "meeting_pre_case": sum(r.meets_pre_case for r in ranked),
        "meeting_rental": sum(r.meets_rental for r in ranked),
        "rental_coverage": (sum(r.figures.declared_properties for r in housed)
                            / sum(r.figures.estimated_rental_units for r in housed)) if housed else None,
        "new_declarations": sum(r.figures.new_declarations for r in ranked),
        "active_residents": sum(r.figures.active_residents for r in ranked),
        "increment": sum(r.increment for r in ranked),
        **{name: sum(getattr(r.figures, name) for r in ranked) for name in (*ART57_FIELDS, *EMPLOYER_FIELDS)},
        "coverage": (sum(r.figures.active_residents for r in covered)
                     / sum(r.figures.estimated_population for r in covered)) if covered else None,
        "pre_case_rate": (sum(r.figures.case_subjects_declared for r in with_cases)
                          / sum(r.figures.case_subjects for r in with_cases)) if with_cases else None,
        "verification_drawn": sum(r.figures.verification_drawn for r in ranked),
        "verified": sum(r.figures.verified for r in ranked),
        "verification_errors": sum(r.figures.verification_errors for r in ranked),
    }
    totals["verified_share"] = (totals["verified"] / totals["verification_drawn"]
                                if totals["verification_drawn"] else None)
    totals["verification_error_rate"] = (totals["verification_errors"] / totals["verified"]
                                         if totals["verified"] else None)
    return {
        "month": str(month), "ranked": ranked, "totals": totals, "generated": generated, "as_of": as_of,
        "coverage_target": COVERAGE_TARGET, "pre_case_target": PRE_CASE_TARGET, "rental_target": RENTAL_TARGET,
        "level": level, "unit": unit,
        **bulletin_charts(ranked, month),
    }


def bulletin_charts(ranked: list[Ranked], month: Month) -> dict[str, str]:
    """The bulletin's two charts (also drawn ahead by a recount of the month under way)."""
    from gateway.stats import charts

    # The bulletin speaks both languages: Chinese titles and words in the charts, English beside them on the page.
    return {"coverage_chart": charts.ranking_bars(ranked, charts.words("stats_chart_title_coverage", "zh", month=month),
                                                  language="zh"),
            "pre_case_chart": charts.pre_case_bars(ranked, charts.words("stats_chart_title_pre_case", "zh",
                                                                        month=month), language="zh")}


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["pct"] = pct
    env.filters["signed"] = signed
    return env


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def render_bulletin(context: dict[str, Any]) -> str:
    return environment().get_template("stats/bulletin.html").render(**context)
