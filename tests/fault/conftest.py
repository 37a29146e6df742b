"""Fault-test fixtures: a database and a Redis db of their own, and a Stack that always cleans up.

`declgate_fault` and Redis db 14 keep these runs apart from the rest of the suite,
which uses `declgate_test` and db 15 on the same servers.
"""
from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy.exc import OperationalError

from store import sealed
from store.db import make_engine
from store.keyring import Keyring
from tests.databases import drop_database, fresh_database
from tests.fault import stack as st
from tests.constants import KEYS

# One database and queue namespace per run: several engineers run the suite against the same servers.
RUN = uuid.uuid4().hex[:8]
FAULT_POSTGRES_URL = os.environ.get("FAULT_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:5432/declgate_fault_{RUN}")
FAULT_QUEUE = f"declgate-fault-{RUN}"
FAULT_REDIS_URL = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def fault_database_url() -> str:
    """A freshly migrated `declgate_fault` database."""
    try:
        fresh_database(FAULT_POSTGRES_URL)
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL at {FAULT_POSTGRES_URL} is unreachable ({type(exc.orig).__name__}); "
                    "start it with .ci/run", pytrace=False)
    yield FAULT_POSTGRES_URL
    drop_database(FAULT_POSTGRES_URL)


@pytest.fixture
def fault_engine(fault_database_url):
    """An engine on the fault database, emptied before the test."""
    engine = sealed.attach(make_engine(fault_database_url), Keyring(**KEYS))
    st.truncate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fault_redis():
    """Redis db 14; this run's keys live under its own queue name, so nothing is flushed."""
    conn = redis.Redis.from_url(FAULT_REDIS_URL)
    try:
        conn.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {FAULT_REDIS_URL} is unreachable ({exc}); start it with .ci/run", pytrace=False)
    yield conn
    conn.close()


@pytest.fixture
def stack(fault_engine, fault_redis, tmp_path, request):
    """Start web and worker processes on demand; they are all ended after the test, pass or fail."""
    logdir = tmp_path / "logs"
    logdir.mkdir()
    deployment = st.Stack(database_url=FAULT_POSTGRES_URL, redis_url=FAULT_REDIS_URL, logdir=logdir,
                          extra_env={"DECLGATE_QUEUE": f"{FAULT_QUEUE}-{uuid.uuid4().hex[:6]}"})
    yield deployment
    deployment.close()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(deployment.logs()[-20000:])


@pytest.fixture
def restore_services():
    """Bring Redis and PostgreSQL back after the test, whatever it did to them."""
    yield
    st.start_redis()
    if not st.postgres_up():
        st.postgres("start")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
