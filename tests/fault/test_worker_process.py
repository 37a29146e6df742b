"""The production shape on one machine: the web app on PostgreSQL + Redis and a real `declgate worker` process.

Like every test that starts a process, it carries the `fault` marker and stays out of `make test-fast`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from gateway.app import create_app
from gateway.runtime import build_runtime, install
from gateway.settings import Settings
from store.enrolment import Enrolment, enrol
from tests.conftest import truncate_all
from tests.constants import ID_A, KEY_ENV, LANDLORD, PUBLIC_BASE_URL, SECRET_KEY, SUITE, TOKEN
from tests.support import reply_to, sms

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def production(postgres_url, redis_url):
    settings = Settings(database_url=postgres_url, redis_url=redis_url, twilio_auth_token=TOKEN,
                        secret_key=SECRET_KEY, public_base_url=PUBLIC_BASE_URL, **SUITE,
                        queue_name=f"declgate-proc-{uuid.uuid4().hex[:10]}")
    rt = install(build_runtime(settings))
    truncate_all(rt)
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈", property_code="100001", address="东街12号",
                                 precinct="GL01"))
    env = {**os.environ, "DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN,
           "SECRET_KEY": SECRET_KEY, "DECLGATE_QUEUE": settings.queue_name, **KEY_ENV}
    worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield settings, rt
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    rt.dispose()


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


class TestWorkerProcess:
    def test_declaration_is_stored_and_replied_by_a_separate_worker(self, production):
        """A signed webhook handled by the web app is processed by a `declgate worker` process."""
        settings, rt = production
        client = create_app(settings, rt=rt).test_client()
        response = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        assert response.status_code == 200
        replies = wait_for(lambda: reply_to(rt, response.sid))
        assert len(replies) == 1 and "3501**********1238" in replies[0] and ID_A not in replies[0]
