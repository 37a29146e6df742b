"""/metrics: Prometheus text for the operator's scraper only, moving as messages come and go."""
from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway import runtime
from gateway.app import create_app
from gateway.outbound import TwilioSender
from tests.constants import LANDLORD, PUBLIC_BASE_URL
from tests.support import drain, signed_post, sms
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scraper(settings, rt, enrolled):
    """The app with METRICS_TOKEN set, sending through Twilio over the fake HTTP layer."""
    app = create_app(settings.with_(metrics_token=TOKEN), rt=rt, test_config={"TESTING": True})
    runtime.current().sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, status_callback=f"{PUBLIC_BASE_URL}/sms/status",
                                            http_client=FakeTwilio())
    return app.test_client()


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class TestAccess:
    def test_without_the_token_or_an_allowed_address_it_is_not_there(self, scraper):
        """No token, a wrong one: 404, as for a page that does not exist."""
        assert scraper.get("/metrics").status_code == 404
        assert scraper.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 404

    def test_an_allow_listed_network_may_scrape(self, settings, rt):
        """METRICS_ALLOW=127.0.0.0/8 lets the test client's 127.0.0.1 in without a token."""
        app = create_app(settings.with_(metrics_allow=("127.0.0.0/8",)), rt=rt, test_config={"TESTING": True})
        assert app.test_client().get("/metrics").status_code == 200
        other = create_app(settings.with_(metrics_allow=("10.0.0.0/8",)), rt=rt, test_config={"TESTING": True})
        assert other.test_client().get("/metrics").status_code == 404


class TestScrape:
    def test_metrics_move_as_messages_are_handled_and_delivered(self, scraper, enrolled):
        """Webhooks by route and outcome, signature failures, the backlog, reply latency, failures by error
        code, the review queue and declarations by channel all move in one scrape after another."""
        before = scrape(scraper)
        sms(scraper, "登记 张三 350102199001011238 301", LANDLORD)
        sms(scraper, "garbage that is no command", LANDLORD)
        scraper.post("/sms", data={"MessageSid": "SMforged", "From": LANDLORD, "Body": "x"})
        waiting = scrape(scraper)
        assert value(waiting, "declgate_inbound_waiting") == 2
        assert value(waiting, "declgate_inbound_oldest_waiting_seconds") >= 0
        drain(enrolled)
        sid = runtime.current().sender._client.http_client.messages[0]["sid"]
        params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30005"}
        assert signed_post(scraper, "/sms/status", params).status_code == 200
        after = scrape(scraper)

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("declgate_webhooks_total", route="/sms", outcome="200") == 2
        assert moved("declgate_webhooks_total", route="/sms", outcome="403") == 1
        assert moved("declgate_signature_failures_total", route="/sms") == 1
        assert moved("declgate_webhooks_total", route="/sms/status", outcome="200") == 1
        assert moved("declgate_delivery_failures_total", error_code="30005") == 1
        assert moved("declgate_reply_latency_seconds_count", stage="recorded") == 2
        assert moved("declgate_reply_latency_seconds_count", stage="queued") == 2
        assert moved("declgate_job_duration_seconds_count", job="drain") >= 1
        assert value(after, "declgate_inbound_waiting") == 0
        assert value(after, "declgate_declarations_total", channel="sms") == 1
        assert sum(v for (name, _), v in after.items() if name == "declgate_review_queue") == 1
        assert value(after, "declgate_outbound_last_day", status="undelivered") == 1
        assert value(after, "declgate_outbound_last_day", status="queued") == 1


class TestReadiness:
    def test_ready_once_a_worker_has_swept(self, client, rt):
        """Migrated and Redis answering, but no worker seen: 503 saying so; after a heartbeat, 200."""
        from gateway.telemetry import heartbeat

        response = client.get("/readyz")
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["database"]["ok"] and checks["redis"]["ok"] and not checks["worker"]["ok"]
        heartbeat.beat(runtime.current().redis, rt.settings.queue_name, "test-worker")
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.get_json()["status"] == "ready"

    def test_a_database_behind_its_migrations_is_not_ready(self, client, rt, monkeypatch):
        """A database at an older revision than the code's head: 503, naming `declgate db upgrade`."""
        from gateway.telemetry import heartbeat
        from gateway.web import health

        heartbeat.beat(runtime.current().redis, rt.settings.queue_name, "test-worker")
        monkeypatch.setattr(health, "_code_heads", lambda: frozenset({"9999_not_yet"}))
        response = client.get("/readyz")
        assert response.status_code == 503
        assert re.search("db upgrade", response.get_json()["checks"]["database"]["error"])
