"""Full ID numbers never leave the database: not in logs, replies, exports or error pages."""
from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway.cli import cli
from store.enrolment import Enrolment, enrol
from store.models import Declaration, OutboundMessage
from tests.constants import ID_A, ID_B, ID_C, KEY_ENV, LANDLORD
from tests.fault import stack as st
from tests.support import drain, signed_post, sms

VALID = [ID_A, ID_B, ID_C]
BAD_CHECKSUM = "350102199001011230"
EVERY_ID = VALID + [BAD_CHECKSUM]


def flow(client, rt) -> None:
    """Declare, fail a checksum, move out, cancel; every step's reply is sent."""
    sms(client, f"登记 张三 {VALID[0]} 301", LANDLORD)
    sms(client, f"登记 李四 {VALID[1]} 302\n王五 {VALID[2]} 303", LANDLORD)
    sms(client, f"登记 赵六 {BAD_CHECKSUM} 304", LANDLORD)
    drain(rt)
    sms(client, f"退租 {VALID[0]}", LANDLORD)
    with rt.sessions() as session:
        receipt = session.scalar(select(Declaration.receipt).where(Declaration.room == "302"))
    sms(client, f"撤销 {receipt}", LANDLORD)
    sms(client, "LIST", LANDLORD)
    drain(rt)


def leaks(text: str) -> list[str]:
    return [number for number in EVERY_ID if number in text or number.lower() in text]


class TestNoFullIdsInProcess:
    def test_logs_replies_and_error_pages_carry_no_full_id(self, client, enrolled, caplog):
        """A whole flow logged at DEBUG leaves no full ID in any log record, reply or error page."""
        caplog.set_level(logging.DEBUG)
        flow(client, enrolled)
        bad = signed_post(client, "/sms", {"MessageSid": "SMbad", "From": LANDLORD, "Body": "x" * 7000 + VALID[0]})
        forged = client.post("/sms", data={"MessageSid": "SMf", "From": LANDLORD, "Body": VALID[1]})
        missing = client.get(f"/no-such-page/{VALID[2]}")
        with enrolled.sessions() as session:
            replies = list(session.scalars(select(OutboundMessage.body)))

        assert len(replies) == 6
        assert leaks("\n".join(replies)) == []
        assert leaks("\n".join(r.getMessage() for r in caplog.records)) == []
        assert caplog.records, "nothing was logged: the check above would prove nothing"
        for response in (bad, forged, missing):
            assert 400 <= response.status_code < 500
            assert leaks(response.get_data(as_text=True)) == []

    def test_a_database_error_carries_none_of_its_values(self, enrolled):
        """A failed statement's text is what RQ keeps in Redis for a week with a failed job, and what a
        logged traceback shows: the values bound to it (a name or a household address typed with an ID)
        must not be in it."""
        for engine in (enrolled.engine, enrolled.intake_engine):
            with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
                connection.execute(text("SELECT :hukou FROM no_such_table"), {"hukou": f"户籍东街 {VALID[0]}"})
            assert leaks(str(failed.value)) == [] and "hide_parameters=True" in str(failed.value)

    def test_json_log_lines_carry_ids_to_follow_and_no_full_id(self, client, enrolled):
        """With LOG_FORMAT=json every line is a JSON object; a webhook's lines name its request id and the
        message's provider SID; none holds a full ID number."""
        import io

        from gateway.telemetry.logs import JsonFormatter

        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.addHandler(handler)
        old_level, root.level = root.level, logging.DEBUG
        try:
            flow(client, enrolled)
            signed_post(client, "/sms", {"MessageSid": "SMbad", "From": LANDLORD, "Body": "x" * 7000 + VALID[0]})
            client.post("/sms", data={"MessageSid": "SMforged", "From": LANDLORD, "Body": VALID[1]},
                        headers={"X-Request-Id": "req-forged-1"})
        finally:
            root.removeHandler(handler)
            root.level = old_level
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]

        assert lines and leaks(stream.getvalue()) == []
        assert all({"ts", "level", "logger", "msg"} <= set(line) for line in lines)
        forged = [line for line in lines if "bad signature" in line["msg"]]
        assert forged and forged[0]["request_id"] == "req-forged-1" and forged[0]["provider_sid"] == "SMforged"
        woken = [line for line in lines if line["logger"] == "rq.queue"]  # a webhook queueing the drain job
        assert woken and all(line["provider_sid"].startswith("SM") and line["request_id"] for line in woken)

    def test_export_masks_by_default_and_unmasked_shows(self, client, enrolled, settings):
        """`declgate export` masks every ID unless --unmasked is given."""
        flow(client, enrolled)
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
               "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV}
        masked = CliRunner().invoke(cli, ["export"], env=env)
        as_json = CliRunner().invoke(cli, ["export", "--format", "json"], env=env)
        unmasked = CliRunner().invoke(cli, ["export", "--unmasked"], env=env)

        assert masked.exit_code == 0 and as_json.exit_code == 0 and unmasked.exit_code == 0
        # `output` is everything printed, the progress on stderr too: none of it may leak.
        assert leaks(masked.output) == [] and leaks(as_json.output) == []
        assert len(re.findall(r"\d{4}\*{10}\d{3}[\dX]", masked.stdout)) == 3
        assert [json.loads(line)["document_number"][:4] for line in as_json.stdout.splitlines()] == \
            [n[:4] for n in VALID]
        assert set(leaks(unmasked.stdout)) == set(VALID)


@pytest.mark.fault  # starts gunicorn and a worker on the real servers (the `stack` fixture marks it too)
class TestNoFullIdsInProcessOutput:
    def test_gunicorn_and_worker_output_at_debug_carries_no_full_id(self, stack, fault_engine):
        """gunicorn at --log-level debug and a `declgate worker` print no full ID through a whole flow."""
        with st.make_sessionmaker(fault_engine).begin() as session:
            enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                     precinct="GL01"))
        stack.extra_env["LOG_LEVEL"] = "DEBUG"
        port = stack.start_web(log_level="debug")
        stack.start_worker()
        for body in (f"登记 张三 {VALID[0]} 301", f"登记 李四 {VALID[1]} 302\n王五 {VALID[2]} 303",
                     f"登记 赵六 {BAD_CHECKSUM} 304"):
            assert stack.post_sms(port, body, LANDLORD).status == 200
        st.settle(fault_engine, 3)
        assert stack.post_sms(port, f"退租 {VALID[0]}", LANDLORD).status == 200
        with st.make_sessionmaker(fault_engine)() as session:
            receipt = session.scalar(select(Declaration.receipt).where(Declaration.room == "302"))
        assert stack.post_sms(port, f"撤销 {receipt}", LANDLORD).status == 200
        st.settle(fault_engine, 5)
        export = stack.cli("export")
        logs = stack.logs()

        assert export.returncode == 0 and leaks(export.stdout) == []
        assert "POST /sms" in logs and "drain" in logs  # the worker's lines are there: one drain job per burst
        assert leaks(logs) == []
