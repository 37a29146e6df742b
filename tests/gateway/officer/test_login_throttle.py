"""Login back-off: atomic under parallel guesses, doubling, scoped so a stranger cannot lock an officer out,
the same for unknown accounts, and counted per client address behind the configured proxies."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

import store.officers
from gateway.app import create_app
from gateway.officer.auth import IP_MAX_FAILURES
from store import logins
from store.logins import ACCOUNT_MAX_FAILURES, MAX_FAILURES
from tests.constants import PASSWORD

T0 = dt.datetime(2026, 3, 1, 8, 0)


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash checked, in order (the slow step a timing attacker measures)."""
    checked: list[str] = []
    real = store.officers.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(store.officers, "check_password_hash", counting)
    return checked


def attempt(rt, username: str, password: str, address: str = "198.51.100.1", now: dt.datetime = T0):
    with rt.sessions.begin() as session:
        result = logins.attempt(session, username, password, address, now=now)
        return result.officer is not None, result.wait_minutes


def post(client, username: str, password: str = PASSWORD, *, remote: str = "10.0.0.1", forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": remote}, headers=headers)


class TestParallelGuesses:
    def test_a_burst_gets_no_more_tries_than_the_limit(self, settings, rt, people, hashes):
        """Twelve guesses at once (threads, each its own connection) check at most MAX_FAILURES passwords."""
        app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        start = threading.Barrier(12)
        statuses: list[int] = []

        def guess(i: int) -> None:
            client = app.test_client()
            start.wait()
            statuses.append(post(client, "a", f"guess {i}", remote="203.0.113.9").status_code)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [401] * 12
        assert len(hashes) == MAX_FAILURES
        assert post(app.test_client(), "a", remote="203.0.113.9").status_code == 401  # the wait is running


class TestBackoff:
    def test_wait_doubles_with_each_failure_past_the_limit(self, rt, people):
        """1 minute after the fifth failure, then 2, 4, 8 … for each failure after a wait, up to an hour."""
        for _ in range(MAX_FAILURES - 1):
            assert attempt(rt, "a", "wrong") == (False, 0)
        now, waits = T0, []
        for _ in range(9):
            ok, wait = attempt(rt, "a", "wrong", now=now)
            waits.append(wait)
            assert attempt(rt, "a", PASSWORD, now=now + dt.timedelta(minutes=wait) - dt.timedelta(seconds=1)) \
                == (False, 1)  # even the right password waits
            now += dt.timedelta(minutes=wait)
        assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
        assert attempt(rt, "a", PASSWORD, now=now) == (True, 0)

    def test_a_stranger_elsewhere_cannot_lock_the_officer_out(self, rt, people):
        """Failures from one address make that address wait; the officer at their own desk logs in."""
        for _ in range(MAX_FAILURES + 3):
            attempt(rt, "a", "wrong", address="203.0.113.66")
        assert attempt(rt, "a", PASSWORD, address="203.0.113.66")[0] is False
        assert attempt(rt, "a", PASSWORD, address="10.1.2.3") == (True, 0)

    def test_guessing_from_many_addresses_backs_off_too(self, rt, people):
        """Spread over many addresses, ACCOUNT_MAX_FAILURES failures start a wait for the account as a whole."""
        for i in range(ACCOUNT_MAX_FAILURES):
            attempt(rt, "a", "wrong", address=f"203.0.113.{i}")
        assert attempt(rt, "a", PASSWORD, address="10.1.2.3") == (False, 1)
        assert attempt(rt, "a", PASSWORD, address="10.1.2.3", now=T0 + dt.timedelta(minutes=1)) == (True, 0)


class TestUnknownAccounts:
    def test_unknown_and_known_accounts_hash_the_same_way(self, rt, people, hashes):
        """A wrong password checks one hash whether the account exists or not, of the same kind."""
        attempt(rt, "a", "wrong")
        attempt(rt, "nobody-by-this-name", "wrong")
        assert len(hashes) == 2
        assert hashes[0].split("$")[0] == hashes[1].split("$")[0]  # same method and cost
        assert hashes[0] != hashes[1]

    def test_unknown_accounts_back_off_like_real_ones(self, rt, people):
        """The wait message comes for a name that does not exist too: it tells nothing about accounts."""
        real = [attempt(rt, "a", "wrong") for _ in range(MAX_FAILURES + 1)]
        made_up = [attempt(rt, "nobody", "wrong") for _ in range(MAX_FAILURES + 1)]
        assert real == made_up == [(False, 0)] * (MAX_FAILURES - 1) + [(False, 1), (False, 1)]

    def test_answers_do_not_differ(self, ui):
        """The page says the same for a wrong password and an unknown user."""
        known = ui.post("/login", data={"username": "a", "password": "wrong"})
        unknown = ui.post("/login", data={"username": "zz-nobody", "password": "wrong"})
        assert known.status_code == unknown.status_code == 401
        without_token = lambda r: re.sub(r'name="csrf_token" value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
        assert without_token(known) == without_token(unknown)


class TestProxies:
    def test_behind_a_trusted_proxy_each_client_is_counted(self, settings, rt, people):
        """With TRUSTED_PROXIES=1, twenty failures from one client behind the balancer block that client only."""
        app = create_app(settings.with_(trusted_proxies=1), rt=rt,
                         test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        for i in range(IP_MAX_FAILURES):
            post(client, f"nobody{i}", "wrong", forwarded="203.0.113.5")
        assert post(client, "a", forwarded="203.0.113.5").status_code == 429
        assert post(client, "a", forwarded="198.51.100.7").status_code == 302

    def test_without_proxies_the_header_is_not_believed(self, settings, rt, people):
        """With the default TRUSTED_PROXIES=0 a client cannot dodge the limit by inventing X-Forwarded-For."""
        app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        for i in range(IP_MAX_FAILURES):
            post(client, f"nobody{i}", "wrong", forwarded=f"198.51.100.{i}")
        assert post(client, "a", forwarded="192.0.2.200").status_code == 429


class TestNotAnAttempt:
    def test_head_requests_count_as_no_failure(self, settings, rt, people):
        """HEAD /login (a link checker, a monitor) is the login page, not a failed login: more of them than the
        per-address limit still leave the officer free to log in from that address."""
        client = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
        for _ in range(IP_MAX_FAILURES + 2):
            assert client.head("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
        assert post(client, "a").status_code == 302
