"""End-to-end capacity: declarations per second from signed webhook to stored declaration + reply, against the peer.

Run: python bench/e2e.py [--seconds 15] [--connections 16] [--threads 2] [--workers N] [--web-concurrency 2]
                         [--rate-fraction 0.5,0.8] [--paced-seconds 10] [--paced-capacity N] [--skip-peer]

One invocation (issue #13):
1. empties `declgate_perf` and Redis db 13 and enrols 1,000 landlords (one property each, phones
   +86138xxxxxxxx like the peer's) with `declgate landlord import`; each round's store then starts with
   `--seeded-people` (300,000) people already registered at 20,000 other landlords' properties, with their
   declarations, SMS and replies (bench/seeded_store.py, `seed_round`);
2. starts the Procfile's `web` and `worker` roles unchanged, through a shell as a Procfile runner does
   (PORT, WEB_CONCURRENCY), with `--workers` worker processes and no Twilio account (replies go to the outbox);
3. warms each round up with 2,000 declarations and has PostgreSQL analyze the tables (`warm_up`), and keeps
   them analyzed by autovacuum's rule while the round runs (bench/e2e_analyze.py); then replays
   pre-signed webhooks with wrk (bench/e2e_wrk.lua), each a new declaration with its own valid ID number, each
   sent once, for `--seconds`;
4. waits for the last reply and checks that nothing was lost: every webhook 2xx, one inbound row, one
   declaration and one reply per webhook sent, no duplicate reply;
5. prints sustained messages/s (replied ÷ first webhook stored → last reply recorded), wrk's webhook rate and
   latency, the CPU each party spent per message (from /proc) and the reply latency;
6. paced runs: each `--rate-fraction` of that capacity, sent open-loop (bench/e2e_load.paced) for `--paced-seconds`,
   for the latency figures (issue #13: reply latency at 50 %, webhook p99 at 80 %); `--paced-capacity` fixes the
   capacity they are fractions of, so that an A/B of two configurations loads both alike (a capacity run's
   figure moves by ±10 % from run to run, and 80 % of a high reading is 90 % of a low one);
7. stops its processes and runs the RapidSMS peer's run.sh with the same wrk settings; prints the ratio.
   With `--rounds`, rounds of both alternate (ours: capacity, then the paced runs at that round's capacity);
   each later round of ours starts from the same seeded store (the round's own rows go; the landlords stay).
   The peer's run.sh starts every round from a new database. The ratio and the latency goals are read on
   the rounds' medians.

Exits 1 when a check fails. Processes' logs stay in the scratch directory it prints.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import _common as c  # noqa: E402  (puts the repository root on sys.path)
import e2e_load as load  # noqa: E402
from e2e_analyze import Autoanalyze, summary  # noqa: E402
from e2e_processes import Deployment, Started, process_env  # noqa: E402
import seeded_store  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from store.db import make_engine  # noqa: E402
from tests.fault.stack import free_port, procfile_command  # noqa: E402

PEER_DIR = os.path.normpath(os.path.join(c.ROOT, "..", "shared", "peers", "rapidsms"))
PEER_PORT = 8101  # run.sh's default
SEEDED_PEOPLE = 300_000  # registered when each round starts (seed_round)
SEEDED_PROPERTIES = 20_000
GOALS = {"ratio": 2.0, "cpu_ms": 4.0, "reply_p50_ms": 200.0, "reply_p99_ms": 1000.0, "webhook_p99_ms": 50.0}


class Checks:
    """Named pass/fail lines; any failure makes the run FAIL."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> None:
        print(f"    {'PASS' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
        if not ok:
            self.failed.append(what)


def enrol_landlords(scratch: str, env: dict[str, str]) -> None:
    """1,000 landlords, each with one property in precinct GL01 (created by the first row), by the CLI."""
    path = os.path.join(scratch, "landlords.csv")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("phone,name,property_code,address,precinct\n")
        fh.writelines(f"{c.landlord_phone(i)},房东{i},{500000 + i},东街{i}号,GL01\n" for i in range(c.LANDLORDS))
    done = subprocess.run(["declgate", "landlord", "import", path], cwd=scratch, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"declgate landlord import failed:\n{done.stdout}{done.stderr}")
    print(f"  {done.stdout.strip()}")


def utc_seconds(stored: dt.datetime) -> float:
    """A stored timestamp (naive UTC, store.models.utcnow) as seconds since the epoch."""
    return stored.replace(tzinfo=dt.timezone.utc).timestamp()


@dataclass
class Ledger:
    """What the database holds for one run's webhooks (their MessageSids start with SM + the run's code)."""

    sids: set[str]
    statuses: dict[str, int]
    declarations: int
    declared_inbound: int
    replies: int
    replied_inbound: int
    first_received: float
    last_reply: float
    reply_latencies: list[float]

    @classmethod
    def read(cls, engine, run: str) -> Ledger:
        like = {"p": f"SM{run}%"}
        with engine.connect() as conn:
            inbound = conn.execute(text("SELECT provider_sid, status, received_at FROM inbound_messages "
                                        "WHERE provider_sid LIKE :p"), like).all()
            declarations, declared = conn.execute(text(
                "SELECT count(*), count(DISTINCT d.inbound_id) FROM declarations d "
                "JOIN inbound_messages i ON i.id = d.inbound_id WHERE i.provider_sid LIKE :p"), like).one()
            replies = conn.execute(text(
                "SELECT o.in_reply_to, i.received_at, o.created_at FROM outbound_messages o "
                "JOIN inbound_messages i ON i.id = o.in_reply_to "
                "WHERE o.purpose = 'reply' AND i.provider_sid LIKE :p"), like).all()
        statuses: dict[str, int] = {}
        for _, status, _ in inbound:
            statuses[status] = statuses.get(status, 0) + 1
        return cls(sids={sid for sid, _, _ in inbound}, statuses=statuses, declarations=declarations,
                   declared_inbound=declared, replies=len(replies), replied_inbound=len({r[0] for r in replies}),
                   first_received=min((utc_seconds(r[2]) for r in inbound), default=math.nan),
                   last_reply=max((utc_seconds(r[2]) for r in replies), default=math.nan),
                   reply_latencies=[(r[2] - r[1]).total_seconds() for r in replies])

    def verify(self, checks: Checks, sent: list[load.Webhook]) -> None:
        wanted = {hook.sid for hook in sent}
        n = len(wanted)
        checks.check(self.sids == wanted, "one inbound row per webhook sent",
                     f"{len(self.sids)} rows for {n} sent, {len(wanted - self.sids)} missing, "
                     f"{len(self.sids - wanted)} never sent")
        checks.check(self.declarations == n and self.declared_inbound == n, "one declaration stored per webhook",
                     f"{self.declarations} declarations from {self.declared_inbound} messages; message states "
                     + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())))
        checks.check(self.replied_inbound == n, "a reply recorded for every webhook", f"{self.replied_inbound} of {n}")
        checks.check(self.replies == self.replied_inbound, "no duplicate reply",
                     f"{self.replies - self.replied_inbound} extra")


def replies_after(engine, base: int) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM outbound_messages WHERE purpose = 'reply' AND id > :b"),
                           {"b": base})


def last_outbound_id(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT coalesce(max(id), 0) FROM outbound_messages"))


def wait_for_replies(engine, base: int, expected: int, stall: float) -> float:
    """Poll until `expected` replies newer than `base` are recorded, or none has come for `stall` seconds;
    returns how long it waited."""
    started = last_change = time.monotonic()
    seen = -1
    while True:
        count = replies_after(engine, base)
        if count >= expected:
            return time.monotonic() - started
        if count != seen:
            seen, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > stall:
            print(f"    gave up waiting: {count} of {expected} replies, none new for {stall:g} s")
            return time.monotonic() - started
        time.sleep(0.25)


WARM_UP = 2000  # declarations a round starts with: past the first minute of a new store (see warm_up)


def warm_up(engine, port: int, serial: int, run: str, stall: float, scratch: str) -> int:
    """Give the round's store its first WARM_UP declarations, then the statistics autovacuum would take of it;
    returns the next serial.

    On a live server autovacuum analyzes a table once it has changed by a tenth (and 50 rows), and every
    plan PostgreSQL keeps for a prepared statement is made again when its tables are analyzed. This
    machine's server runs with autovacuum off, so the rounds (from empty message tables, with
    `--seeded-people 0`) would be measured on the plans of a store a few rows old for their whole length:
    psycopg prepares a statement a connection has run five times, and a plan chosen for a 100-row table
    (a scan of it, cheaper there than an index) was kept as the table grew to 15,000 rows, 50-70 ms for
    the receipts' look-up of one batch (2026-12-07). A deployment keeps autovacuum on, and `declgate
    doctor` warns when it is off; what this measures is a store past its first minute. The warm-up's
    messages are not counted in the round's figures. While the round runs, `e2e_analyze.Autoanalyze`
    goes on analyzing by autovacuum's rule as the tables grow.
    """
    warm = load.webhooks(run, serial, WARM_UP)
    base = last_outbound_id(engine)
    load.paced(port, warm, 400.0, connections=16)
    wait_for_replies(engine, base, len(warm), stall)
    if replies_after(engine, base) < len(warm):
        raise SystemExit(f"the warm-up's {WARM_UP} declarations were not all replied; see the logs in {scratch}")
    with engine.connect() as conn:
        autovacuum = conn.scalar(text("SHOW autovacuum"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"  warmed up: {WARM_UP} declarations stored and replied, then analyzed (this server's autovacuum: "
          f"{autovacuum})", flush=True)
    return serial + WARM_UP


def empty_messages(engine) -> None:
    """Drop the messages, people, declarations and replies of earlier runs; the enrolled landlords stay.

    Every round starts from the same store (`seed_round`): otherwise later rounds write into tables tens of
    thousands of rows larger, and count each sender's earlier messages of the hour uncapped
    (SMS_RATE_LIMIT_PER_HOUR is set sky-high so that no declaration goes unanswered).
    """
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE inbound_messages, people, declarations, outbound_messages CASCADE"))


def seed_round(engine, people: int, first: bool) -> None:
    """Give the round's store `people` registered people, their declarations, SMS and replies (bench/seeded_store),
    living at SEEDED_PROPERTIES landlords' properties of their own (seeded with the first round), in GL01.

    A deployment's store holds a province's registrations, and this one grows by some 25,000 messages a
    round. From empty tables, a round's growth passed autovacuum's analyze threshold (a tenth of a table)
    every second or two: 40-50 ANALYZEs a round, of 30-200 ms each, a dozen of them inside the 10 s run
    at 80 % (2026-12-07). On a store of this size the same rule analyzes a table about once a round, as a
    live one of a million rows, at this rate, would about once a minute. The seeded senders are other
    landlords, their messages a year old: no round's sender has an earlier message in its hour.
    """
    if people <= 0:
        return
    with engine.connect() as conn:
        precinct = conn.scalar(text("SELECT id FROM precincts WHERE code = 'GL01'"))
    layout = seeded_store.Layout(c.DATABASE_URL, SEEDED_PROPERTIES, precinct_id=precinct, first_id=c.LANDLORDS + 1)
    if first:
        seeded_store.seed_properties(layout)
    seeded_store.grow(layout, 0, people)


def cpu_now(deployment: Deployment, database: str) -> dict[str, float]:
    """CPU seconds so far, by party; the differences of two readings are what a run cost."""
    web, workers = deployment.cpu_seconds()
    postgres, other_databases = c.postgres_cpu_seconds(database)
    machine, stolen = c.machine_cpu_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
    return {"web": web, "worker": workers, "postgres": postgres, "redis": c.command_cpu_seconds("redis-server"),
            "generator": children.ru_utime + children.ru_stime + time.process_time(),
            "other databases": other_databases, "machine": machine, "stolen": stolen}


def print_cpu(before: dict[str, float], after: dict[str, float], messages: int) -> float:
    """Print CPU ms per message by party; returns the total of the system's own parties."""
    per = {k: (after[k] - before[k]) * 1000 / max(messages, 1) for k in before}
    parties = ("web", "worker", "postgres", "redis")
    total = sum(per[k] for k in parties)
    per["other databases"] = max(0.0, per["other databases"])  # a backend that exited takes its CPU with it
    rest = per["machine"] - total - per["generator"] - per["other databases"]
    print(f"  CPU per message: web {per['web']:.2f} + worker(s) {per['worker']:.2f} + PostgreSQL {per['postgres']:.2f}"
          f" + Redis {per['redis']:.2f} = {total:.2f} ms   (load generator {per['generator']:.2f}; not ours: "
          f"other databases' backends {per['other databases']:.2f}, rest of the machine {rest:.2f},"
          f" stolen {per['stolen']:.2f})")
    return total


def ms(seconds: list[float], fraction: float) -> float:
    return c.percentile(seconds, fraction) * 1000


def capacity_run(args, deployment: Deployment, engine, database: str,
                 serial: int, run: str = "c") -> tuple[float, float, Checks, int]:
    """wrk at full speed: sustained messages/s, CPU ms per message, the checks and the next free serial."""
    checks = Checks()
    count = args.requests or max(20000, args.seconds * 1500)
    hooks = load.webhooks(run, serial, count)
    shares = load.write_wrk_files(hooks, os.path.join(deployment.scratch, "wrk"), args.threads)
    base = last_outbound_id(engine)
    print(f"\n== declgate capacity (load average before: {os.getloadavg()[0]:.2f})", flush=True)
    before = cpu_now(deployment, database)
    fields, report = load.run_wrk(f"http://127.0.0.1:{deployment.port}", os.path.join(deployment.scratch, "wrk"),
                                  args.threads, args.connections, args.seconds)
    sent = load.sent_by_wrk(shares, fields["sent_by_thread"])
    for t in range(args.threads):
        os.remove(os.path.join(deployment.scratch, f"wrk.{t}"))  # megabytes of signed requests, used up
    waited = wait_for_replies(engine, base, len(sent), args.stall)
    after = cpu_now(deployment, database)
    with open(os.path.join(deployment.scratch, "wrk.out"), "w") as fh:
        fh.write(report)
    ledger = Ledger.read(engine, run)
    replied = ledger.replied_inbound
    span = ledger.last_reply - ledger.first_received
    rate = replied / span if span > 0 else 0.0
    print(f"  wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
          f"{len(sent)} webhooks sent, last reply {waited:.1f} s after wrk ended")
    print(f"  webhooks: {fields['rps']:.0f} req/s, p50 {fields['p50_ms']:.1f} ms, p99 {fields['p99_ms']:.1f} ms "
          f"(wrk, closed loop at {args.connections} connections)")
    print(f"  sustained: {replied} messages replied in {span:.2f} s (first webhook stored → last reply) = "
          f"{rate:.1f} messages/s")
    cpu_ms = print_cpu(before, after, replied)
    print(f"  reply latency at full load: p50 {ms(ledger.reply_latencies, .5):.0f} ms, "
          f"p99 {ms(ledger.reply_latencies, .99):.0f} ms (a closed loop over capacity: the backlog, not a goal)")
    checks.check(fields["non2xx"] == 0 and fields["sock_errors"] == 0, "every webhook answered 2xx",
                 f"{fields['non2xx']:.0f} non-2xx, {fields['sock_errors']:.0f} socket errors")
    checks.check(fields["exhausted"] == 0, "wrk never ran out of fresh webhooks",
                 f"raise --requests above {count}" if fields["exhausted"] else "")
    ledger.verify(checks, sent)
    return rate, cpu_ms, checks, serial + count


@dataclass(frozen=True)
class Latencies:
    """One paced run's percentiles, in ms: the webhook's (from when it was due) and the reply's."""

    webhook_p50: float
    webhook_p99: float
    reply_p50: float
    reply_p99: float


def paced_run(args, deployment: Deployment, engine, database: str, serial: int, fraction: float, capacity: float,
              run: str) -> tuple[Latencies, Checks, int]:
    """Open loop at `fraction` of the measured capacity: webhook and reply latency percentiles, the checks and
    the next free serial."""
    checks = Checks()
    rate = fraction * capacity
    hooks = load.webhooks(run, serial, max(1, math.ceil(rate * args.paced_seconds)))
    base = last_outbound_id(engine)
    before = cpu_now(deployment, database)
    result = load.paced(deployment.port, hooks, rate)
    waited = wait_for_replies(engine, base, len(hooks), args.stall)
    after = cpu_now(deployment, database)
    ledger = Ledger.read(engine, run)
    answered = [lat for lat, status in zip(result.latencies, result.statuses) if 200 <= status < 300]
    print(f"\n== declgate paced at {fraction:.0%} of {capacity:.0f} messages/s: {rate:.1f} webhooks/s open loop for "
          f"{result.seconds:.1f} s ({len(hooks)} sent), last reply {waited:.1f} s after the last webhook")
    print(f"  webhook latency (from when each was due): p50 {ms(answered, .5):.1f} ms, p99 {ms(answered, .99):.1f} ms; "
          f"written to its connection after it was due by p50 {ms(result.sent_late, .5):.1f} ms, "
          f"p99 {ms(result.sent_late, .99):.1f} ms")
    print(f"  reply latency (stored → reply recorded): p50 {ms(ledger.reply_latencies, .5):.0f} ms, "
          f"p99 {ms(ledger.reply_latencies, .99):.0f} ms")
    print_cpu(before, after, ledger.replied_inbound)
    checks.check(len(answered) == len(hooks), "every webhook answered 2xx", f"{len(hooks) - len(answered)} not")
    ledger.verify(checks, hooks)
    figures = Latencies(ms(answered, .5), ms(answered, .99), ms(ledger.reply_latencies, .5),
                        ms(ledger.reply_latencies, .99))
    return figures, checks, serial + len(hooks)


def latency_goals(paced: dict[float, list[Latencies]]) -> None:
    """Print the issue's latency goals against the median of the rounds' paced runs.

    One paced run is ten seconds of a shared machine whose speed comes and goes (a neighbour, the
    database's checkpoint): its p99 is as much about those seconds as about the gateway. Every round
    runs its own, at its own capacity, and the median is the figure, as for the ratio."""
    goals = {0.5: ("reply", lambda f: (f.reply_p50, f.reply_p99), (GOALS["reply_p50_ms"], GOALS["reply_p99_ms"])),
             0.8: ("webhook", lambda f: (f.webhook_p50, f.webhook_p99), (math.inf, GOALS["webhook_p99_ms"]))}
    for fraction, runs in sorted(paced.items()):
        if not runs:
            continue
        print(f"  paced at {fraction:.0%} of capacity, {len(runs)} run(s): webhook p99 "
              + ", ".join(f"{f.webhook_p99:.1f}" for f in runs) + " ms; reply p99 "
              + ", ".join(f"{f.reply_p99:.0f}" for f in runs) + " ms")
        goal = next((g for key, g in goals.items() if abs(key - fraction) < 1e-9), None)
        if goal is None:
            continue
        what, pick, (p50_limit, p99_limit) = goal
        p50 = statistics.median(pick(f)[0] for f in runs)
        p99 = statistics.median(pick(f)[1] for f in runs)
        met = p50 <= p50_limit and p99 <= p99_limit
        limits = (f"p50 ≤ {p50_limit:.0f} ms and " if p50_limit < math.inf else "") + f"p99 ≤ {p99_limit:.0f} ms"
        print(f"  goal at {fraction:.0%}: {what} {limits}; median p50 {p50:.1f} ms, p99 {p99:.1f} ms: "
              f"{'met' if met else 'NOT met'}")


def run_peer(args, started: Started, scratch: str, log_name: str = "peer.log") -> float | None:
    """The RapidSMS peer's run.sh with the same wrk settings; its `RapidSMS unique N req/s`, None if it failed."""
    env = dict(os.environ, WRK_SECS=str(args.seconds), WRK_THREADS=str(args.threads), WRK_CONNS=str(args.connections),
               PORT=str(PEER_PORT))
    started.pidfiles.append(os.path.join(tempfile.gettempdir(), "peer-rapidsms", f"gunicorn-{PEER_PORT}.pid"))
    log_path = os.path.join(scratch, log_name)
    print(f"\n== RapidSMS peer: {PEER_DIR}/run.sh (WRK_SECS={args.seconds} WRK_THREADS={args.threads} "
          f"WRK_CONNS={args.connections}; its log: {log_path})", flush=True)
    proc = started.spawn([os.path.join(PEER_DIR, "run.sh")], log_path, cwd=PEER_DIR, env=env)
    proc.wait()
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        output = fh.read()
    for line in output.splitlines():
        if line.startswith(("== summary", "  RapidSMS", "  FAIL", "== all", "== SOME")):
            print("  " + line.strip())
    found = re.search(r"RapidSMS unique\s+([\d.]+) req/s", output)
    if proc.returncode != 0 or not found:
        print(f"  FAIL the peer's run.sh exited with {proc.returncode}; see {log_path}")
        return float(found.group(1)) if found else None
    return float(found.group(1))


# Each capacity round's MessageSids start with its own letter, so its rows are counted apart ("p…" is paced).
ROUND_RUNS = "cdefghijklmno"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="wrk's -d, here and for the peer")
    parser.add_argument("--connections", type=int, default=16, help="wrk's -c, here and for the peer")
    parser.add_argument("--threads", type=int, default=2, help="wrk's -t, here and for the peer")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="`declgate worker` processes (default: one per core, as docs/deployment.md advises)")
    parser.add_argument("--web-concurrency", type=int, default=2, help="WEB_CONCURRENCY (gunicorn workers)")
    parser.add_argument("--requests", type=int, default=0, help="webhooks prepared for wrk (default: enough)")
    parser.add_argument("--rate-fraction", default="0.5,0.8",
                        help="comma-separated fractions of the measured capacity for paced runs; 0 for none")
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--paced-capacity", type=float, default=0.0,
                        help="messages/s the paced runs' fractions are of (default: the round's measured capacity)")
    parser.add_argument("--stall", type=float, default=60.0, help="give up waiting after this long with no new reply")
    parser.add_argument("--seeded-people", type=int, default=SEEDED_PEOPLE,
                        help="people already registered when each round starts, with their declarations, SMS and "
                             "replies (0: empty message tables)")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds of declgate (capacity and paced runs) and the peer, alternating; the ratio "
                             "and the latency goals are read on their medians")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not 1 <= args.rounds <= len(ROUND_RUNS):
        raise SystemExit(f"--rounds takes 1 to {len(ROUND_RUNS)}")
    if shutil.which("wrk") is None:  # said now, not after minutes of setting up
        raise SystemExit("the capacity runs need wrk: apt-get install wrk")
    fractions = [float(f) for f in args.rate_fraction.split(",") if float(f) > 0]
    scratch = tempfile.mkdtemp(prefix="declgate-e2e-")
    database = make_url(c.DATABASE_URL).database
    started = Started()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop what was started on the way out
    engine = None
    failed: list[str] = []
    try:
        print(f"== preparing {database} and Redis {c.REDIS_URL} (scratch and logs: {scratch})", flush=True)
        c.fresh_database()
        import redis

        redis.Redis.from_url(c.REDIS_URL).flushdb()
        port = free_port()
        deployment = Deployment(started, scratch, port, args.web_concurrency)
        enrol_landlords(scratch, process_env(scratch, port, args.web_concurrency))
        print(f"  web: {procfile_command('web')}  [PORT={port} WEB_CONCURRENCY={args.web_concurrency}]")
        print(f"  worker ×{args.workers}: {procfile_command('worker')}", flush=True)
        engine = make_engine(c.DATABASE_URL)
        paced: dict[float, list[Latencies]] = {fraction: [] for fraction in fractions}
        rounds = []
        serial = 0  # goes on from round to round, never repeating an ID number
        # A shared machine's load comes and goes: more rounds, alternating, put both systems under the same
        # minutes, and the medians are the figures.
        for number in range(1, args.rounds + 1):
            if number > 1:
                print(f"\n== round {number} of {args.rounds}", flush=True)
                empty_messages(engine)
            seed_round(engine, args.seeded_people, first=number == 1)
            deployment.start(args.workers)
            serial = warm_up(engine, port, serial, "w" + ROUND_RUNS[number - 1], args.stall, scratch)
            autoanalyze = Autoanalyze(engine).start()
            capacity, cpu_ms, checks, serial = capacity_run(args, deployment, engine, database, serial,
                                                            run=ROUND_RUNS[number - 1])
            failed += checks.failed
            for k, fraction in enumerate(fractions):
                if capacity <= 0:
                    break
                figures, checks, serial = paced_run(args, deployment, engine, database, serial, fraction,
                                                    args.paced_capacity or capacity,
                                                    "p" + "abcdefghij"[k] + ROUND_RUNS[number - 1])
                paced[fraction].append(figures)
                failed += checks.failed
            print(f"\n  round {number}: {summary(autoanalyze.stop())}", flush=True)
            deployment.stop()
            rounds.append((capacity, cpu_ms, None if args.skip_peer
                           else run_peer(args, started, scratch, "peer.log" if number == 1 else f"peer-{number}.log")))
        print("\n== issue #13")
        ratios = [ours / peer for ours, _, peer in rounds if peer]
        if len(rounds) > 1:
            for number, (ours, cpu, peer) in enumerate(rounds, 1):
                print(f"  round {number}: declgate {ours:.1f} msgs/s at {cpu:.2f} ms CPU/msg, peer "
                      + (f"{peer:.1f} req/s, ratio {ours / peer:.2f}" if peer else "not run"))
        cpu_ms = statistics.median(cpu for _, cpu, _ in rounds)
        if ratios:
            ratio = statistics.median(ratios)
            ours, peer = statistics.median(r[0] for r in rounds), statistics.median(r[2] for r in rounds if r[2])
            which = "median of the rounds' ratios" if len(ratios) > 1 else f"declgate {ours:.1f} msgs/s / peer {peer:.1f} req/s"
            print(f"  ratio = {ratio:.2f} ({which}; "
                  f"{'≥' if ratio >= GOALS['ratio'] else 'below'} {GOALS['ratio']:.1f}: goal {'met' if ratio >= GOALS['ratio'] else 'NOT met'})")
        if not args.skip_peer and len(ratios) < len(rounds):
            failed.append("the peer's run")
        print(f"  CPU per message {cpu_ms:.2f} ms ({'≤' if cpu_ms <= GOALS['cpu_ms'] else 'above'} "
              f"{GOALS['cpu_ms']:.0f} ms: goal {'met' if cpu_ms <= GOALS['cpu_ms'] else 'NOT met'})")
        latency_goals(paced)
    except KeyboardInterrupt:
        print("\n== interrupted: stopping what this run started")
        return 130
    finally:
        if engine is not None:
            engine.dispose()
        started.stop_all()
    if failed:
        print(f"\n== FAIL: {'; '.join(failed)}")
        return 1
    print("\n== all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
