"""`declgate export` and `declgate outbox`: what an operator reads out of the database."""
from __future__ import annotations

import json

import pytest

from tests.constants import ID_A, LANDLORD
from tests.support import drain, sms


class TestExportAndOutbox:
    @pytest.fixture
    def declared(self, run, rt, client):
        run("landlord", "add", "--phone", "13800138000", "--name", "陈", "--property-code", "100001",
            "--address", "东街12号", "--precinct", "GL01")
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(rt)
        return rt

    def test_export_masks_ids_by_default(self, run, declared):
        """JSON export carries every contract field with the ID masked; --unmasked shows it."""
        masked = run("export", "--format", "json")
        [row] = [json.loads(line) for line in masked.stdout.splitlines()]
        assert row["document_number"] == "3501**********1238" and ID_A not in masked.output
        assert "1 of 1 rows" in masked.stderr  # progress goes to stderr, never into the file
        assert row["status"] == "active" and row["channel"] == "sms" and row["property_code"] == "100001"
        assert set(row) >= {"receipt", "status", "name", "document_type", "document_number", "property_code",
                            "room", "move_in", "move_out", "channel", "declared_at", "late"}
        full = run("export", "--format", "json", "--unmasked")
        assert ID_A in full.output

    def test_export_csv_has_a_header(self, run, declared):
        """CSV export starts with the field names."""
        result = run("export")
        assert result.stdout.splitlines()[0].startswith("kind,receipt,status,name")

    def test_outbox_lists_replies_as_json_lines(self, run, declared):
        """`outbox --json` prints the reply with its recipient and the inbound it answers."""
        result = run("outbox", "--json")
        [msg] = [json.loads(line) for line in result.output.splitlines()]
        assert msg["to"] == LANDLORD and msg["in_reply_to"] is not None and "回执" in msg["body"]


class TestExportTokens:
    def test_create_prints_the_token_once_and_keeps_only_its_hash(self, run, rt, city):
        from sqlalchemy import select

        from store.models import ExportToken

        made = run("export-token", "create", "--unit", "K1")
        token = made.stdout.splitlines()[-1]
        assert made.exit_code == 0 and token.startswith("dgx_")
        with rt.sessions() as session:
            [row] = session.scalars(select(ExportToken))
            assert token not in (row.token_hash, str(row.id)) and row.unmasked is False
        assert token not in run("export-token", "list").stdout
        assert run("export-token", "create", "--unit", "NOPE").exit_code != 0

    def test_revoke_ends_it_and_says_so_again(self, run, rt, city, client):
        token = run("export-token", "create", "--unit", "K2").stdout.splitlines()[-1]
        assert client.get("/api/v1/export", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert run("export-token", "revoke", "1").exit_code == 0
        assert client.get("/api/v1/export", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert run("export-token", "revoke", "1").exit_code != 0
        assert "revoked" in run("export-token", "list").stdout

    def test_export_of_one_unit_and_a_bad_since(self, run, city):
        rows = [json.loads(line) for line in run("export", "--format", "json", "--unit", "K3").stdout.splitlines()]
        assert rows and {r["county"] for r in rows} == {"K3"}
        assert run("export", "--since", "last tuesday").exit_code == 2
