"""Shared fixtures: the app on SQLite + embedded queue, and on real PostgreSQL + Redis; the people and the
campaign several rooms test against; a real deployment of gunicorn and worker processes.

PostgreSQL and Redis are required, not optional: a test that needs them fails
(with the command to start them) when they are unreachable, it never skips. Such tests carry the
`postgres` and `redis` markers, and every test that starts a process the `fault` marker, so
`make test-fast` (`-m "not postgres and not redis and not browser and not fault"`) needs neither server;
at its end it says how many tests it left out and why.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from click.testing import CliRunner

from gateway.app import create_app
from gateway.cli import cli
from gateway.runtime import Runtime, build_runtime, embedded_redis, install
from gateway.settings import Settings
from store import sealed, stats
from store.db import make_engine
from store.enrolment import Enrolment, enrol
from store.keyring import Keyring
from store.migrate import upgrade
from store.models import Base
from store.officers import add_officer
from store.stats import Month, snapshots
from tests.campaign import build as build_campaign
from tests.constants import KEY_ENV, KEYS, LANDLORD, OTHER_LANDLORD, PASSWORD, PUBLIC_BASE_URL, SECRET_KEY, SUITE, TOKEN
from tests.databases import drop_database, fresh_database
from tests.fault import stack as deployment

# Hypothesis: `ci` runs more examples, the same ones on every run (a red build is red again on a re-run, and
# prints the blob that replays its failure), with no deadline on a busy shared runner; `dev` runs fewer,
# random ones, so a local run stays quick and still explores. HYPOTHESIS_PROFILE picks one; otherwise CI=true
# (.ci/run sets it, as most CI services do) means `ci`. A test's own `max_examples` is its budget under `ci`:
# give it through tests.budget.examples(), which scales it down the same way under `dev`.
hypothesis_settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", max_examples=25)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() in ("true", "1") else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header() -> str:
    return (f"hypothesis profile: {HYPOTHESIS_PROFILE}, {hypothesis_settings.default.max_examples} examples by default"
            " (HYPOTHESIS_PROFILE=ci|dev; CI=true means ci)")


# Each test run gets its own database and queue names, so runs sharing one server cannot disturb each other.
RUN_ID = uuid.uuid4().hex[:8]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:5432/declgate_test_{RUN_ID}")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START_HINT = ("start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
              " / redis-server --daemonize yes --port 6379 --save '' (or run .ci/run, which does both)")

_servers = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file copied for each test: migrations run once, every test starts clean."""
    path = tmp_path_factory.mktemp("template") / "declgate.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        fresh_database(POSTGRES_URL)
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.orig.__class__.__name__}); {START_HINT}",
                    pytrace=False)
    yield POSTGRES_URL
    if "TEST_POSTGRES_URL" not in os.environ:
        drop_database(POSTGRES_URL)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable ({exc}); {START_HINT}", pytrace=False)
    return REDIS_URL


def truncate_all(rt: Runtime) -> None:
    with rt.engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


# Tests that need a server say so with a marker, so `-m "not postgres and not redis"` runs without them.
SERVER_MARKS = [pytest.mark.postgres, pytest.mark.redis]
# A fixture that reaches a server, or starts processes, marks every test that uses it (directly or through
# other fixtures): a new test cannot forget the marker and slip into `make test-fast`.
FIXTURE_MARKS = {
    "postgres_url": [pytest.mark.postgres],
    "redis_url": [pytest.mark.redis],
    "fault_database_url": [pytest.mark.postgres],
    "fault_redis": [pytest.mark.redis],
    "stack": [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis],
}
LEFT_OUT_BY = ("fault", "browser", "postgres", "redis", "slow")
# `make test` spreads the suite over the cores (pytest-xdist, --dist loadgroup): each of these stays on one
# worker, so the deployment's private servers and chromium start once, not once per worker.
XDIST_GROUPS = {"fault", "browser"}
_run: dict[str, list[pytest.Item]] = {"collected": [], "left out": []}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items) -> None:
    """Mark every test that asks for a server's URL or a deployment (directly or through its fixtures)."""
    _run["collected"] = list(items)
    for item in items:
        for name, marks in FIXTURE_MARKS.items():
            if name in getattr(item, "fixturenames", ()):
                for mark in marks:
                    item.add_marker(mark)
        for group in XDIST_GROUPS & {mark.name for mark in item.iter_markers()}:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_deselected(items) -> None:
    _run["left out"].extend(items)


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say how many tests `-m`/`-k` left out and why: a fast run must not read as the whole suite."""
    left_out = _run["left out"]
    if not left_out:
        return
    reasons: Counter[str] = Counter()
    for item in left_out:
        names = {mark.name for mark in item.iter_markers()}
        reasons[" + ".join(name for name in LEFT_OUT_BY if name in names) or "(none of these markers)"] += 1
    selection = " ".join(f"{flag} {value!r}" for flag, value in (("-m", config.option.markexpr),
                                                               ("-k", config.option.keyword)) if value)
    write = terminalreporter.write_line
    terminalreporter.section("left out")
    write(f"{len(left_out)} of {len(_run['collected'])} tests were not run ({selection}):")
    for reason, count in reasons.most_common():
        write(f"  {count:5d}  {reason}")
    used = {name for reason in reasons for name in reason.split(" + ")}
    for line in config.getini("markers"):
        if line.split(":", 1)[0] in used:
            write(f"  {line}")
    skipped = len(terminalreporter.stats.get("skipped", []))
    if skipped:
        write(f"{skipped} more were skipped; each one's reason is in the short test summary above.")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=SERVER_MARKS)])
def backend(request) -> str:
    """Run the test once on SQLite + the embedded queue and once on PostgreSQL + Redis."""
    return request.param


@pytest.fixture
def settings(request, backend, tmp_path, sqlite_template) -> Settings:
    """No drain waits for a burst to gather (DECLGATE_BATCH_WAIT): a test's burst is already stored."""
    if backend == "sqlite":
        db = tmp_path / "declgate.sqlite"
        shutil.copy(sqlite_template, db)
        return Settings(database_url=f"sqlite:///{db}", twilio_auth_token=TOKEN, secret_key=SECRET_KEY,
                        public_base_url=PUBLIC_BASE_URL, spool_dir=str(tmp_path / "spool"), batch_wait=0.0, **SUITE)
    pg = request.getfixturevalue("postgres_url")
    rurl = request.getfixturevalue("redis_url")
    return Settings(database_url=pg, redis_url=rurl, twilio_auth_token=TOKEN, secret_key=SECRET_KEY,
                    public_base_url=PUBLIC_BASE_URL, spool_dir=str(tmp_path / "spool"), batch_wait=0.0, **SUITE,
                    queue_name=f"declgate-test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def rt(settings) -> Runtime:
    runtime = build_runtime(settings)
    if settings.embedded:
        runtime.redis = embedded_redis(f"test-{next(_servers)}-{uuid.uuid4().hex}")
        from rq import Queue

        runtime.queue = Queue(runtime.queue.name, connection=runtime.redis)
    else:
        truncate_all(runtime)
    install(runtime)
    yield runtime
    runtime.dispose()


@pytest.fixture
def app(settings, rt):
    app = create_app(settings, rt=rt, test_config={"TESTING": True})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def twiml_schema():
    """Twilio's TwiML schema, loaded once for every test that checks a voice answer against it."""
    import xmlschema

    from tests.support import TWIML_XSD

    return xmlschema.XMLSchema(str(TWIML_XSD))


@pytest.fixture
def enrolled(rt):
    """One landlord (tests.constants.LANDLORD) with one property, 100001, in precinct GL01."""
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                 precinct="GL01"))
    return rt



@pytest.fixture
def people(rt):
    """Precincts GL01 and GL02, their landlords, officers `a` (GL01), `b` (GL02) and supervisor `chief`.

    LANDLORD has 100001 (东街) and 100002 (西巷) in GL01; OTHER_LANDLORD one single-unit property, 200001, in GL02.
    """
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
    """A test client on `people` with CSRF checks off, for tests about behaviour rather than CSRF itself."""
    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    return app.test_client()


@pytest.fixture
def campaign(rt):
    """March 2026 in precincts P01 and P02, every figure known in advance: see tests/campaign.py."""
    return build_campaign(rt)


@pytest.fixture
def closed_up_to(monkeypatch):
    """`closed_up_to(month)`: the months up to `month` are the closed ones and the next is under way, whatever
    the clock says, for the store's figures and for the pages and commands alike."""
    def close(last: Month) -> None:
        def is_closed(month: Month, today: dt.date) -> bool:
            return month <= last

        # Replaced where it is looked up: pages and commands call store.stats.is_closed, while
        # store.stats.snapshots.figures calls the name bound in its own module.
        for module in (stats, snapshots):
            monkeypatch.setattr(module, "is_closed", is_closed)
    return close


@pytest.fixture
def officers(rt, campaign):
    """On `campaign`: officer `a` in P01, officer `b` in P02, supervisor `chief`."""
    with rt.sessions.begin() as s:
        add_officer(s, "a", PASSWORD, "P01")
        add_officer(s, "b", PASSWORD, "P02")
        add_officer(s, "chief", PASSWORD, "P01", "supervisor")
    return campaign


@pytest.fixture
def login_as(settings, rt, officers):
    """A test client logged in as the given officer of `officers` (CSRF checks off: these tests are about scope)."""
    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})

    def client_for(username: str | None):
        client = app.test_client()
        if username:
            response = client.post("/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return client_for


# A real deployment: gunicorn and `declgate worker` processes on the loopback servers (tests/fault/stack.py).
# Its own database and Redis db keep it apart from the rest of the suite (declgate_test_*, db 15) on the same
# servers; one database and queue namespace per run, as several engineers run the suite against one machine.
FAULT_RUN = uuid.uuid4().hex[:8]
FAULT_POSTGRES_URL = os.environ.get("FAULT_POSTGRES_URL",
                                    f"postgresql://postgres@127.0.0.1:5432/declgate_fault_{FAULT_RUN}")
FAULT_QUEUE = f"declgate-fault-{FAULT_RUN}"
FAULT_REDIS_URL = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def fault_database_url() -> str:
    """A freshly migrated `declgate_fault_*` database."""
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
    deployment.truncate(engine)
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
    started = deployment.Stack(database_url=FAULT_POSTGRES_URL, redis_url=FAULT_REDIS_URL, logdir=logdir,
                               extra_env={"DECLGATE_QUEUE": f"{FAULT_QUEUE}-{uuid.uuid4().hex[:6]}"})
    yield started
    started.close()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(started.logs()[-20000:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so `stack` can print the processes' logs of a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def city(rt):
    """A city of 3 counties × 4 stations with March 2026 declared and officers at each level: see tests/city.py."""
    from tests.city import build as build_city

    return build_city(rt)


@pytest.fixture
def run(settings, rt):
    """Invoke `declgate` as an operator would from a shell, with this test's database (and Redis) in its
    environment."""
    env = {"DATABASE_URL": settings.database_url, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
           "SECRET_KEY": "x", "REDIS_URL": settings.redis_url or "", "DECLGATE_QUEUE": settings.queue_name, **KEY_ENV}

    def invoke(*args: str, input: str | None = None):
        try:
            return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
        finally:
            install(rt)  # the command installed a runtime of its own: the test's pages and worker use the test's

    return invoke
