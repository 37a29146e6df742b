"""GET /api/v1/export: a unit's rows for the platform's nightly pull. ATTACKS: no token, a landlord's API token
and a revoked export token are each refused 401; a county's token never sees another county's rows."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from store import export_tokens
from store.models import Declaration, Landlord, Person
from tests.gateway.api.helpers import log_in
from tests.support import audit_actions

K1_ROWS = 8 + 9 + 8 + 7 + 4 * 2  # tests/city.py: S11–S14's residents and their pending and disputed rows


def token_for(rt, unit: str, *, unmasked: bool = False) -> tuple[str, int]:
    with rt.sessions.begin() as s:
        token, row = export_tokens.create(s, unit, unmasked=unmasked)
        return token, row.id


def pull(client, token: str | None, query: str = ""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/api/v1/export" + query, headers=headers)
    lines = response.get_data(as_text=True).splitlines() if response.status_code == 200 else []
    return response, [json.loads(line) for line in lines]


class TestAttacks:
    def test_no_token_and_a_made_up_one_are_refused(self, client, city):
        assert pull(client, None)[0].status_code == 401
        assert pull(client, "dgx_not-a-token")[0].status_code == 401

    def test_a_landlords_api_token_opens_nothing_here(self, client, rt, city):
        with rt.sessions() as s:
            phone = s.scalar(select(Landlord.phone).order_by(Landlord.id).limit(1))
        headers = log_in(client, rt, phone)
        assert client.get("/api/v1/declarations", headers=headers).status_code == 200  # the token works there
        response = client.get("/api/v1/export", headers=headers)
        assert response.status_code == 401 and "document_number" not in response.get_data(as_text=True)

    def test_a_revoked_token_is_refused(self, client, rt, city):
        token, token_id = token_for(rt, "K1")
        assert pull(client, token)[0].status_code == 200
        with rt.sessions.begin() as s:
            assert export_tokens.revoke(s, token_id)
        assert pull(client, token)[0].status_code == 401

    def test_a_countys_token_sees_its_stations_only(self, client, rt, city):
        k1, _ = token_for(rt, "K1")
        k2, _ = token_for(rt, "K2")
        response, rows = pull(client, k1)
        assert len(rows) == K1_ROWS == int(response.headers["X-Export-Rows"])
        assert {r["county"] for r in rows} == {"K1"} and {r["station"] for r in rows} == {"S11", "S12", "S13", "S14"}
        _, other = pull(client, k2)
        assert {r["county"] for r in other} == {"K2"}
        assert not {r["receipt"] for r in rows} & {r["receipt"] for r in other}
        _, everything = pull(client, token_for(rt, "CITY")[0])
        assert {r["county"] for r in everything} == {"K1", "K2", "K3"} and len(everything) > len(rows) + len(other)


class TestPull:
    def test_every_pull_is_audited_with_its_unit_and_count(self, client, rt, city):
        token, token_id = token_for(rt, "K1")
        pull(client, token)
        pull(client, token, "?since=2099-01-01T00:00:00Z")
        entries = audit_actions(rt, "export_pull")
        assert [e.target for e in entries] == [f"export_token:{token_id}"] * 2
        assert [e.detail["rows"] for e in entries] == [K1_ROWS, 0] and entries[0].detail["unit"] == "K1"

    def test_masked_unless_the_token_is_unmasked_and_since_is_changed_since(self, client, rt, city):
        masked, _ = token_for(rt, "K1")
        full, _ = token_for(rt, "K1", unmasked=True)
        with rt.sessions() as s:
            number = s.scalar(select(Person.document_number).order_by(Person.id).limit(1))
        assert "*" in pull(client, masked)[1][0]["document_number"]
        assert number in {r["document_number"] for r in pull(client, full)[1]}
        with rt.sessions.begin() as s:  # every row last written in March, then one cancelled now
            s.execute(update(Declaration).values(updated_at=Declaration.declared_at))
            s.execute(update(Person).values(updated_at=dt.datetime(2026, 3, 6, 9, 0)))
        with rt.sessions.begin() as s:
            decl = s.scalar(select(Declaration).where(Declaration.receipt == "C00001"))
            decl.status = "cancelled"
        response, rows = pull(client, masked, "?since=2026-04-01")
        assert [r["receipt"] for r in rows] == ["C00001"] and rows[0]["status"] == "cancelled"
        assert response.headers["X-Export-Next-Since"].endswith("Z")

    @pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "2026-03-01T25:00"])
    def test_a_bad_since_is_a_422(self, client, rt, city, since):
        token, _ = token_for(rt, "K1")
        assert pull(client, token, f"?since={since}")[0].status_code == 422


def test_a_supervisor_reads_the_pull_in_the_audit_log(client, rt, city):
    from tests.support import login

    token, token_id = token_for(rt, "K1")
    pull(client, token, "?since=2026-03-01")
    login(client, "city")
    page = client.get("/audit").get_data(as_text=True)
    assert "综合平台拉取数据" in page and f"export_token:{token_id}" in page
