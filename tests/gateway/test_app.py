"""The app's own surface: the landing redirect, error pages and the health check."""
from __future__ import annotations


class TestIndex:
    def test_root_leads_to_the_review_queue(self, client):
        """`/` redirects to the officers' queue."""
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/review")


class TestErrorPages:
    def test_browser_gets_an_html_page(self, client):
        """A person in a browser gets a page with a way back, not bare text."""
        response = client.get("/no-such-page", headers={"Accept": "text/html"})
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "404" in response.get_data(as_text=True) and 'href="/review"' in response.get_data(as_text=True)

    def test_webhooks_and_scripts_get_plain_text(self, client):
        """Twilio and scripts get a short plain-text status."""
        response = client.get("/sms", headers={"Accept": "text/html"})
        assert response.status_code == 405 and response.mimetype == "text/plain"
        assert client.get("/no-such-page", headers={"Accept": "application/json"}).mimetype == "text/plain"


class TestHealth:
    def test_reports_database_and_redis(self, client):
        """Both backends answer: 200 with their status."""
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.get_json()
        spool = body.pop("spool")
        assert body == {"status": "ok", "database": "ok", "redis": "ok"}
        assert (spool["entries"], spool["oldest_age_seconds"]) == (0, None)  # nothing waits in the spool

    def test_unreachable_database_is_503(self, client, app):
        """A database that cannot be reached makes the check fail with 503."""
        from sqlalchemy import create_engine

        app.extensions["declgate"].engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        response = client.get("/healthz")
        assert response.status_code == 503 and response.get_json()["database"].startswith("error")
