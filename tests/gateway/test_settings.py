"""Settings.check: what a deployment must set before the app starts, with a message saying how."""
from __future__ import annotations

import pytest

from gateway.settings import Settings, SettingsError, load_settings
from tests.constants import KEYS

PRODUCTION = dict(twilio_auth_token="token", secret_key="secret", public_base_url="https://declgate.example.org",
                  **KEYS)


class TestCheck:
    def test_public_base_url_is_required_outside_demo(self):
        """Without PUBLIC_BASE_URL a real deployment refuses to start and says what to set."""
        with pytest.raises(SettingsError, match=r"PUBLIC_BASE_URL is not set.*PUBLIC_BASE_URL=https://"):
            Settings(**{**PRODUCTION, "public_base_url": None}).check()

    @pytest.mark.parametrize("url", ["declgate.example.org", "ftp://declgate.example.org", "https://",
                                     "https://declgate.example.org/sms", "https://declgate.example.org?x=1"])
    def test_public_base_url_must_be_a_scheme_and_host(self, url):
        """A URL that is not just http(s) and a host is refused with an example of the right form."""
        with pytest.raises(SettingsError, match="scheme and host only"):
            Settings(**{**PRODUCTION, "public_base_url": url}).check()

    def test_complete_settings_pass(self):
        """The three secrets, the keys and the public URL are enough (a trailing slash is fine)."""
        Settings(**PRODUCTION).check()
        Settings(**{**PRODUCTION, "public_base_url": "http://127.0.0.1:8000/"}).check()

    @pytest.mark.parametrize("name,field,value", [("SESSION_IDLE_MINUTES", "session_idle_minutes", 0),
                                                  ("SESSION_MAX_HOURS", "session_max_hours", 0),
                                                  ("TRUSTED_PROXIES", "trusted_proxies", -1)])
    def test_session_and_proxy_numbers_are_checked(self, name, field, value):
        """A session that could never last, or a negative proxy count, is refused by name, in demo too."""
        with pytest.raises(SettingsError, match=name):
            Settings(**{**PRODUCTION, field: value}).check()
        with pytest.raises(SettingsError, match=name):
            Settings(demo=True, **{field: value}).check()

    @pytest.mark.parametrize("name,field,value", [("TIMEZONE", "timezone", "Mars/Olympus"),
                                                  ("SMS_RATE_LIMIT_PER_HOUR", "rate_limit_per_hour", -5),
                                                  ("DECLARATION_DEADLINE_DAYS", "deadline_days", -1)])
    def test_a_setting_no_message_could_be_answered_with_is_refused(self, name, field, value):
        """A time zone that does not exist, or a negative limit, stops the start by name, not every message."""
        with pytest.raises(SettingsError, match=name):
            Settings(demo=True, **{field: value}).check()

    def test_the_postgres_form_platforms_set_is_read_as_postgresql(self, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/declgate")
        assert load_settings().database_url == "postgresql://u:p@db.internal:5432/declgate"

    @pytest.mark.parametrize("url,hint", [("postgresql+psycopg2://localhost/declgate", "write postgresql://"),
                                          ("localhost/declgate", "must be postgresql://"),
                                          ("mysql://localhost/declgate", "must be postgresql://")])
    def test_database_url_is_refused_with_the_right_form(self, monkeypatch, url, hint):
        """A DATABASE_URL the gateway cannot use says what to write instead of a driver's traceback."""
        monkeypatch.setenv("DATABASE_URL", url)
        with pytest.raises(SettingsError, match=hint):
            load_settings()


class TestDemo:
    def test_demo_secret_key_is_new_at_every_start(self, monkeypatch, tmp_path):
        """Demo mode brings its own SECRET_KEY, never a published one: two starts, two keys."""
        monkeypatch.delenv("SECRET_KEY", raising=False)
        monkeypatch.chdir(tmp_path)  # no .env
        first, second = load_settings(demo=True), load_settings(demo=True)
        assert first.secret_key and second.secret_key and first.secret_key != second.secret_key
        assert len(first.secret_key) >= 32

    def test_demo_has_a_public_url_to_check_signatures_against(self, monkeypatch, tmp_path):
        """Demo mode checks signatures too: against its own loopback address unless told otherwise."""
        monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
        monkeypatch.chdir(tmp_path)
        assert load_settings(demo=True).public_base_url == "http://127.0.0.1:5000"
