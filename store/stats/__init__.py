"""Campaign statistics: the monthly figures per precinct, the bulletin ranking, the follow-up and case lists,
and the imports they need (survey estimates, case subjects).

    month       the Month value and when a month is closed
    counting    the figures counted from the tables now, and what each one means
    snapshots   figures kept instead of counting again (closed months, the month under way, drawn
                charts) and the flush rule that forgets them when a change reaches back
    ranks       the bulletin's ranking against the campaign's targets
    levels      the same ranking at every level of the tree: stations in a unit, counties
    follow_ups  landlords and employers to call, with the declarations that say why, open or actioned
    cases       a month's case subjects and whether each had declared before the case
    imports     survey estimates and case subjects from CSV

Callers use the names below (`from store.stats import Month`, `stats.ranking(...)`); the tables live in
store.models.
"""
from store.models import LiveFigures, MonthSnapshot, StoredChart
from store.stats.cases import CaseOutcome, case_subjects, case_subjects_count
from store.stats.counting import CHANNELS, PrecinctMonth, month_figures, months_with_data, precinct_choices
from store.stats.follow_ups import (EmployerFollowUp, Evidence, FollowUp, StaffEvidence, employer_follow_up,
                                    follow_up, follow_up_count)
from store.stats.imports import (ImportReport, RowError, document_hash, import_case_subjects, import_estimates,
                                 normalise_document, purge_case_subjects, read_csv, set_estimate)
from store.stats.month import UTC, Month, is_closed
from store.stats.levels import LEVELS, county_ranking, station_ranking
from store.stats.ranks import COVERAGE_TARGET, PRE_CASE_TARGET, RENTAL_TARGET, Ranked, ranking
from store.stats.snapshots import (LIVE_TTL, OPEN_CHART_TTL, STALE_MAX, ChartStore, figures, load_live,
                                   recount_live, save_live, take_snapshot, trend)

__all__ = [
    "CHANNELS", "COVERAGE_TARGET", "LEVELS", "RENTAL_TARGET", "county_ranking", "station_ranking", "LIVE_TTL", "OPEN_CHART_TTL", "PRE_CASE_TARGET", "STALE_MAX", "UTC",
    "CaseOutcome", "ChartStore", "EmployerFollowUp", "Evidence", "StaffEvidence", "employer_follow_up", "FollowUp", "ImportReport", "LiveFigures", "Month", "MonthSnapshot",
    "PrecinctMonth", "Ranked", "RowError", "StoredChart",
    "case_subjects", "case_subjects_count", "document_hash", "figures", "follow_up", "follow_up_count",
    "import_case_subjects", "import_estimates", "is_closed", "load_live", "month_figures", "months_with_data",
    "normalise_document", "precinct_choices", "purge_case_subjects", "ranking", "read_csv", "recount_live",
    "save_live", "set_estimate", "take_snapshot", "trend",
]
