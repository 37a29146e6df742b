"""One app on SQLite + the embedded queue for many Hypothesis examples (a fresh app per example is too slow)."""
from __future__ import annotations

import shutil
import uuid

import pytest
from rq import Queue

from gateway.app import create_app
from gateway.runtime import build_runtime, embedded_redis, install
from gateway.settings import Settings
from store.enrolment import Enrolment, enrol
from tests.constants import LANDLORD, PUBLIC_BASE_URL, SUITE, TOKEN


@pytest.fixture(scope="module")
def fuzz_rt(tmp_path_factory, sqlite_template):
    """A runtime on its own SQLite copy with one enrolled landlord; the rate limit is out of the way."""
    db = tmp_path_factory.mktemp("fuzz") / "declgate.sqlite"
    shutil.copy(sqlite_template, db)
    settings = Settings(database_url=f"sqlite:///{db}", twilio_auth_token=TOKEN, secret_key="fuzz-secret",
                        public_base_url=PUBLIC_BASE_URL,
                        rate_limit_per_hour=10**9, **SUITE)
    runtime = build_runtime(settings)
    runtime.redis = embedded_redis(f"fuzz-{uuid.uuid4().hex}")
    runtime.queue = Queue(runtime.queue.name, connection=runtime.redis)
    install(runtime)
    with runtime.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                 precinct="GL01"))
    yield runtime
    runtime.dispose()


@pytest.fixture(scope="module")
def fuzz_client(fuzz_rt):
    app = create_app(fuzz_rt.settings, rt=fuzz_rt, test_config={"TESTING": True})
    return app.test_client()


@pytest.fixture
def fuzz(fuzz_rt, fuzz_client):
    """The shared client, with this module's runtime installed for the jobs it runs."""
    install(fuzz_rt)
    return fuzz_client
