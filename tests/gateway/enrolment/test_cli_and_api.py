"""`declgate enrolment …` and `POST /api/v1/enrolments`: the same requests and decisions as SMS and the page."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import cli
from gateway.pipeline import queue
from store import enrolment_requests
from store.models import AuditEntry, EnrolmentRequest, InboundMessage, Property
from tests.constants import ID_A, ID_B, ID_BAD_CHECK, KEY_ENV, STRANGER
from tests.gateway.enrolment.test_sms_and_officers import enrol_sms, requests_of, sent_to
from tests.support import drain, login, reply_to, texted


@pytest.fixture
def run(settings, people):
    env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
           "SECRET_KEY": "x", "REDIS_URL": settings.redis_url or "", "DECLGATE_QUEUE": settings.queue_name, **KEY_ENV}

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return invoke


class TestCli:
    def test_list_approve_and_the_outbox(self, run, ui, people):
        held = texted(ui, people, f"登记 张三 {ID_A} 301", STRANGER)
        enrol_sms(ui, people)
        [request] = requests_of(people, STRANGER)
        listed = run("enrolment", "list", "--json")
        assert listed.exit_code == 0
        [shown] = [json.loads(line) for line in listed.output.splitlines()]
        assert (shown["id"], shown["phone"], shown["document"], shown["suggested_precinct"]) == \
            (request.id, STRANGER, "1101**********4477", "GL01")
        assert ID_B not in run("enrolment", "list").output

        approved = run("enrolment", "approve", str(request.id), "--precinct", "GL01")
        assert approved.exit_code == 0, approved.output
        assert "property 200002" in approved.output and "1 earlier message" in approved.output
        queue.requeue(people, dt.timedelta(0))  # a running worker's sweep picks up what the command queued
        drain(people)
        outbox = run("outbox", "--to", STRANGER, "--json")
        purposes = [json.loads(line)["purpose"] for line in outbox.output.splitlines()]
        assert "enrolment_decision" in purposes
        with people.sessions() as session:
            copy = session.scalar(select(InboundMessage).where(InboundMessage.edited_from_id == held))
            assert session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment_approve")).officer_id is None
        assert "回执" in reply_to(people, copy.provider_sid)[0]

    def test_reject_and_the_errors_say_what_next(self, run, ui, people):
        enrol_sms(ui, people)
        [request] = requests_of(people, STRANGER)
        missing = run("enrolment", "approve", "999", "--precinct", "GL01")
        assert missing.exit_code != 0 and "declgate enrolment list" in missing.output
        taken = run("enrolment", "approve", str(request.id), "--precinct", "GL01", "--property-code", "100001")
        assert taken.exit_code != 0 and "already enrolled" in taken.output and "nothing was enrolled" in taken.output
        rejected = run("enrolment", "reject", str(request.id), "--reason", "请到派出所核实")
        assert rejected.exit_code == 0, rejected.output
        assert sent_to(people, STRANGER, "enrolment_decision") == ["房东注册未通过：请到派出所核实。如有疑问请联系辖区派出所。"]
        again = run("enrolment", "reject", str(request.id), "--reason", "x")
        assert again.exit_code != 0 and "already rejected" in again.output
        assert run("enrolment", "list").output.strip() == "no enrolment request is waiting"


def enrol_api(client, phone: str = "13700000000", address: str = "鼓楼区东街14号", number: str = ID_B, **headers):
    return client.post("/api/v1/enrolments", json={"phone": phone, "name": "王房东", "document_number": number,
                                                   "address": address}, headers=headers)


class TestApi:
    def test_enrolment_is_pending_and_decided_like_an_sms_one(self, ui, people):
        response = enrol_api(ui)
        assert response.status_code == 202, response.get_data(as_text=True)
        body = response.get_json()
        assert (body["status"], body["created"], body["codes"][0]["code"]) == ("pending", True, "enrolment_pending")
        [request] = requests_of(people, STRANGER)
        assert (request.channel, request.suggested_precinct.code) == ("web", "GL01")
        assert enrol_api(ui).get_json()["created"] is False  # the same request again stores nothing
        assert len(requests_of(people, STRANGER)) == 1

    def test_bad_fields_are_problems_with_the_sms_codes(self, ui, people):
        response = enrol_api(ui, number=ID_BAD_CHECK)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        [problem] = response.get_json()["codes"]
        assert (problem["code"], problem["field"]) == ("id_checksum", "document_number")
        assert ID_BAD_CHECK not in response.get_data(as_text=True)
        assert enrol_api(ui, phone="12").status_code == 422
        assert requests_of(people, STRANGER) == []

    def test_limited_per_phone(self, ui, people):
        """A phone may ask PER_PHONE times an hour (different addresses); then 429 and nothing is stored."""
        for n in range(enrolment_requests.PER_PHONE):
            assert enrol_api(ui, address=f"晋安区新店镇{n}号").status_code == 202
        refused = enrol_api(ui, address="晋安区新店镇99号")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
        assert len(requests_of(people, STRANGER)) == enrolment_requests.PER_PHONE

    def test_limited_per_client_address(self, ui, people):
        """One client trying many phones is stopped after PER_ADDRESS requests an hour."""
        for n in range(enrolment_requests.PER_ADDRESS):
            assert enrol_api(ui, phone=f"1370000{n:04d}", address=f"晋安区{n}号").status_code == 202
        assert enrol_api(ui, phone="13711110000", address="晋安区99号").status_code == 429
        with people.sessions() as session:
            assert len(list(session.scalars(select(EnrolmentRequest)))) == enrolment_requests.PER_ADDRESS

    def test_idempotency_key_replays_the_answer(self, ui, people):
        first = enrol_api(ui, **{"Idempotency-Key": "k1"})
        second = enrol_api(ui, **{"Idempotency-Key": "k1"})
        assert second.headers.get("Idempotent-Replayed") == "true"
        assert second.get_json() == first.get_json()

    def test_approved_web_request_lets_the_landlord_log_in(self, ui, people):
        enrol_api(ui)
        [request] = requests_of(people, STRANGER)
        login(ui, "a")
        assert ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "100003"}).status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "100003")).landlord.phone == STRANGER
        assert ui.post("/api/v1/login/code", json={"phone": STRANGER}).status_code == 202
        assert sent_to(people, STRANGER, "login_code")  # now a landlord: the code is texted
