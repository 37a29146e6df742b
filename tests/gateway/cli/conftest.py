"""`run`: the `declgate` command line against the test's own database and queue."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from tests.constants import KEY_ENV


@pytest.fixture
def run(settings, rt):
    """Invoke the CLI with the test database (and Redis) in its environment."""
    env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
           "SECRET_KEY": "x", "REDIS_URL": settings.redis_url or "", "DECLGATE_QUEUE": settings.queue_name, **KEY_ENV}

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke
