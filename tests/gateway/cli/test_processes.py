"""`declgate requeue` and `declgate serve`: the processes an operator starts, and what they refuse."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from tests.constants import ID_A, KEY_ENV, LANDLORD
from tests.support import drain, inbound, sms


class TestRequeue:
    def test_requeue_queues_what_no_worker_handled(self, run, rt, client, backend):
        """A message stored while the queue lost it is queued again by `requeue` and then processed."""
        if backend == "sqlite":
            result = run("requeue")
            assert result.exit_code != 0 and "REDIS_URL" in result.output
            return
        run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "100001",
            "--address", "东街12号", "--precinct", "GL01")
        response = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        rt.queue.empty()  # the drain job is gone (its flag is still up, as if a live drain held it)
        drain(rt)
        result = run("requeue")
        assert "requeued 1" in result.output
        drain(rt)
        assert inbound(rt, response.sid).status == "processed"


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """Invoke `declgate serve` on a scratch SQLite file, recording the app it would run instead of running it."""
    from flask import Flask

    from gateway import heap, worker

    started: list[tuple[Flask, dict]] = []
    monkeypatch.setattr(Flask, "run", lambda app, **kwargs: started.append((app, kwargs)))
    monkeypatch.setattr(heap, "freeze_startup", lambda: None)  # it would keep every test's runtime alive
    monkeypatch.setattr(worker, "start_embedded_worker", lambda rt: None)
    monkeypatch.chdir(tmp_path)  # no .env
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}", "REDIS_URL": None, "PUBLIC_BASE_URL": None,
           "SECRET_KEY": None, "TWILIO_AUTH_TOKEN": None, "TWILIO_ACCOUNT_SID": None}

    def invoke(*args: str, **extra_env: str):
        return CliRunner().invoke(cli, ["serve", *args], env={**env, **extra_env}), started
    return invoke


class TestServe:
    def test_demo_refuses_a_public_address(self, serve):
        """`serve --demo --host 0.0.0.0` stops before starting, saying why and how to proceed."""
        result, started = serve("--demo", "--host", "0.0.0.0")
        assert result.exit_code != 0 and started == []
        assert "loopback only" in result.output and "--expose-demo" in result.output

    @pytest.mark.parametrize("host", ["192.168.1.10", "declgate.example.org", "::"])
    def test_demo_refuses_any_non_loopback_host(self, serve, host):
        """An address or a name that is not loopback is refused the same way."""
        result, started = serve("--demo", "--host", host)
        assert result.exit_code != 0 and started == []

    def test_demo_on_loopback_starts_with_a_fresh_secret(self, serve):
        """On loopback the demo starts; each start signs sessions with a new random key and checks webhook
        signatures against its own address."""
        first, started = serve("--demo", "--port", "5055")
        second, _ = serve("--demo", "--host", "::1", "--port", "5055")
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
        (app1, kwargs1), (app2, _) = started
        assert kwargs1["host"] == "127.0.0.1"
        assert app1.config["SECRET_KEY"] != app2.config["SECRET_KEY"]
        assert app1.config["SECRET_KEY"] != "demo-secret-key-not-secret"
        assert app1.extensions["declgate"].settings.public_base_url == "http://127.0.0.1:5055"
        assert app2.extensions["declgate"].settings.public_base_url == "http://[::1]:5055"

    def test_expose_demo_starts_with_a_warning(self, serve):
        """--expose-demo is the documented way past the refusal, and says loudly what it means."""
        result, started = serve("--demo", "--host", "0.0.0.0", "--expose-demo")
        assert result.exit_code == 0, result.output
        assert started and started[0][1]["host"] == "0.0.0.0"
        assert "WARNING: the demo is reachable from other machines" in result.output

    def test_production_needs_a_public_url(self, serve):
        """Outside demo, a missing PUBLIC_BASE_URL stops the start with the setting's name and an example."""
        result, started = serve(TWILIO_AUTH_TOKEN="t", SECRET_KEY="s", **KEY_ENV)
        assert result.exit_code != 0 and started == []
        assert "PUBLIC_BASE_URL is not set" in result.output

    def test_a_database_that_does_not_answer_is_one_line_saying_what_to_check(self, serve):
        """A DATABASE_URL pointing at a closed port ends with the URL (password hidden) and what to check."""
        result, started = serve("--demo", DATABASE_URL="postgresql://u:secret@127.0.0.1:1/declgate")
        assert result.exit_code == 1 and started == []
        assert "Traceback" not in result.output and "secret" not in result.output
        assert "postgresql://***@127.0.0.1:1/declgate does not answer" in result.output
        assert "Check DATABASE_URL" in result.output
