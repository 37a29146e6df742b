"""The phone simulator: only in demo mode, and its SMS and calls go through the signed webhooks."""
from __future__ import annotations

import re
import time

import pytest

from gateway.app import create_app
from gateway.demo import DEMO_LANDLORD, seed
from gateway.worker import start_embedded_worker
from tests.constants import ID_A, TENANT


@pytest.fixture
def demo_app(settings, rt):
    demo_settings = settings.with_(demo=True)
    rt.settings = demo_settings
    app = create_app(demo_settings, rt=rt)
    seed(rt)
    stop = start_embedded_worker(rt)
    yield app
    stop.set()


def csrf(client) -> str:
    page = client.get("/dev/phone")
    assert page.status_code == 200
    return re.search(r'"csrf": "([^"]+)"', page.get_data(as_text=True)).group(1)


class TestSimulator:
    def test_absent_without_demo(self, client):
        """Outside --demo the simulator does not exist."""
        assert client.get("/dev/phone").status_code == 404

    def test_sms_round_trip(self, demo_app):
        """An SMS typed in the simulator is stored by the real webhook and its reply comes back."""
        client = demo_app.test_client()
        token = csrf(client)
        response = client.post("/dev/phone/sms", json={"from": DEMO_LANDLORD,
                                                       "body": f"登记 张三 {ID_A} 301 @东街"},
                               headers={"X-CSRFToken": token})
        data = response.get_json()
        assert data["status"] == 200
        assert "3501**********1238" in data["reply"]

    def test_sms_without_csrf_token_is_refused(self, demo_app):
        """The simulator's endpoints are forms like any other: no CSRF token, no request."""
        client = demo_app.test_client()
        response = client.post("/dev/phone/sms", json={"from": DEMO_LANDLORD, "body": "LIST"})
        assert response.status_code == 400

    def test_call_round_trip(self, demo_app):
        """A call placed in the simulator hears the welcome and moves on with key presses."""
        client = demo_app.test_client()
        token = csrf(client)
        first = client.post("/dev/phone/voice", json={"from": TENANT, "path": "/voice"},
                            headers={"X-CSRFToken": token}).get_json()
        assert first["said"] and first["waits"] == "keys"
        second = client.post("/dev/phone/voice", json={"from": TENANT, "call_sid": first["call_sid"],
                                                       "path": first["next_path"], "digits": "2"},
                             headers={"X-CSRFToken": token}).get_json()
        assert 'language="en-US"' in second["twiml"]
        assert second["next_path"] != first["next_path"]

    def test_only_voice_paths_can_be_posted(self, demo_app):
        """The simulator will not forward to arbitrary paths of the app."""
        client = demo_app.test_client()
        token = csrf(client)
        response = client.post("/dev/phone/voice", json={"path": "/review/1/reject"},
                               headers={"X-CSRFToken": token})
        assert response.status_code == 400


class TestDemoLogins:
    def test_the_same_demo_store_keeps_its_passwords(self, settings, rt):
        """Seeding the demo again (a restart on the same database and keys) prints the same, working logins."""
        demo_settings = settings.with_(demo=True)
        rt.settings = demo_settings
        first, again = seed(rt), seed(rt)
        assert first == again
        client = create_app(demo_settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
        response = client.post("/login", data={"username": "chief", "password": first["chief"]})
        assert response.status_code == 302


class TestThread:
    def test_shows_what_the_gateway_sent_to_the_number_newest_last(self, demo_app):
        """The thread holds the number's SMS and every message sent to it, oldest first, IDs masked."""
        client = demo_app.test_client()
        token = csrf(client)
        client.post("/dev/phone/sms", json={"from": DEMO_LANDLORD, "body": f"登记 张三 {ID_A} 301 @东街"},
                    headers={"X-CSRFToken": token})
        messages = client.get("/dev/phone/thread", query_string={"number": DEMO_LANDLORD}).get_json()["messages"]
        assert [m["out"] for m in messages] == [True, False]
        assert ID_A not in messages[0]["body"] and messages[1]["body"].startswith("已登记")


class TestDemoCarrier:
    def test_a_demo_runtime_hands_replies_to_the_simulated_carrier(self, settings):
        from gateway.outbound import SimulatedCarrier
        from gateway.runtime import build_runtime

        demo = build_runtime(settings.with_(demo=True))
        try:
            assert isinstance(demo.sender, SimulatedCarrier) and demo.sender.reports_delivery
        finally:
            demo.dispose()

    def test_the_handset_reports_delivery_through_the_signed_receipt_webhook(self, demo_app, rt):
        """In the demo a reply is handed to the carrier (`queued`), and once the simulated phone shows it the
        receipts Twilio would send move it to `delivered`, attempt and metrics included."""
        from sqlalchemy import select

        from gateway import runtime
        from gateway.outbound import SimulatedCarrier
        from store.models import DeliveryAttempt, OutboundMessage

        runtime.current().sender = SimulatedCarrier()  # what `serve --demo` builds (the app runs on a copy of rt)
        client = demo_app.test_client()
        client.post("/dev/phone/sms", json={"from": DEMO_LANDLORD, "body": "HELP"},
                    headers={"X-CSRFToken": csrf(client)})
        deadline = time.monotonic() + 20  # the worker sends it just after its commit
        while True:
            with rt.sessions() as session:
                reply = session.scalar(select(OutboundMessage).where(OutboundMessage.to_number == DEMO_LANDLORD))
            if reply.status not in ("pending", "sending") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert reply.status == "queued" and reply.provider_sid.startswith("SM")
        client.get("/dev/phone/thread", query_string={"number": DEMO_LANDLORD})
        with rt.sessions() as session:
            assert session.scalar(select(OutboundMessage.status).where(OutboundMessage.id == reply.id)) == "delivered"
            assert session.scalar(select(DeliveryAttempt.status)
                                  .where(DeliveryAttempt.provider_sid == reply.provider_sid)) == "delivered"


def test_worker_started_while_redis_is_away_answers_once_it_is_back(settings, rt, monkeypatch):
    """`declgate serve` with Redis unreachable at start keeps its worker: the reply comes once Redis answers."""
    import redis

    from gateway import worker as worker_module

    real, refused = worker_module.ThreadWorker, []

    def flaky(*args, **kwargs):
        if len(refused) < 2:
            refused.append(1)
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
        return real(*args, **kwargs)

    monkeypatch.setattr(worker_module, "ThreadWorker", flaky)
    demo_settings = settings.with_(demo=True)
    rt.settings = demo_settings
    app = create_app(demo_settings, rt=rt)
    seed(rt)
    stop = start_embedded_worker(rt)
    try:
        client = app.test_client()
        response = client.post("/dev/phone/sms", json={"from": DEMO_LANDLORD, "body": "HELP"},
                               headers={"X-CSRFToken": csrf(client)})
        assert len(refused) == 2
        assert response.get_json()["reply"]
    finally:
        stop.set()
