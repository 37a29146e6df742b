"""Dedupe cost as the store grows: inbound declarations handled per second at 1k … 1M people.

Run: python bench/dedupe.py [--sizes 1000,10000,100000,1000000] [--messages 1000] [--explain]

Seeds its own database `declgate_dedupe` (never the test or other benchmark
databases) with landlords, one property each, and people who each have an
active declaration, the inbound SMS it came from and its reply, all with
PostgreSQL COPY. The store then grows to each size in turn; at each size fresh
inbound SMS are stored by intake (as the webhook does) and handled by the drain
job's batches (`gateway.pipeline.batch.process_waiting`, up to DECLGATE_BATCH_SIZE
messages each) called directly in this process — the real parse, dedupe, store,
reply and send-to-outbox, without RQ's round trips, so only the store's growth
changes between sizes. The messages declare a mix of
new people, people already registered at that landlord's property and people
moving from another landlord's property (their old declaration is superseded).
The figure is the ratio at the largest size against the smallest (target >= 0.9).
"""
from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

import _common as c  # noqa: E402  (puts the repo root on sys.path)
import seeded_store as seeded  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from gateway.pipeline import batch, intake  # noqa: E402
from gateway.runtime import build_runtime, install  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from parsers.receipts import receipt_from_serial  # noqa: E402
from store.models import Declaration, InboundMessage  # noqa: E402

DATABASE_URL = c.DATABASE_URL.rsplit("/", 1)[0] + "/declgate_dedupe"
PROPERTIES = 20_000
NEW_SERIALS = 5_000_000  # serials of people the benchmark messages declare for the first time
LAYOUT = seeded.Layout(DATABASE_URL, PROPERTIES, precinct_id=1)
body, landlord_phone, property_of = seeded.body, LAYOUT.phone, LAYOUT.property_of


def seed_properties() -> None:
    """One precinct, PROPERTIES landlords with one multi-room property each."""
    with LAYOUT.connect() as conn:
        conn.execute("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', 'GL01')")
    seeded.seed_properties(LAYOUT)


def seeded_receipts(engine) -> Callable[[int], str]:
    """Receipt for seeded person `serial`: its own serial, unless a benchmark message took that one already.

    `new_receipt` picks at random among all 10 million, so a later seed can meet one it chose.
    """
    with engine.connect() as conn:
        # The benchmark's own declarations, and spares handed out by an earlier growth (serials from 9,999,999 down).
        taken = set(conn.exec_driver_sql("SELECT receipt FROM declarations WHERE id > %(n)s OR receipt >= '9'",
                                         {"n": NEW_SERIALS * 2}).scalars())
    spare = iter(n for n in range(9_999_999, 0, -1) if receipt_from_serial(n) not in taken)

    def receipt(serial: int) -> str:
        own = receipt_from_serial(serial)
        return own if own not in taken else receipt_from_serial(next(spare))

    return receipt


def grow(engine, start: int, stop: int) -> None:
    """Add people start..stop-1, each with an active declaration, its inbound SMS and its reply (COPY)."""
    # Past anything seeded, so the benchmark's own rows never collide with seeded ids.
    seeded.grow(LAYOUT, start, stop, seeded_receipts(engine), past=NEW_SERIALS * 2)


def messages(count: int, size: int, round_no: int) -> list[tuple[str, str]]:
    """(sender, body) for `count` messages: a third each new, already registered, moving in from elsewhere.

    Seeded people are picked from a stride through the whole store, a different slice each round,
    so no person is declared twice by the benchmark.
    """
    picked, stride = [], max(1, size // count)
    out = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            serial = NEW_SERIALS + round_no * 100_000 + i
            out.append((landlord_phone(property_of(serial)), body(serial)))
            continue
        serial = (i * stride + round_no * 7 + 1) % size
        picked.append(serial)
        prop = property_of(serial) if kind == 1 else (property_of(serial) + 1 + i) % PROPERTIES
        if kind == 2 and prop == property_of(serial):
            prop = (prop + 1) % PROPERTIES
        out.append((landlord_phone(prop), body(serial)))
    return out


def drain(rt) -> None:
    """Handle every waiting message as the drain job does: a batch at a time until none is left.

    Not a job per message: most of those would find their message handled by an earlier batch, and their
    look-ups cost more than the dedupe this bench is about (1,000 such calls took a second of the two).
    """
    while batch.process_waiting(rt):
        pass


def measure(rt, size: int, round_no: int, count: int, warmup: int) -> tuple[float, dict[str, int]]:
    """Messages handled per second by the drain over `count - warmup` messages stored beforehand.

    The warm-up messages are stored and handled first, on their own: a batch takes every waiting message
    (up to the `batch_size` setting), so the timed ones must not be waiting yet.
    """
    def store(sent: list[tuple[int, tuple[str, str]]]) -> list[int]:
        return [intake.store_sms(rt, sid=f"SMdedupe{round_no}x{i}", from_number=sender, to_number=c.GATEWAY_NUMBER,
                                 body=text)[0] for i, (sender, text) in sent]

    all_messages = list(enumerate(messages(count, size, round_no)))
    store(all_messages[:warmup])
    drain(rt)
    ids = store(all_messages[warmup:])
    started = time.perf_counter()
    drain(rt)
    seconds = time.perf_counter() - started
    with rt.sessions() as session:
        outcome = dict(session.execute(
            select(Declaration.status, func.count()).join(InboundMessage, Declaration.inbound_id == InboundMessage.id)
            .where(InboundMessage.id.in_(ids)).group_by(Declaration.status)).all())
        statuses = dict(session.execute(select(InboundMessage.status, func.count())
                                        .where(InboundMessage.id.in_(ids)).group_by(InboundMessage.status)).all())
    assert statuses == {"processed": len(ids)}, statuses
    return len(ids) / seconds, outcome


def explain(rt, size: int) -> None:
    """EXPLAIN ANALYZE every SELECT the job issues for one message of each kind, at this size."""
    captured: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(rt.engine, "before_cursor_execute", capture)
    try:
        for i, (sender, text) in enumerate(messages(3, size, 50)):
            inbound_id, _ = intake.store_sms(rt, sid=f"SMexplain{i}", from_number=sender,
                                             to_number=c.GATEWAY_NUMBER, body=text)
            batch.process_inbound(inbound_id)
    finally:
        event.remove(rt.engine, "before_cursor_execute", capture)
    seen: set[str] = set()
    with rt.engine.connect() as conn:
        for statement, parameters in captured:
            if statement in seen:
                continue
            seen.add(statement)
            plan = [row[0] for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) " + statement, parameters)]
            print("\n" + " ".join(statement.split())[:300])
            for line in plan:
                print("    " + line)
            for line in plan:
                if "Seq Scan on " in line:
                    table = line.split("Seq Scan on ", 1)[1].split()[0]
                    rows = conn.exec_driver_sql("SELECT reltuples::bigint FROM pg_class WHERE relname = %(t)s",
                                                {"t": table}).scalar()
                    # A scan of a table of a few rows (opt_outs) is the planner's right choice; of a big one, a bug.
                    print(f"    ^^^ sequential scan of {table} (~{max(rows, 0):,} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--messages", type=int, default=1000, help="per size, including the warm-up")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the job's queries at the last size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.disable(logging.INFO)
    print(f"database {DATABASE_URL}: migrating from scratch", flush=True)
    c.fresh_database(DATABASE_URL)
    seed_properties()
    rt = install(build_runtime(Settings(database_url=DATABASE_URL, twilio_auth_token=c.TOKEN, secret_key="x", **c.KEYS,
                                        rate_limit_per_hour=10**9)))
    results = []
    seeded = 0
    for round_no, size in enumerate(sizes):
        print(f"growing the store to {size:,} people", flush=True)
        grow(rt.engine, seeded, size)
        seeded = size
        rate, outcome = measure(rt, size, round_no, args.messages, args.warmup)
        results.append((size, rate))
        print(f"{size:>9,} people: {rate:6.1f} messages/s  (declarations made: {outcome})", flush=True)
    if args.explain:
        explain(rt, sizes[-1])
    print()
    for size, rate in results:
        print(f"{size:>9,} people  {rate:6.1f} messages/s")
    ratio = results[-1][1] / results[0][1]
    print(f"ratio {sizes[-1]:,} / {sizes[0]:,} people = {ratio:.2f} (target >= 0.9)  "
          f"[the drain's batches called directly (up to {rt.settings.batch_size} messages each), "
          f"{args.messages - args.warmup} timed messages per size, "
          f"{PROPERTIES:,} properties]")


if __name__ == "__main__":
    main()
