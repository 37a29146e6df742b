"""Survey-estimate and case-subject imports: validation, all-or-nothing, matching and what is stored."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from store import stats
from store.models import CaseSubject, Declaration, SurveyEstimate
from store.stats import Month
from tests.campaign import PASSPORT_6, RIC_1, RIC_2, RIC_9
from tests.constants import SECRET_KEY

TODAY = dt.date(2026, 4, 15)


def import_estimates(rt, text):
    with rt.sessions.begin() as s:
        return stats.import_estimates(s, text)


def import_cases(rt, text):
    with rt.sessions.begin() as s:
        return stats.import_case_subjects(s, text, secret_key=SECRET_KEY, today=TODAY)


def count(rt, model):
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


class TestImportEstimates:
    def test_writes_rows(self, rt, campaign):
        """Good rows are stored and feed the coverage rate."""
        report = import_estimates(rt, "precinct,month,floating_population,rental_units\n"
                                      "P01,2026-03,8,4\nP02,2026-03,2,1\n")
        assert (report.ok, report.written) == (True, 2)
        with rt.sessions() as s:
            by_code = {f.precinct_code: f for f in stats.month_figures(s, Month(2026, 3))}
        assert (by_code["P01"].coverage, by_code["P02"].coverage) == (0.5, 0.5)

    def test_replaces_an_existing_estimate(self, rt, campaign):
        """Importing the same precinct and month again replaces the figures instead of failing."""
        import_estimates(rt, "precinct,month,floating_population,rental_units\nP01,2026-03,8,4\n")
        report = import_estimates(rt, "precinct,month,floating_population,rental_units\nP01,2026-03,10,5\n")
        assert report.detail == {"replaced": 1}
        with rt.sessions() as s:
            assert s.scalar(select(SurveyEstimate.floating_population)) == 10

    def test_bad_rows_write_nothing(self, rt, campaign):
        """Every bad row is reported with its line number and the good rows are not written."""
        report = import_estimates(rt, "precinct,month,floating_population,rental_units\n"
                                      "P01,2026-03,8,4\n"
                                      "P99,2026-03,8,4\n"
                                      "P02,2026-3,-1,x\n"
                                      "P01,2026-03,9,4\n")
        assert not report.ok
        assert [str(e) for e in report.errors] == [
            "line 3: precinct 'P99' is not known (use the precinct code)",
            "line 4: month '2026-3' must be written YYYY-MM, e.g. 2026-03",
            "line 4: floating_population '-1' must be a whole number of 0 or more",
            "line 4: rental_units 'x' must be a whole number of 0 or more",
            "line 5: precinct P01 month 2026-03 already appears on line 2",
        ]
        assert count(rt, SurveyEstimate) == 0

    def test_missing_column(self, rt, campaign):
        """A header without a required column is one error on line 1."""
        report = import_estimates(rt, "precinct,month,population\nP01,2026-03,8\n")
        assert [str(e) for e in report.errors] == [
            "line 1: missing column(s) floating_population, rental_units; "
            "the header must be precinct,month,floating_population,rental_units"]

    def test_zero_population_is_refused(self, rt, campaign):
        """A zero estimate would divide by zero, so it is refused."""
        report = import_estimates(rt, "precinct,month,floating_population,rental_units\nP01,2026-03,0,0\n")
        assert [e.message for e in report.errors] == [
            "floating_population must be more than 0 (it divides the coverage rate)"]

    def test_empty_file(self, rt, campaign):
        """A header with no rows is an error rather than a silent success."""
        assert not import_estimates(rt, "precinct,month,floating_population,rental_units\n").ok


CASES = (f"document_type,document_number,case_date,precinct\n"
         f"ric,{RIC_1},2026-03-05,P01\n"
         f"ric,{RIC_2.lower()},2026-03-02,P01\n"
         f"ric,{RIC_9},2026-03-10,P01\n"
         f"passport,{PASSPORT_6},2026-03-20,P02\n")


class TestImportCaseSubjects:
    def test_outcomes(self, rt, campaign):
        """A subject declared before the case date counts as declared; same-day or never does not."""
        report = import_cases(rt, CASES)
        assert report.ok
        assert report.detail == {"declared_before": 2, "not_declared": 2}
        with rt.sessions() as s:
            by_code = {f.precinct_code: f for f in stats.month_figures(s, Month(2026, 3))}
        assert (by_code["P01"].case_subjects, by_code["P01"].case_subjects_declared) == (3, 1)
        assert by_code["P01"].pre_case_rate == pytest.approx(1 / 3)
        assert by_code["P02"].pre_case_rate == 1.0

    def test_stores_only_a_keyed_hash(self, rt, campaign):
        """No document number reaches the table: only HMAC-SHA256 under SECRET_KEY."""
        import_cases(rt, CASES)
        with rt.sessions() as s:
            hashes = set(s.scalars(select(CaseSubject.document_hash)))
        assert stats.document_hash(SECRET_KEY, "ric", RIC_1) in hashes
        assert not any(RIC_1 in h or RIC_9 in h for h in hashes)
        assert stats.document_hash("another-key", "ric", RIC_1) not in hashes

    def test_reimport_updates_in_place(self, rt, campaign):
        """Importing the same list twice keeps one row per subject and case date."""
        import_cases(rt, CASES)
        import_cases(rt, CASES)
        assert count(rt, CaseSubject) == 4

    def test_not_declared_list_has_the_last_declaration(self, rt, campaign):
        """Those not declared before their case are listed with their newest declaration, if any."""
        import_cases(rt, CASES)
        with rt.sessions() as s:
            missing = stats.case_subjects(s, Month(2026, 3))
        assert [(m.case_date.isoformat(), m.last.receipt if m.last else None) for m in missing] == [
            ("2026-03-02", "R00002"), ("2026-03-10", None)]
        assert missing[0].last_address == "东街 1 号"

    def test_scoped_list(self, rt, campaign):
        """An officer's list holds only their precinct's subjects."""
        import_cases(rt, CASES)
        with rt.sessions() as s:
            assert stats.case_subjects(s, Month(2026, 3), precinct_ids=[campaign.p02]) == []
            assert len(stats.case_subjects(s, Month(2026, 3), precinct_ids=[campaign.p02], declared=True)) == 1

    def test_bad_rows_write_nothing(self, rt, campaign):
        """Every bad row is reported and nothing is stored."""
        bad_ric = RIC_1[:-1] + ("0" if RIC_1[-1] != "0" else "1")
        report = import_cases(rt, "document_type,document_number,case_date,precinct\n"
                                  f"ric,{RIC_1},2026-03-05,P01\n"
                                  f"ric,{bad_ric},2026-03-05,P01\n"
                                  f"visa,X1234567,05/03/2026,P77\n"
                                  f"passport,E1,2026-05-01,P01\n")
        assert [str(e) for e in report.errors] == [
            "line 3: document_number is not a valid resident ID (id_checksum)",
            "line 4: document_type 'visa' must be one of ric, passport, hkmo_permit, tw_permit",
            "line 4: case_date '05/03/2026' must be written YYYY-MM-DD",
            "line 4: precinct 'P77' is not known (use the precinct code)",
            "line 5: document_number must be 5 to 20 letters or digits",
            "line 5: case_date 2026-05-01 is in the future",
        ]
        assert count(rt, CaseSubject) == 0

    def test_legacy_id_matches_its_new_form(self, rt, campaign):
        """A 15-digit first-generation ID is converted before matching."""
        legacy = RIC_1[:6] + RIC_1[8:17]
        report = import_cases(rt, f"document_type,document_number,case_date,precinct\nric,{legacy},2026-03-05,P01\n")
        assert report.detail["declared_before"] == 1

    def test_needs_a_secret_key(self, rt, campaign):
        """Without SECRET_KEY nothing can be hashed, so the import refuses."""
        with rt.sessions.begin() as s, pytest.raises(ValueError, match="SECRET_KEY"):
            stats.import_case_subjects(s, CASES, secret_key="", today=TODAY)

    def test_purge(self, rt, campaign):
        """Purging removes subjects whose case date is before the given day."""
        import_cases(rt, CASES)
        with rt.sessions.begin() as s:
            assert stats.purge_case_subjects(s, dt.date(2026, 3, 6)) == 2
        assert count(rt, CaseSubject) == 2


class TestPreCaseCountsOnlyRegistrations:
    @pytest.mark.parametrize("status", ["pending_review", "disputed"])
    def test_a_declaration_not_accepted_is_not_a_registration_before_the_case(self, rt, campaign, status):
        """Person 1's only declaration (declared in February) waits for review, or its landlord disputed it:
        the case in March does not count them as registered before it, though the declaration is shown."""
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[1]).status = status
        report = import_cases(rt, f"document_type,document_number,case_date,precinct\nric,{RIC_1},2026-03-20,P01\n")
        assert report.detail == {"declared_before": 0, "not_declared": 1}
        with rt.sessions() as s:
            (subject,) = stats.case_subjects(s, Month(2026, 3), declared=False)
        assert subject.last is not None and subject.last.status == status

    def test_the_same_declaration_active_counts(self, rt, campaign):
        report = import_cases(rt, f"document_type,document_number,case_date,precinct\nric,{RIC_1},2026-03-20,P01\n")
        assert report.detail == {"declared_before": 1, "not_declared": 0}
