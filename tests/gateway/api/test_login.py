"""Log-in by phone: a code by SMS through the outbox, a bearer token, limits, audit and log-out."""
from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select, update

from gateway.cli import cli
from store import stats
from store.models import ApiLoginCode, ApiToken, OutboundMessage
from store.stats import Month
from tests.constants import ID_A, KEY_ENV, LANDLORD, OTHER_LANDLORD, STRANGER
from tests.gateway.api.helpers import code_sent, log_in, result_of
from tests.support import audit_actions


def codes_texted(rt, phone: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).where(OutboundMessage.to_number == phone,
                                                         OutboundMessage.purpose == "login_code"))


class TestCode:
    def test_an_enrolled_landlord_gets_a_code_by_sms_stored_hashed(self, client, rt, people):
        """The code goes through the outbox like every SMS; the table holds only a salted hash of it."""
        assert client.post("/api/v1/login/code", json={"phone": LANDLORD}).get_json() == {"sent": True,
                                                                                         "expires_in": 600}
        code = code_sent(rt, LANDLORD)
        with rt.sessions() as session:
            row = session.scalar(select(ApiLoginCode))
            assert code not in (row.code_hash, row.salt)

    def test_a_stranger_gets_the_same_answer_and_no_sms(self, client, rt, people):
        """The answer does not tell who is enrolled; only landlords can log in."""
        response = client.post("/api/v1/login/code", json={"phone": STRANGER})
        assert (response.status_code, response.get_json()) == (202, {"sent": True, "expires_in": 600})
        assert codes_texted(rt, STRANGER) == 0
        assert client.post("/api/v1/login", json={"phone": STRANGER, "code": "000000"}).status_code == 401

    def test_codes_are_rate_limited_per_phone(self, client, rt, people):
        statuses = [client.post("/api/v1/login/code", json={"phone": LANDLORD}).status_code for _ in range(6)]
        assert statuses == [202] * 5 + [429]
        assert codes_texted(rt, LANDLORD) == 5

    def test_codes_are_rate_limited_per_address(self, client, rt, people):
        """Twenty numbers an hour from one address, whoever they are."""
        statuses = [client.post("/api/v1/login/code", json={"phone": f"+861380013{n:04d}"}).status_code
                    for n in range(21)]
        assert statuses[-1] == 429 and statuses[:20] == [202] * 20


class TestLogin:
    def test_five_wrong_guesses_kill_the_code(self, client, rt, people):
        client.post("/api/v1/login/code", json={"phone": LANDLORD})
        code = code_sent(rt, LANDLORD)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert client.post("/api/v1/login", json={"phone": LANDLORD, "code": wrong}).status_code == 401
        assert client.post("/api/v1/login", json={"phone": LANDLORD, "code": code}).status_code == 401
        assert len(audit_actions(rt, "api_login_failed")) == 6

    def test_an_expired_code_fails(self, client, rt, people):
        client.post("/api/v1/login/code", json={"phone": LANDLORD})
        code = code_sent(rt, LANDLORD)
        with rt.sessions.begin() as session:
            session.execute(update(ApiLoginCode).values(expires_at=dt.datetime(2000, 1, 1)))
        assert client.post("/api/v1/login", json={"phone": LANDLORD, "code": code}).status_code == 401

    def test_log_in_and_out_are_audited_and_the_token_is_revoked(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        assert len(audit_actions(rt, "api_login")) == 1
        with rt.sessions() as session:
            assert headers["Authorization"].split()[1] not in session.scalar(select(ApiToken.token_hash))
        assert client.get("/api/v1/properties", headers=headers).status_code == 200
        assert client.post("/api/v1/logout", headers=headers).status_code == 204
        assert len(audit_actions(rt, "api_logout")) == 1
        after = client.get("/api/v1/properties", headers=headers)
        assert after.status_code == 401 and after.mimetype == "application/problem+json"

    def test_logging_out_everywhere_ends_the_lost_handsets_token_too(self, client, rt, people):
        """A landlord who lost a phone logs in on the new one (same number) and ends every token, the lost
        handset's included; another landlord's token is untouched."""
        lost, current = log_in(client, rt, LANDLORD), log_in(client, rt, LANDLORD)
        other = log_in(client, rt, OTHER_LANDLORD)
        assert client.post("/api/v1/logout/everywhere", headers=current).status_code == 204
        for headers in (lost, current):
            assert client.get("/api/v1/properties", headers=headers).status_code == 401
        assert client.get("/api/v1/properties", headers=other).status_code == 200
        [entry] = audit_actions(rt, "api_logout_all")
        assert entry.detail["ended"] == 2

    def test_an_operator_ends_every_token_of_a_phone(self, client, rt, people, settings):
        """`declgate landlord logout PHONE`, for a phone reported stolen: its tokens end, audited."""
        stolen = log_in(client, rt, LANDLORD)
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
               "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV}
        result = CliRunner().invoke(cli, ["landlord", "logout", LANDLORD.removeprefix("+86")], env=env)
        assert result.exit_code == 0 and f"1 API session(s) of {LANDLORD} ended" in result.output
        assert client.get("/api/v1/properties", headers=stolen).status_code == 401
        assert len(audit_actions(rt, "api_logout_all")) == 1
        refused = CliRunner().invoke(cli, ["landlord", "logout", "not-a-phone"], env=env)
        assert refused.exit_code != 0 and "is not a phone number" in refused.output

    def test_no_token_no_access(self, client, rt, people):
        for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}):
            assert client.get("/api/v1/declarations", headers=headers).status_code == 401


def test_web_declarations_count_in_the_channel_columns(client, rt, people):
    """The bulletin's channel columns have `web`."""
    headers = log_in(client, rt, LANDLORD)
    response = client.post("/api/v1/declarations", headers=headers,
                           json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
    result_of(client, rt, response, headers)
    today = dt.datetime.now(rt.tz).date()
    with rt.sessions() as session:
        figures = {f.precinct_code: f for f in stats.month_figures(session, Month(today.year, today.month),
                                                                   tz=rt.tz)}
    assert figures["GL01"].channel("web") == 1 and figures["GL01"].channel("sms") == 0
