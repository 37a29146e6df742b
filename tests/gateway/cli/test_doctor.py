"""`declgate doctor` and `declgate twilio configure`, with Twilio's API behind a fake HTTP layer."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from gateway import outbound
from gateway.cli import cli, doctor
from gateway.telemetry import heartbeat
from tests.constants import KEY_ENV
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, NUMBER, PN_SID, FakeTwilio

GOOD_SECRET = "k3J9-vQ2x_Lm8RtZp4WcYb7NhF1sDgE6uA0"
BASE = "https://declgate.example.org"


@pytest.fixture
def fake(monkeypatch):
    twilio = FakeTwilio()
    monkeypatch.setattr(outbound, "twilio_http_client", lambda: twilio)
    return twilio


@pytest.fixture
def declgate(settings, rt, monkeypatch):
    """Run a command with a production-like environment on the test's database and Redis."""
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
           "DECLGATE_QUEUE": settings.queue_name, "SECRET_KEY": GOOD_SECRET, "PUBLIC_BASE_URL": BASE,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_NUMBER": NUMBER,
           "METRICS_TOKEN": "t", "RETENTION_DAYS": "730", **KEY_ENV}

    def run(*args, **changes):
        return CliRunner().invoke(cli, list(args), env={**env, **changes}, catch_exceptions=False)
    return run


class TestTwilioConfigure:
    def test_sets_the_numbers_webhooks_from_the_public_url(self, declgate, fake):
        """SMS, voice and status-callback URLs are set through the REST API, with the connection overrides."""
        result = declgate("twilio", "configure", "--number", NUMBER)
        assert result.exit_code == 0, result.output
        number = fake.numbers[PN_SID]
        assert number["sms_url"] == f"{BASE}/sms#ct=2000&rt=6000&tt=15000&rc=2&rp=ct,rt,5xx"
        assert number["voice_url"].startswith(f"{BASE}/voice#") and number["sms_method"] == "POST"
        assert number["status_callback"] == f"{BASE}/voice/status"

    def test_a_number_not_on_the_account_is_named(self, declgate, fake):
        result = declgate("twilio", "configure", "--number", "+8610000000")
        assert result.exit_code == 1 and "+8610000000 is not a number of Twilio account" in result.output


@pytest.mark.redis  # the worker's heartbeat lives in a real Redis: doctor runs in a process of its own
# Doctor reads the heartbeat a worker stamps in the real Redis; the embedded one lives inside `serve`.
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis])],
                         indirect=True)
class TestDoctor:
    def test_green_once_configured_with_a_worker_seen(self, declgate, fake, rt, backend):
        """Every setting right, migrated, Redis and a worker there, the number pointing here: exit 0."""
        assert declgate("twilio", "configure", "--number", NUMBER).exit_code == 0
        heartbeat.beat(rt.redis, rt.settings.queue_name, "w1")
        result = declgate("doctor")
        assert result.exit_code == 0, result.output
        assert "0 error(s)" in result.output and "ERROR" not in result.output

    def test_offline_skips_twilio_with_a_note(self, declgate, fake, rt, backend):
        """Twilio unreachable: its checks are skipped, not failed."""
        heartbeat.beat(rt.redis, rt.settings.queue_name, "w1")
        fake.offline = True
        result = declgate("doctor")
        assert result.exit_code == 0, result.output
        assert "SKIP  twilio: cannot reach Twilio" in result.output

    def test_every_problem_is_named_with_its_fix(self, declgate, fake, rt, backend):
        """A weak key, plain http, rejected credentials, no worker: each an error with a fix; exit 1."""
        result = declgate("doctor", SECRET_KEY="short", PUBLIC_BASE_URL="http://declgate.example.org",
                          TWILIO_AUTH_TOKEN="wrong")
        assert result.exit_code == 1
        out = result.output
        assert "ERROR SECRET_KEY: weak" in out and "ERROR PUBLIC_BASE_URL: http://declgate.example.org is not https" in out
        assert "ERROR twilio: credentials rejected" in out and "ERROR worker: no worker ever seen" in out
        assert out.count("fix:") >= 4

    def test_postgresqls_autovacuum_setting_is_reported(self, declgate, fake, rt, backend):
        """Whatever this server runs with, doctor says so: a warning with its fix when off."""
        heartbeat.beat(rt.redis, rt.settings.queue_name, "w1")
        with rt.engine.connect() as conn:
            setting = conn.scalar(text("SHOW autovacuum"))
        result = declgate("doctor", "--offline")
        assert result.exit_code == 0, result.output
        if setting == "on":
            assert "OK    autovacuum: on" in result.output
        else:
            assert f"WARN  autovacuum: {setting}" in result.output and "ANALYZE" in result.output

    def test_the_number_pointing_elsewhere_is_an_error(self, declgate, fake, rt, backend):
        heartbeat.beat(rt.redis, rt.settings.queue_name, "w1")
        fake.numbers[PN_SID]["sms_url"] = "https://old.example.org/sms"
        result = declgate("doctor")
        assert result.exit_code == 1 and f"declgate twilio configure --number {NUMBER}" in result.output


class TestAutovacuumFinding:
    def test_off_is_a_warning_that_says_how_to_fix_it(self):
        finding = doctor.autovacuum_finding("off")
        assert finding.level == doctor.WARN and "autovacuum = on" in finding.fix and "ANALYZE" in finding.fix

    def test_on_is_fine(self):
        assert doctor.autovacuum_finding("on").level == doctor.OK


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestDoctorOnSQLite:
    def test_the_embedded_store_is_named_and_the_migrations_checked(self, declgate, fake, backend):
        """On SQLite without Redis: warnings for both, the worker check skipped, no error."""
        result = declgate("doctor", "--offline")
        assert result.exit_code == 0, result.output
        assert "WARN  DATABASE_URL" in result.output and "WARN  REDIS_URL" in result.output
        assert "OK    database:" in result.output and "answers, migrated to" in result.output
        assert "autovacuum" not in result.output  # a PostgreSQL setting: SQLite has none
