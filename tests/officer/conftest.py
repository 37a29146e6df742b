"""Officer UI fixtures: two precincts with a landlord each, an officer in each, and a supervisor."""
from __future__ import annotations

import re

import pytest

from gateway.app import create_app
from store.enrolment import Enrolment, enrol
from store.officers import add_officer
from tests.constants import LANDLORD, OTHER_LANDLORD, PASSWORD



@pytest.fixture
def people(rt):
    """Precincts GL01 and GL02, their landlords, officers `a` (GL01), `b` (GL02) and supervisor `chief`."""
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="鼓楼区东街12号",
                                 precinct="GL01", alias="东街"))
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100002", address="鼓楼区西巷3号",
                                 precinct="GL01", alias="西巷"))
        enrol(session, Enrolment(phone=OTHER_LANDLORD, name="Li", property_code="200001", address="台江区北路8号",
                                 precinct="GL02", single_unit=True))
        add_officer(session, "a", PASSWORD, "GL01")
        add_officer(session, "b", PASSWORD, "GL02")
        add_officer(session, "chief", PASSWORD, "GL01", "supervisor")
    return rt


@pytest.fixture
def ui(settings, rt, people):
    """A test client with CSRF checks off, for tests about behaviour rather than CSRF itself."""
    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token(client)})


def token(client) -> str:
    """The CSRF token of the client's session, read from the login form as a browser would."""
    html = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""
