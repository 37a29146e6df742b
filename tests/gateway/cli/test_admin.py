"""`declgate keys …`: the keys that seal IDs at rest, made and checked before anything starts."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from tests.constants import KEY_ENV


class TestKeys:
    def test_generate_prints_keys_the_gateway_accepts(self):
        """`keys generate` prints a DATA_KEYS and a BLIND_INDEX_KEY line that Settings takes as they are."""
        from gateway.settings import Settings

        result = CliRunner().invoke(cli, ["keys", "generate"])
        lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
        assert set(lines) == {"DATA_KEYS", "BLIND_INDEX_KEY"}
        Settings(data_keys=(lines["DATA_KEYS"],), blind_index_key=lines["BLIND_INDEX_KEY"]).keyring()

    @pytest.mark.parametrize("missing", ["DATA_KEYS", "BLIND_INDEX_KEY"])
    def test_serve_refuses_to_start_without_keys(self, settings, missing):
        """Outside --demo a missing key stops `serve` with a message that says how to make one."""
        env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV,
               missing: ""}
        result = CliRunner().invoke(cli, ["serve"], env=env)
        assert result.exit_code != 0
        assert f"{missing} is not set" in result.output and "declgate keys generate" in result.output

    def test_the_demo_keeps_its_keys_beside_its_database(self, tmp_path):
        """The demo's keys are made once and read back on the next start, readable by their owner only."""
        from gateway.settings import demo_keys

        first, second = demo_keys(tmp_path / "demo-keys.json"), demo_keys(tmp_path / "demo-keys.json")
        assert first == second and (tmp_path / "demo-keys.json").stat().st_mode & 0o077 == 0


def test_db_upgrade_beside_the_demo_uses_the_demo_keys(tmp_path, monkeypatch):
    """`declgate db upgrade` in the demo's folder opens its database with its keys, as `outbox` does."""
    from gateway.settings import demo_keys

    monkeypatch.chdir(tmp_path)
    demo_keys(tmp_path / "instance" / "demo-keys.json")
    env = {"DATABASE_URL": None, "DATA_KEYS": None, "BLIND_INDEX_KEY": None, "DECLGATE_INSTANCE": None}
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0 and "is up to date" in result.output, result.output


def test_every_command_has_a_whole_summary_in_help():
    """`declgate --help` lists each command with a summary click did not cut at an abbreviation's dot."""
    result = CliRunner().invoke(cli, ["--help"])
    assert "Art." not in result.output and "Article 57 actions" in result.output
