"""Hostile `next` values after the login and the language toggle: never a redirect off this host, never a 500."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings

from gateway.app import create_app
from store.officers import add_officer
from tests.abuse.strategies import next_targets
from tests.budget import examples
from tests.constants import PASSWORD

ATTACKS = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example",
           "\\\\evil.example", "/\\evil.example", " //evil.example", "\x00//evil.example", "https://evil.example",
           "javascript:alert(1)", "/\u3000/evil.example", "http:evil.example", "/\nSet-Cookie: x=1"]


def lands_on(location: str, page: str = "http://localhost/login") -> str:
    """The host a browser would load after following `location` from `page` (after its own clean-up)."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(0x21))))).replace("\\", "/")
    return urlsplit(urljoin(page, cleaned)).netloc


@pytest.fixture(scope="module")
def officer_client(fuzz_rt):
    """CSRF off: these tests are about where the redirect goes, not about the token."""
    with fuzz_rt.sessions.begin() as session:
        add_officer(session, "redirect-test", PASSWORD, "GL01")
    app = create_app(fuzz_rt.settings, rt=fuzz_rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    return app.test_client()


class TestLoginNext:
    @pytest.mark.parametrize("target", ATTACKS)
    def test_known_open_redirects_stay_home(self, officer_client, target):
        """Each known trick (encoded tab, newline, backslash, scheme, leading junk) lands on the queue."""
        response = officer_client.post("/login", data={"username": "redirect-test", "password": PASSWORD,
                                                       "next": target})
        assert response.status_code == 302
        assert response.location == "/review"

    def test_a_local_path_is_kept(self, officer_client):
        """A page on this site, query and non-ASCII included, is where the officer goes back to."""
        response = officer_client.post("/login", data={"username": "redirect-test", "password": PASSWORD,
                                                       "next": "/people?q=张三"})
        assert response.location == "/people?q=%E5%BC%A0%E4%B8%89"

    @pytest.mark.parametrize("query", ["next=/%09/evil.example", "next=//evil.example", "next=/%0a/evil.example"])
    def test_login_link_with_a_hostile_next(self, officer_client, query):
        """The reported link `/login?next=/%09/evil.example`: the form does not carry the target on, and
        posting the form as a browser would lands on the queue."""
        page = officer_client.get(f"/login?{query}").get_data(as_text=True)
        carried = re.search(r'<form method="post" action="/login">.*?name="next" value="([^"]*)"', page, re.S)
        assert carried is not None and carried.group(1) == ""
        response = officer_client.post("/login", data={"username": "redirect-test", "password": PASSWORD,
                                                       "next": carried.group(1)})
        assert response.status_code == 302 and response.location == "/review"


class TestAnyNext:
    @settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(target=next_targets)
    def test_language_toggle_never_leaves_the_site(self, officer_client, target):
        """Whatever `next` holds, the toggle answers a redirect a browser follows to this host."""
        response = officer_client.post("/lang/zh", data={"next": target})
        assert response.status_code == 302
        assert lands_on(response.headers["Location"]) == "localhost"

    @settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(target=next_targets)
    def test_login_never_leaves_the_site(self, officer_client, target):
        """Whatever `next` holds, a successful login redirects to this host (each example hashes a password)."""
        response = officer_client.post("/login", data={"username": "redirect-test", "password": PASSWORD,
                                                       "next": target})
        assert response.status_code == 302
        assert lands_on(response.headers["Location"]) == "localhost"
