"""`declgate`: a command run as an operator would from a shell, with this test's database in the environment."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from tests.constants import KEY_ENV


@pytest.fixture
def declgate(settings, monkeypatch):
    """Run a `declgate` command against this test's database, as an operator would from a shell."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for name, value in KEY_ENV.items():
        monkeypatch.setenv(name, value)
    if settings.redis_url:
        monkeypatch.setenv("REDIS_URL", settings.redis_url)
    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)
