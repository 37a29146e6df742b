"""Campaign statistics pages: ranking, precinct figures, follow-up, case subjects, estimate and case imports.

An officer sees the precincts under their place in the tree (store.scope.reach): a station officer their
own (and their line of the ranking of all), a county's staff every station of the county ranked inside
it, the province every county ranked (?level=county); another precinct's page answers 404.
Views are thin: the figures come from store.stats, the bulletin from gateway.stats.report.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import (Blueprint, Response, abort, current_app, flash, make_response, redirect, render_template, request,
                   url_for)

from gateway.stats import charts, refresh, report
from gateway.officer.auth import current_officer, officer_required, supervisor_required
from gateway.i18n import language, translate
from gateway.web.uploads import MAX_UPLOAD_BYTES, accepts_upload
from gateway.web.query_args import BadQuery, id_arg, page_arg, text_arg
from store import audit, org, stats
from store.models import Precinct, Unit, local_time, utcnow
from store.stats import COVERAGE_TARGET, PRE_CASE_TARGET, RENTAL_TARGET, Month
from store.stats import LIVE_TTL, STALE_MAX, ChartStore

bp = Blueprint("stats", __name__, url_prefix="/stats")
TREND_MONTHS = 12
FOLLOW_UP_PAGE = 50  # landlords per page of the follow-up list
CASES_PAGE = 100  # subjects per page of the case list


@bp.context_processor
def helpers() -> dict[str, object]:
    return {"coverage_target": COVERAGE_TARGET, "pre_case_target": PRE_CASE_TARGET, "rental_target": RENTAL_TARGET,
            "reason_label": _reason_label}


def _reason_label(code: str) -> str:
    try:
        from gateway.officer.review import reason_text
    except ImportError:  # the review surface is optional for statistics
        return code
    return reason_text(code)


bp.add_app_template_filter(report.pct, "pct")
bp.add_app_template_filter(report.signed, "signed")


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _rt():
    return current_app.extensions["declgate"]


def _month() -> Month:
    """The month asked for, or the current month in the deployment's zone."""
    raw = request.args.get("month") or request.form.get("month")
    if raw:
        try:
            return Month.parse(raw)
        except ValueError:
            raise BadQuery("query_bad_month", earliest=Month.EARLIEST, latest=Month.LATEST) from None
    return Month.of(dt.datetime.now(_rt().tz).date())


def _scope() -> list[int] | None:
    """The precincts the officer may see (None: all), narrowed by ?precinct= to one of them."""
    reach = current_officer.reach
    wanted = id_arg("precinct")
    if wanted:
        if reach is not None and wanted not in reach:
            abort(404)
        return [wanted]
    return None if reach is None else sorted(reach)


def _recount_if_old(response: Response, month: Month, as_of: dt.datetime | None) -> Response:
    """Serve a month under way's count up to STALE_MAX old (the page says when it was taken), and take it
    again, with its charts in every UI language, once the response has gone: no one waits over a second for
    the count of every precinct, nor a supervisor in another language for the charts of the new count."""
    if as_of is not None and as_of <= utcnow() - LIVE_TTL:
        rt = _rt()
        response.call_on_close(lambda: refresh.recount(rt, month))
    return response


def _chart_store(month: Month) -> ChartStore:
    """Where this view's charts are kept: a closed month's until a change reaches back into it."""
    rt = _rt()
    return ChartStore(rt.sessions, str(month), closed=stats.is_closed(month, dt.datetime.now(rt.tz).date()))


def _months(month: Month) -> list[Month]:
    """The month picker's choices, newest first: around `month`, never past the month under way (nothing to
    count there yet), unless a later month was asked for by its address."""
    current = Month.of(dt.datetime.now(_rt().tz).date())
    return max(min(month.next.next, current), month).back(18)[::-1]


def _precincts(session) -> list[Precinct]:
    reach = current_officer.reach
    return stats.precinct_choices(session, None if reach is None else sorted(reach))


@dataclass(frozen=True)
class Lines:
    """What a ranking page or bulletin shows: the lines, what a line is, whose they are."""

    ranked: list[stats.Ranked]
    total: int  # lines ranked (a station officer sees only their own of them)
    level: str  # county | station
    unit: Unit | None  # None: the whole province


def _lines(month: Month, max_age: dt.timedelta = STALE_MAX) -> Lines:
    """The ranking the officer asked for (?level=county|station, ?unit=CODE), within their place in the tree.

    No unit asked for: an officer placed at a unit gets it (a county ranks its stations), everyone else the
    province; a unit outside the officer's own is a 404, as is ranking counties below a county.
    """
    rt = _rt()
    level = request.args.get("level") if request.args.get("level") in stats.LEVELS else "station"
    with rt.sessions.begin() as session:  # a closed month's first view keeps its snapshot
        own = org.unit_named(session, current_officer.unit_code) if current_officer.unit_code else None
        unit = org.unit_named(session, text_arg("unit") or "") if text_arg("unit") else own
        if text_arg("unit") and unit is None:
            abort(404)
        if not current_officer.sees_all_precincts and unit is not None and (
                own is None or unit.id not in org.units_under(session, own.id)):
            abort(404)
        if level == "county":
            if unit is not None and unit.level != "city":
                abort(404)
            ranked = stats.county_ranking(session, month, within=unit.id if unit else None, tz=rt.tz, max_age=max_age)
        elif unit is not None:
            ranked = stats.station_ranking(session, month, within=unit.id, tz=rt.tz, max_age=max_age)
        else:
            ranked = stats.ranking(session, month, tz=rt.tz, max_age=max_age)
    total = len(ranked)
    if unit is None and not current_officer.sees_all_precincts:
        ranked = [r for r in ranked if r.figures.precinct_id == current_officer.precinct_id]
    return Lines(ranked, total, level, unit)


def _line_link(lines: Lines, month: Month):
    if lines.level == "county":
        codes = {r.figures.precinct_id: r.figures.precinct_code for r in lines.ranked}
        return lambda uid: url_for("stats.ranking", level="station", unit=codes[uid], month=str(month))
    return lambda pid: url_for("stats.precinct", precinct_id=pid, month=str(month))


@bp.get("/")
@officer_required
def index():
    """Open the ranking for anyone who sees more than one precinct, the own precinct's figures otherwise."""
    reach = current_officer.reach
    if reach is None or len(reach) != 1:
        return redirect(url_for("stats.ranking"))
    return redirect(url_for("stats.precinct", precinct_id=next(iter(reach))))


@bp.get("/ranking")
@officer_required
def ranking():
    """Show the lines ranked (a station officer: their own line and rank) with the charts."""
    month = _month()
    lines = _lines(month)
    ranked = lines.ranked
    as_of = ranked[0].figures.as_of if ranked else None
    with charts.stored_in(_chart_store(month)):
        drawn = refresh.ranking_charts(ranked, refresh.titles_in(language(), month), language())
    html = render_template("stats/ranking.html", month=month, months=_months(month), ranked=ranked,
                           total=lines.total, charts=drawn, as_of=as_of, level=lines.level, unit=lines.unit,
                           precinct_link=_line_link(lines, month))
    return _recount_if_old(make_response(html), month, as_of)


@bp.get("/bulletin")
@supervisor_required
def bulletin():
    """Show the printable monthly bulletin: the same file `declgate report monthly` writes."""
    month = _month()
    rt = _rt()
    lines = _lines(month)
    ranked = lines.ranked
    generated = dt.datetime.now(rt.tz).replace(microsecond=0, tzinfo=None)
    as_of = ranked[0].figures.as_of if ranked else None
    with charts.stored_in(_chart_store(month)):
        local_as_of = local_time(as_of, rt.tz).replace(tzinfo=None) if as_of else None
        context = report.bulletin_context(ranked, month, generated, as_of=local_as_of, level=lines.level,
                                          unit=lines.unit.name if lines.unit else None)
    return _recount_if_old(make_response(render_template("stats/bulletin.html", **context)), month, as_of)


@bp.get("/bulletin.csv")
@supervisor_required
def bulletin_csv():
    """Download the monthly bulletin as CSV."""
    month = _month()
    ranked = _lines(month, max_age=LIVE_TTL).ranked
    return Response(report.bulletin_csv(ranked), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=bulletin-{month}.csv"})


@bp.get("/precinct/<int:precinct_id>")
@officer_required
def precinct(precinct_id: int):
    """Show one precinct's figures for the month, its trends and its rejection reasons."""
    if current_officer.reach is not None and precinct_id not in current_officer.reach:
        abort(404)
    month = _month()
    rt = _rt()
    with rt.sessions.begin() as session:  # a closed month's first view keeps its snapshot
        found = stats.figures(session, month, precinct_ids=[precinct_id], tz=rt.tz)
        if not found:
            abort(404)
        series = stats.trend(session, month.back(TREND_MONTHS), precinct_ids=[precinct_id], tz=rt.tz)
        choices = _precincts(session)
    fig = found[0]
    span = {"months": TREND_MONTHS}
    with charts.stored_in(_chart_store(month)):
        drawn = _precinct_charts(fig, series, month, span)
    return render_template("stats/precinct.html", month=month, months=_months(month), fig=fig, charts=drawn,
                           choices=choices)


def _precinct_charts(fig: stats.PrecinctMonth, series: dict, month: Month, span: dict) -> dict[str, str]:
    lang = language()
    return {
        "declarations": charts.trend_chart(series, "new_declarations", translate("stats_chart_new", **span),
                                           language=lang),
        "coverage": charts.trend_chart(series, "coverage", translate("stats_chart_coverage_trend", **span),
                                       target=COVERAGE_TARGET, percent=True, language=lang),
        "residents": charts.trend_chart(series, "active_residents", translate("stats_chart_residents", **span),
                                        language=lang),
        "reasons": charts.reason_mix(fig.rejections, translate("stats_chart_reasons", month=month), language=lang),
    }


@bp.get("/follow-up")
@officer_required
def follow_up():
    """List landlords to call: unconfirmed tenant self-declarations and late declarations, with receipts."""
    month = _month()
    rt = _rt()
    status = text_arg("status", ("open", "actioned"))
    with rt.sessions() as session:
        page = _page(stats.follow_up_count(session, month, precinct_ids=_scope(), tz=rt.tz, status=status),
                     FOLLOW_UP_PAGE)
        lines = stats.follow_up(session, month, precinct_ids=_scope(), tz=rt.tz, limit=page.size,
                                offset=page.offset, status=status)
        employers = stats.employer_follow_up(session, month, precinct_ids=_scope(), tz=rt.tz, status=status)
        choices = _precincts(session)
        return render_template("stats/follow_up.html", month=month, months=_months(month), lines=lines, page=page,
                               employers=employers, choices=choices, precinct_id=id_arg("precinct"), status=status)


@bp.get("/cases")
@officer_required
def cases():
    """List the month's case subjects who were not declared before their case, with their last declaration."""
    month = _month()
    rt = _rt()
    with rt.sessions() as session:
        page = _page(stats.case_subjects_count(session, month, precinct_ids=_scope()), CASES_PAGE)
        rows = stats.case_subjects(session, month, precinct_ids=_scope(), limit=page.size, offset=page.offset)
        choices = _precincts(session)
    return render_template("stats/cases.html", month=month, months=_months(month), rows=rows, page=page,
                           choices=choices, precinct_id=id_arg("precinct"))


@dataclass(frozen=True)
class Page:
    """Where a long list is: page `number` (from 1) of `pages`, `size` lines each, `total` lines in all."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def link(self, number: int) -> str:
        """This page's URL with another page number (month and precinct kept, nothing else from the query)."""
        kept = {"month": text_arg("month"), "precinct": id_arg("precinct"), "status": text_arg("status")}
        return url_for(request.endpoint, page=number, **{k: v for k, v in kept.items() if v})


def _page(total: int, size: int) -> Page:
    """The page asked for with ?page=, kept within the list."""
    return Page(number=min(page_arg(), max(1, -(-total // size))), size=size, total=total)


def _upload_text() -> str | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(translate("stats_choose_file"), "error")
        return None
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        flash(translate("stats_file_too_big"), "error")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(translate("stats_not_utf8"), "error")
        return None


@bp.route("/estimates", methods=["GET", "POST"])
@accepts_upload
@supervisor_required
def estimates():
    """Show, enter and import survey estimates (one row by hand, or a CSV: all rows or none).

    Province-wide only: a county supervisor's estimates would be entered for stations of other counties too."""
    _province_only()
    month = _month()
    rt = _rt()
    imported = None
    if request.method == "POST":
        with rt.sessions.begin() as session:
            if request.form.get("action") == "import":
                text = _upload_text()
                if text is not None:
                    imported = stats.import_estimates(session, text)
                    if imported.ok:
                        audit.record(session, current_officer.id, "stats_estimates_import",
                                     request.files["file"].filename or "", rows=imported.written)
                    else:
                        session.rollback()
            else:
                imported = _enter_estimate(session, month)
        if imported is not None and imported.ok:
            flash(translate("stats_imported", rows=imported.written), "ok")
            return redirect(url_for("stats.estimates", month=str(month)))
    with rt.sessions.begin() as session:
        figures = stats.figures(session, month, tz=rt.tz, timing=False)
    status = 400 if imported is not None and not imported.ok else 200
    return render_template("stats/estimates.html", month=month, months=_months(month), figures=figures,
                           report=imported), status


def _province_only() -> None:
    """Imports and estimates name any station: only those who see every precinct make them (403 otherwise)."""
    if not current_officer.sees_all_precincts:
        abort(403, description=translate("needs_supervisor_role"))


def _enter_estimate(session, month: Month) -> stats.ImportReport:
    form = request.form
    fail = lambda message: stats.ImportReport(rows=1, errors=(stats.RowError(0, message),))  # noqa: E731
    try:
        precinct_id = int(form.get("precinct_id", ""))
        population, units = int(form.get("floating_population", "")), int(form.get("rental_units", ""))
    except ValueError:
        return fail(translate("stats_whole_numbers"))
    if session.get(Precinct, precinct_id) is None:
        return fail(translate("stats_unknown_precinct"))
    try:
        stats.set_estimate(session, precinct_id, month, population, units)
    except ValueError as exc:
        return fail(str(exc))
    audit.record(session, current_officer.id, "stats_estimate_set", f"precinct:{precinct_id}", month=str(month),
                 floating_population=population, rental_units=units)
    return stats.ImportReport(rows=1, written=1)


@bp.route("/cases/import", methods=["GET", "POST"])
@accepts_upload
@supervisor_required
def cases_import():
    """Import case subjects exported from a case system; only keyed hashes and outcomes are kept."""
    _province_only()
    rt = _rt()
    imported = None
    if request.method == "POST":
        text = _upload_text()
        if text is not None:
            with rt.sessions.begin() as session:
                imported = stats.import_case_subjects(session, text, secret_key=rt.settings.secret_key or "",
                                                    tz=rt.tz)
                if imported.ok:
                    audit.record(session, current_officer.id, "stats_cases_import",
                                 request.files["file"].filename or "", rows=imported.written, **imported.detail)
                else:
                    session.rollback()
            if imported.ok:
                flash(translate("stats_cases_imported", rows=imported.written, **imported.detail), "ok")
                return redirect(url_for("stats.cases_import"))
    return render_template("stats/cases_import.html", report=imported), (400 if imported and not imported.ok else 200)
