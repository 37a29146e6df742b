"""Campaign statistics on a province-sized store: seed it once, then time every stats query and page.

Run: python bench/stats.py [--url postgresql://postgres@127.0.0.1:5432/declgate_bench] [--reseed]
     [--people 1000000] [--explain]

Seeds (with COPY, in batches, progress on stderr) 100 precincts, 50,000 landlords, 100,000 properties,
1M people and 2M declarations over 24 months (each person moved once: an ended or superseded first
declaration and a second one), an inbound message behind every SMS/voice declaration plus rejected ones,
survey estimates for every precinct and month, and case subjects for the last three months. The database
is separate from the tests' (`declgate_bench`) and is only seeded when it is empty or with --reseed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import _common as c  # noqa: E402  (the benchmarks' keys)
import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from store.migrate import upgrade  # noqa: E402
from store.stats import Month  # noqa: E402
from tests.databases import ensure_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/declgate_bench"
PRECINCTS = 100
MONTHS = Month(2026, 3).back(24)
LAST = MONTHS[-1]
START = MONTHS[0].first_day
DAYS = (LAST.next.first_day - START).days
BATCH = 100_000
CODES = ["id_checksum", "id_length", "unknown_property", "bad_date", "ambiguous_property", "no_name",
         "id_birthdate", "rate_limited"]
BIG_TABLES = ("declarations", "inbound_messages", "people", "properties", "landlords", "case_subjects")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def progress(label: str, total: int):
    started = time.perf_counter()
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        rate = done[0] / max(time.perf_counter() - started, 1e-9)
        log(f"  {label}: {done[0]:>9,}/{total:,} ({done[0] / total:5.1%}, {rate:,.0f} rows/s)")
    yield tick
    log(f"  {label}: done in {time.perf_counter() - started:.1f}s")


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows, total: int) -> None:
    """COPY rows in batches of BATCH, committing after each so progress is real."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with progress(table, total) as tick:
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                _flush(conn, statement, batch)
                tick(len(batch))
                batch = []
        if batch:
            _flush(conn, statement, batch)
            tick(len(batch))


def _flush(conn, statement, batch) -> None:
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in batch:
            copy.write_row(row)
    conn.commit()


def seed(url: str, people: int) -> None:
    rnd = random.Random(20260301)
    landlords = people // 20
    properties = people // 10
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute(f"TRUNCATE {', '.join(BIG_TABLES)}, precincts, survey_estimates, officers, audit_log, "
                    "outbound_messages RESTART IDENTITY CASCADE")
        # Secondary indexes are dropped during the load and rebuilt after: much faster than maintaining them.
        cur.execute("""SELECT indexname, indexdef FROM pg_indexes
                       WHERE schemaname = 'public' AND tablename = ANY(%s)
                         AND indexname NOT IN (SELECT conname FROM pg_constraint)""", (list(BIG_TABLES),))
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")  # no FK triggers during the bulk load
        conn.commit()
        log(f"seeding {people:,} people, {2 * people:,} declarations into {make_url(url).database}")

        copy_rows(conn, "precincts", ("id", "code", "name"),
                  ((i, f"P{i:03d}", f"第{i}派出所") for i in range(1, PRECINCTS + 1)), PRECINCTS)
        enrolled = START - dt.timedelta(days=60)
        copy_rows(conn, "landlords", ("id", "phone", "name", "created_at"),
                  ((i, f"+86139{i:08d}", f"房东{i}",
                    dt.datetime.combine(enrolled + dt.timedelta(days=rnd.randrange(DAYS + 60)), dt.time(9)))
                   for i in range(1, landlords + 1)), landlords)
        # Property i belongs to landlord (i-1)//2+1; a landlord's properties share a precinct.
        copy_rows(conn, "properties", ("id", "code", "landlord_id", "precinct_id", "address", "single_unit"),
                  ((i, f"{100000 + i}", (i - 1) // 2 + 1, ((i - 1) // 2) % PRECINCTS + 1, f"某路{i}号", False)
                   for i in range(1, properties + 1)), properties)
        keys = c.keyring()  # COPY bypasses the sealed column types: seal and hash as the gateway would
        copy_rows(conn, "people", ("id", "document_type", "document_number", "document_hash", "name", "created_at",
                                   "updated_at"),
                  ((i, "passport", keys.seal(f"B{i:09d}", "people.document_number"),
                    keys.document_hash("passport", f"B{i:09d}"), f"租客{i}", dt.datetime(2024, 1, 1),
                    dt.datetime(2024, 1, 1)) for i in range(1, people + 1)), people)
        no_body = keys.seal("", "inbound_messages.body")

        inbound_rows: list[tuple] = []

        def declarations():
            inbound_id = 0
            receipt = 0
            for person in range(1, people + 1):
                first_prop, second_prop = rnd.randrange(1, properties + 1), rnd.randrange(1, properties + 1)
                d1 = rnd.randrange(DAYS - 30)
                d2 = min(DAYS - 1, d1 + 1 + int(rnd.expovariate(1 / 200)))
                for n, (prop, day) in enumerate(((first_prop, d1), (second_prop, d2))):
                    receipt += 1
                    declared = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(0)) + \
                        dt.timedelta(seconds=rnd.randrange(6 * 3600, 22 * 3600))
                    delay = int(rnd.expovariate(1 / 3)) if rnd.random() < 0.9 else rnd.randrange(8, 40)
                    move_in = declared.date() - dt.timedelta(days=delay)
                    late = delay > 7
                    channel = rnd.choices(("sms", "voice", "officer"), (60, 25, 15))[0]
                    if n == 0:
                        status = "superseded" if rnd.random() < 0.8 else "ended"
                        move_out = START + dt.timedelta(days=d2) - dt.timedelta(days=delay)
                    else:
                        r = rnd.random()
                        status = "active" if r < 0.75 else "ended" if r < 0.95 else \
                            rnd.choice(("cancelled", "pending_review", "disputed"))
                        move_out = (declared.date() + dt.timedelta(days=rnd.randrange(20, 300))
                                    if status == "ended" else None)
                    response = None
                    if channel == "voice":
                        response = "confirmed" if rnd.random() < 0.7 else None
                    inbound = None
                    if channel != "officer":
                        inbound_id += 1
                        inbound = inbound_id
                        received = declared - dt.timedelta(seconds=1 + int(rnd.expovariate(1 / 20)))
                        inbound_rows.append((inbound_id, f"SMb{inbound_id}", channel, f"+86139{prop:08d}",
                                             received, "processed", None, None, ((prop - 1) // 2) % PRECINCTS + 1))
                    yield (receipt, person, prop, move_in, move_out, status, f"{receipt:08d}", channel, late,
                           inbound, declared, response, declared)

        copy_rows(conn, "declarations", ("id", "person_id", "property_id", "move_in", "move_out", "status", "receipt",
                                         "channel", "late", "inbound_id", "declared_at", "landlord_response",
                                         "updated_at"),
                  declarations(), 2 * people)
        rejected = len(inbound_rows) // 10
        for k in range(rejected):
            inbound_rows.append((len(inbound_rows) + 1, f"SMr{k}", "sms", "+8613900000000",
                                 dt.datetime.combine(START + dt.timedelta(days=rnd.randrange(DAYS)), dt.time(12)),
                                 "rejected", None, rnd.choices(CODES, (30, 20, 15, 10, 8, 7, 5, 5))[0],
                                 rnd.randrange(1, PRECINCTS + 1)))
        copy_rows(conn, "inbound_messages", ("id", "provider_sid", "channel", "from_number", "received_at", "status",
                                             "codes", "review_reason", "precinct_id", "body", "to_number",
                                             "attempts"),
                  ((*row[:6], None if row[7] is None else f'["{row[7]}"]', row[7], row[8], no_body, "", 0)
                   for row in inbound_rows), len(inbound_rows))

        cur.execute("SET session_replication_role = origin")
        with progress("indexes", len(indexes)) as tick:
            for name, definition in indexes:
                cur.execute(definition)
                conn.commit()
                tick(1)
        for table in ("declarations", "properties", "inbound_messages", "people", "landlords", "precincts"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        estimate_rows = []
        per_precinct = people / PRECINCTS
        for precinct in range(1, PRECINCTS + 1):
            for i, month in enumerate(MONTHS):
                grown = per_precinct * (0.35 + 0.5 * (i + 1) / len(MONTHS))
                estimate_rows.append((precinct, str(month), int(grown / rnd.uniform(0.6, 1.0)),
                                      int(properties / PRECINCTS / rnd.uniform(0.7, 1.0)), dt.datetime(2026, 4, 1)))
        copy_rows(conn, "survey_estimates", ("precinct_id", "month", "floating_population", "rental_units",
                                             "updated_at"), estimate_rows, len(estimate_rows))
        case_rows = ((rnd.randrange(1, PRECINCTS + 1), "passport", f"{k:064x}",
                      rnd.choice(MONTHS[-3:]).first_day + dt.timedelta(days=rnd.randrange(28)),
                      rnd.random() < rnd.uniform(0.4, 0.8), rnd.randrange(1, 2 * people), dt.datetime(2026, 4, 2))
                     for k in range(PRECINCTS * 600))
        copy_rows(conn, "case_subjects", ("precinct_id", "document_type", "document_hash", "case_date",
                                          "declared_before", "last_declaration_id", "imported_at"),
                  case_rows, PRECINCTS * 600)
        log("  analyze")
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def timed(label: str, fn, repeat: int = 3) -> float:
    fn()  # warm the cache: the figure that matters is a page an officer opens, not a cold disk
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    best = min(runs)
    print(f"| {label} | {statistics.median(runs) * 1000:,.0f} ms | {best * 1000:,.0f} ms |", flush=True)
    return best


def measure(url: str, explain: bool) -> None:
    from gateway.app import create_app
    from gateway.runtime import build_runtime
    from gateway.settings import Settings
    from store import stats
    from store.models import Officer
    from store.officers import add_officer

    settings = Settings(database_url=url, twilio_auth_token="bench", secret_key="bench",
                        public_base_url="http://localhost", **c.KEYS)
    rt = build_runtime(settings)
    with rt.sessions() as s:
        counts = {t: s.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("declarations", "people",
                                                                           "inbound_messages", "properties")}
        precinct = s.scalar(text("SELECT id FROM precincts WHERE code = 'P042'"))
    print(f"store: {', '.join(f'{n:,} {t}' for t, n in counts.items())}; month {LAST}\n")
    print("| query or page | median | best |\n|---|---|---|")
    with rt.sessions() as s:
        tz = rt.tz
        timed("month_figures, all 100 precincts", lambda: stats.month_figures(s, LAST, tz=tz))
        timed("month_figures, one precinct", lambda: stats.month_figures(s, LAST, precinct_ids=[precinct], tz=tz))
        timed("ranking (bulletin), all precincts", lambda: stats.ranking(s, LAST, tz=tz))
        timed("trend, one precinct, 12 months", lambda: stats.trend(s, LAST.back(12), precinct_ids=[precinct], tz=tz))
        timed("follow_up, all precincts", lambda: stats.follow_up(s, LAST, tz=tz))
        timed("follow_up, one precinct", lambda: stats.follow_up(s, LAST, precinct_ids=[precinct], tz=tz))
        timed("case_subjects not declared, all precincts", lambda: stats.case_subjects(s, LAST))

    with rt.sessions.begin() as s:
        for name, role in (("bench-super", "supervisor"), ("bench-officer", "officer")):
            if s.scalar(text("SELECT 1 FROM officers WHERE username = :u"), {"u": name}) is None:
                add_officer(s, name, "bench-password-1", "P042", role)
    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    for name in ("bench-super", "bench-officer"):
        client = app.test_client()
        client.post("/login", data={"username": name, "password": "bench-password-1"})
        pages = [f"/stats/ranking?month={LAST}", f"/stats/precinct/{precinct}?month={LAST}",
                 f"/stats/follow-up?month={LAST}", f"/stats/cases?month={LAST}"]
        if name == "bench-super":
            pages += [f"/stats/bulletin?month={LAST}", f"/stats/bulletin.csv?month={LAST}"]
        for page in pages:
            def get(page=page, client=client):
                response = client.get(page)
                assert response.status_code == 200, (page, response.status_code)
            timed(f"GET {page} ({name.split('-')[1]})", get, repeat=3)
    del Officer
    first_views(app, rt, precinct)

    if explain:
        start, end = LAST.bounds(rt.tz)
        with rt.engine.connect() as conn:
            for title, sql in EXPLAINS.items():
                plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql),
                                    {"start": start, "end": end, "last": LAST.last_day, "p": precinct}).scalars()
                print(f"\n{title}\n```\n" + "\n".join(plan) + "\n```")


def _forget(rt, *statements: str) -> None:
    """Run the DELETEs and UPDATEs whose table exists (older commits have no live count or stored charts)."""
    with rt.engine.begin() as conn:
        for statement in statements:
            table = statement.split()[2 if statement.startswith("DELETE") else 1]
            if conn.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is not None:
                conn.execute(text(statement), {"month": str(LAST)})


def _fresh_count_view(rt, get, page) -> None:
    """A view right after a recount: the count is fresh but its charts were never drawn."""
    from gateway.stats import charts as stats_charts

    _forget(rt, "UPDATE stats_live_figures SET computed_at = now() AT TIME ZONE 'UTC' WHERE month = :month",
            "DELETE FROM stats_charts WHERE month >= :month")
    stats_charts._drawn.clear()
    get(page)


def first_views(app, rt, precinct: int) -> None:
    """Views the warm figures above hide: a new web process (no chart in its memory), a closed month no
    one has viewed (no snapshot), and the month under way (counted live)."""
    from gateway.stats import charts as stats_charts
    from store import stats
    from store.stats import snapshots

    client = app.test_client()
    client.post("/login", data={"username": "bench-super", "password": "bench-password-1"})

    def get(page):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)

    pages = [f"/stats/ranking?month={LAST}", f"/stats/bulletin?month={LAST}", f"/stats/precinct/{precinct}?month={LAST}"]
    for page in pages:
        timed(f"GET {page} (super), first view in a new process",
              lambda page=page: (stats_charts._drawn.clear(), get(page)))
    for page in pages[:2]:
        timed(f"GET {page} (super), first view of the month anywhere (no snapshot yet)",
              lambda page=page: (stats_charts._drawn.clear(),
                                 _forget(rt, "DELETE FROM stats_month_snapshots WHERE month >= :month",
                                         "DELETE FROM stats_charts WHERE month >= :month"), get(page)))
    # As if viewed during LAST: it is counted live. Replaced where the pages look it up (store.stats) and
    # where the figures do (store.stats.snapshots).
    closed = stats.is_closed
    for module in (stats, snapshots):
        module.is_closed = lambda month, today: month < LAST
    try:
        for page in pages:
            timed(f"GET {page} (super), month under way, first view of the month (nothing counted yet)",
                  lambda page=page: (stats_charts._drawn.clear(),
                                     _forget(rt, "DELETE FROM stats_live_figures WHERE month >= :month",
                                             "DELETE FROM stats_charts WHERE month >= :month"), get(page)))
            timed(f"GET {page} (super), month under way, new process, count 6 minutes old",
                  lambda page=page: (stats_charts._drawn.clear(),
                                     _forget(rt, "UPDATE stats_live_figures SET computed_at = "
                                                 "now() AT TIME ZONE 'UTC' - interval '6 minutes' WHERE month = :month"),
                                     get(page)))
            timed(f"GET {page} (super), month under way, first view after a recount (charts not drawn)",
                  lambda page=page: _fresh_count_view(rt, get, page))
            timed(f"GET {page} (super), month under way, later views", lambda page=page: get(page))
    finally:
        for module in (stats, snapshots):
            module.is_closed = closed
    get(pages[0])  # leave the month's snapshot in place for the next run


EXPLAINS = {
    "Active residents at the month's end, all precincts": """
        SELECT p.precinct_id, count(*) FROM declarations d JOIN properties p ON d.property_id = p.id
        WHERE d.move_in <= :last AND (d.move_out IS NULL OR d.move_out > :last) AND d.declared_at < :end
          AND d.status IN ('active', 'ended', 'superseded') GROUP BY p.precinct_id""",
    "New declarations in the month, one precinct": """
        SELECT p.precinct_id, count(*) FROM declarations d JOIN properties p ON d.property_id = p.id
        WHERE d.declared_at >= :start AND d.declared_at < :end AND d.status != 'cancelled' AND p.precinct_id = :p
        GROUP BY p.precinct_id""",
    "Landlords with a declaration by the month's end, all precincts": """
        SELECT p.precinct_id, count(DISTINCT p.landlord_id) FROM properties p JOIN landlords l ON p.landlord_id = l.id
        WHERE l.created_at < :end AND EXISTS (SELECT 1 FROM declarations d WHERE d.property_id = p.id
          AND d.declared_at < :end AND d.status != 'cancelled') GROUP BY p.precinct_id""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of the heaviest queries.")
    args = parser.parse_args()
    ensure_database(args.url)
    upgrade(args.url, keyring=c.keyring())
    engine = create_engine(args.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        have = conn.scalar(text("SELECT count(*) FROM declarations"))
    engine.dispose()
    if args.reseed or have != 2 * args.people:
        started = time.perf_counter()
        seed(args.url, args.people)
        log(f"seeded in {time.perf_counter() - started:.0f}s")
    if not args.seed_only:
        measure(args.url, args.explain)


if __name__ == "__main__":
    main()
