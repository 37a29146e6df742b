"""The /stats pages: what each role sees, the imports' error reports, the bulletin downloads."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from store.models import AuditEntry, CaseSubject, Declaration, SurveyEstimate
from tests.campaign import RIC_1, RIC_2, RIC_9

MARCH = "month=2026-03"
CASES = (f"document_type,document_number,case_date,precinct\n"
         f"ric,{RIC_1},2026-03-05,P01\nric,{RIC_2},2026-03-02,P01\nric,{RIC_9},2026-03-10,P01\n")


def upload(client, path, text, **form):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "list.csv"), **form}
    return client.post(path, data=data, content_type="multipart/form-data")


def count(rt, model):
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


class TestRankingPage:
    def test_supervisor_sees_every_precinct_and_the_charts(self, login_as):
        """A supervisor's ranking lists both precincts and draws three charts."""
        html = login_as("chief").get(f"/stats/ranking?{MARCH}").get_data(as_text=True)
        assert "东街派出所" in html and "West Lane" in html
        assert html.count("<svg") == 3

    def test_officer_sees_only_their_line(self, login_as):
        """An officer's ranking shows their own precinct only, and no bulletin links."""
        response = login_as("b").get(f"/stats/ranking?{MARCH}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "West Lane" in html and "东街派出所" not in html
        assert "/stats/bulletin" not in html

    def test_needs_login(self, login_as):
        """Without a login the page redirects to the login form."""
        response = login_as(None).get("/stats/ranking")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_bad_month(self, login_as):
        """A month that is not YYYY-MM is a bad request."""
        assert login_as("chief").get("/stats/ranking?month=2026-13").status_code == 400

    def test_index_sends_an_officer_to_their_precinct(self, login_as, officers):
        """The statistics entry page opens the officer's own precinct."""
        response = login_as("a").get("/stats/")
        assert response.headers["Location"].endswith(f"/stats/precinct/{officers.p01}")


class TestPrecinctPage:
    def test_figures_and_reasons(self, login_as, officers):
        """The precinct page shows the month's figures, the rejection reasons in words and four charts."""
        html = login_as("a").get(f"/stats/precinct/{officers.p01}?{MARCH}").get_data(as_text=True)
        assert "身份证校验位错误" in html and "房产不符" in html
        assert "3.0 min" in html  # the median time to receipt
        assert html.count("<svg") == 4

    def test_other_precinct_is_not_found(self, login_as, officers):
        """An officer asking for another precinct's page gets 404."""
        assert login_as("a").get(f"/stats/precinct/{officers.p02}?{MARCH}").status_code == 404

    def test_supervisor_opens_any_precinct(self, login_as, officers):
        """A supervisor can open every precinct's page."""
        assert login_as("chief").get(f"/stats/precinct/{officers.p02}?{MARCH}").status_code == 200


class TestFollowUpPage:
    def test_own_precinct(self, login_as):
        """P01's officer sees Li Lei with the receipt of the unconfirmed, late declaration."""
        html = login_as("a").get(f"/stats/follow-up?{MARCH}").get_data(as_text=True)
        assert "Li Lei" in html and "R00003" in html

    def test_other_precinct(self, login_as, officers):
        """P02's officer does not see P01's landlord, even when asking for P01."""
        html = login_as("b").get(f"/stats/follow-up?{MARCH}&precinct={officers.p01}").get_data(as_text=True)
        assert "Li Lei" not in html

    def test_page_control(self, rt, login_as, monkeypatch):
        """With one landlord a page, the follow-up page links to the next page and keeps the month."""
        from gateway.stats import views

        with rt.sessions.begin() as s:
            s.execute(Declaration.__table__.update().values(late=True))
        monkeypatch.setattr(views, "FOLLOW_UP_PAGE", 1)
        html = login_as("chief").get("/stats/follow-up?month=2026-03").get_data(as_text=True)
        assert "第 1 / 2 页，共 2 条" in html and "page=2" in html and "month=2026-03" in html
        second = login_as("chief").get("/stats/follow-up?month=2026-03&page=2").get_data(as_text=True)
        assert "第 2 / 2 页" in second and ("Li Lei" in html) != ("Li Lei" in second)


class TestCasesPages:
    def test_import_then_list(self, rt, login_as):
        """After an import the not-declared list shows the last declaration, for the right precinct only."""
        chief = login_as("chief")
        response = upload(chief, "/stats/cases/import", CASES)
        assert response.status_code == 302
        html = login_as("a").get(f"/stats/cases?{MARCH}").get_data(as_text=True)
        assert "R00002" in html and "2026-03-10" in html and "2026-03-05" not in html
        assert "R00002" not in login_as("b").get(f"/stats/cases?{MARCH}").get_data(as_text=True)
        with rt.sessions() as s:
            assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "stats_cases_import"))

    def test_bad_rows_are_reported(self, rt, login_as):
        """A bad file answers 400 with each bad line, and nothing is stored."""
        response = upload(login_as("chief"), "/stats/cases/import", CASES + "visa,1,2026-03-01,P01\n")
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "document_type &#39;visa&#39;" in html and ">5<" in html
        assert count(rt, CaseSubject) == 0

    def test_officers_cannot_import(self, login_as):
        """Importing is for supervisors: an officer gets 403."""
        assert upload(login_as("a"), "/stats/cases/import", CASES).status_code == 403


class TestUploadSize:
    ROWS = CASES.split("\n", 1)[1]
    BIG_CASES = CASES + ROWS * (1024 * 1024 // len(ROWS))  # 1 MB: the same three subjects, over and over

    def test_a_one_megabyte_case_list_is_imported(self, rt, login_as):
        """The import pages take a CSV far beyond the 64 KB every other request is held to."""
        assert len(self.BIG_CASES.encode()) >= 1024 * 1024 - len(self.ROWS)
        response = upload(login_as("chief"), "/stats/cases/import", self.BIG_CASES)
        assert response.status_code == 302
        assert count(rt, CaseSubject) == 3

    def test_a_megabyte_anywhere_else_is_refused(self, login_as, client):
        """The same megabyte posted to another officer page, or to the import page without a login (where the
        CSRF check reads the form first), gets 413."""
        chief = login_as("chief")
        assert upload(chief, "/landlords/new", self.BIG_CASES).status_code == 413
        assert upload(chief, "/review/bulk/reject", self.BIG_CASES).status_code == 413
        assert upload(client, "/stats/cases/import", self.BIG_CASES).status_code == 413

    def test_past_the_upload_cap_is_refused(self, login_as):
        """A file past the 5 MB cap (and its form) is refused with 413 before it is read."""
        huge = "x" * (5 * 1024 * 1024 + 128 * 1024)
        assert upload(login_as("chief"), "/stats/cases/import", huge).status_code == 413


class TestEstimatesPage:
    def test_import(self, rt, login_as):
        """A good CSV is imported and the coverage appears on the page."""
        chief = login_as("chief")
        response = upload(chief, f"/stats/estimates?{MARCH}",
                          "precinct,month,floating_population,rental_units\nP01,2026-03,8,4\n", action="import")
        assert response.status_code == 302
        assert "50.0 %" in chief.get(f"/stats/estimates?{MARCH}").get_data(as_text=True)

    def test_bad_import_writes_nothing(self, rt, login_as):
        """A file with a bad row answers 400 with the row's error and stores nothing."""
        response = upload(login_as("chief"), f"/stats/estimates?{MARCH}",
                          "precinct,month,floating_population,rental_units\nP01,2026-03,8,4\nP09,2026-03,1,1\n",
                          action="import")
        assert response.status_code == 400
        assert "precinct &#39;P09&#39; is not known" in response.get_data(as_text=True)
        assert count(rt, SurveyEstimate) == 0

    def test_enter_one(self, rt, login_as, officers):
        """One estimate typed into the form is stored for the month shown."""
        response = login_as("chief").post("/stats/estimates", data={
            "month": "2026-03", "precinct_id": officers.p02, "floating_population": "4", "rental_units": "2"})
        assert response.status_code == 302
        with rt.sessions() as s:
            assert s.scalar(select(SurveyEstimate.month)) == "2026-03"

    def test_enter_refuses_nonsense(self, rt, login_as, officers):
        """Letters instead of numbers are refused with a message."""
        response = login_as("chief").post("/stats/estimates", data={
            "month": "2026-03", "precinct_id": officers.p02, "floating_population": "many", "rental_units": "2"})
        assert response.status_code == 400
        assert count(rt, SurveyEstimate) == 0

    def test_officers_cannot_see_it(self, login_as):
        """The estimates page is for supervisors."""
        assert login_as("a").get("/stats/estimates").status_code == 403


class TestBulletinPages:
    def test_printable(self, login_as):
        """The printable bulletin is the standalone document with both charts."""
        html = login_as("chief").get(f"/stats/bulletin?{MARCH}").get_data(as_text=True)
        assert html.startswith("<!doctype html>") and html.count("<svg") == 2

    def test_csv(self, login_as):
        """The CSV download has a row per precinct, with new declarations by channel (web included)."""
        import csv

        response = login_as("chief").get(f"/stats/bulletin.csv?{MARCH}")
        assert response.mimetype == "text/csv"
        assert len(response.get_data(as_text=True).strip().splitlines()) == 3
        rows = {r["precinct_code"]: r for r in csv.DictReader(response.get_data(as_text=True).lstrip("\ufeff")
                                                             .splitlines())}
        assert [rows["P01"][f"declarations_{c}"] for c in ("sms", "voice", "officer", "web")] == ["1", "2", "0", "0"]

    def test_officers_get_403(self, login_as):
        """The all-precinct bulletin is for supervisors."""
        assert login_as("a").get(f"/stats/bulletin?{MARCH}").status_code == 403
