"""Webhook intake: signed POST /sms requests per second through gunicorn, against a bare Flask floor.

Run: python bench/intake.py [--requests 3000] [--rounds 3] [--concurrency 16] [--workers 2] [--threads 8]

Both servers run the same gunicorn command (the Procfile's: 2 threaded workers of 8 threads),
loaded by the same threaded generator. Their rounds alternate (bare, declgate, bare, declgate…) so that a slower
minute of a shared machine falls on both; the median of the rounds' ratios real/bare is
the figure that travels between machines (target >= 0.5). The real app stores each
message in PostgreSQL and wakes the drain on Redis (no worker drains it meanwhile).

Where the time goes is printed too, as CPU milliseconds per request: the gunicorn
processes, the local PostgreSQL and Redis, the generator itself and the whole
machine. When the machine is saturated, requests/s is cores / machine CPU per request.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

import _common as c  # noqa: E402  (puts the repo root on sys.path)
from store.db import make_engine, make_sessionmaker  # noqa: E402

SERVERS = {"bare Flask": "_common:bare_app()", "declgate /sms": "gateway.app:create_app()"}


def gunicorn_options(workers: int, worker_class: str, threads: int) -> list[str]:
    """The one gunicorn configuration both servers of a run get."""
    return ["--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads)]


def serve(app: str, options: list[str]) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=c.ROOT + "/bench", env={**c.env(), "PYTHONPATH": c.ROOT}, stdout=subprocess.DEVNULL)
    for _ in range(300):
        if not c.answers(port):
            time.sleep(0.1)
            continue
        c.wait_until_idle(proc.pid)  # ...and once every worker has loaded the app, it is ready
        return proc, port
    proc.terminate()
    proc.wait()
    raise SystemExit(f"{app} did not start")


def bodies(start: int, count: int) -> list[tuple[str, str]]:
    return [(f"登记 张三 350102199001011238 {300 + i % 50}", c.SENDERS[i % len(c.SENDERS)])
            for i in range(start, start + count)]


def one_round(proc: subprocess.Popen, port: int, requests: int, concurrency: int) -> dict[str, float]:
    """Load one server and account for the CPU every party spent on it, per request."""
    before = (c.tree_cpu_seconds(proc.pid), c.command_cpu_seconds("postgres"),
              c.command_cpu_seconds("redis-server"), time.process_time(), *c.machine_cpu_seconds())
    result = c.load(port, bodies(0, requests), concurrency)
    after = (c.tree_cpu_seconds(proc.pid), c.command_cpu_seconds("postgres"),
             c.command_cpu_seconds("redis-server"), time.process_time(), *c.machine_cpu_seconds())
    for key, b, a in zip(("gunicorn", "postgres", "redis", "generator", "machine", "stolen"), before, after):
        result[key] = (a - b) / result["n"] * 1000
    return result


def prepare() -> None:
    """An empty benchmark database with the senders enrolled, and an empty Redis db."""
    c.fresh_database()
    import redis

    redis.Redis.from_url(c.REDIS_URL).flushdb()
    engine = make_engine(c.DATABASE_URL)
    with make_sessionmaker(engine).begin() as session:
        c.enrol_senders(session)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    # The Procfile's web: WEB_CONCURRENCY and WEB_THREADS default to 2 and 8.
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    options = gunicorn_options(args.workers, args.worker_class, args.threads)
    prepare()
    servers = {name: serve(app, options) for name, app in SERVERS.items()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    try:
        for proc, port in servers.values():
            c.load(port, bodies(0, 200), args.concurrency)  # warm-up: imports, pools, first connections
        for number in range(1, args.rounds + 1):
            for name, (proc, port) in servers.items():
                results[name].append(one_round(proc, port, args.requests, args.concurrency))
            bare, real = (results[name][-1] for name in servers)
            print(f"round {number}: bare {bare['rps']:6.0f} req/s, declgate {real['rps']:6.0f} req/s, "
                  f"ratio {real['rps'] / bare['rps']:.2f}", flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"\n{'median of ' + str(args.rounds) + ' rounds':18} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}   "
          f"CPU ms per request: {'gunicorn':>8} {'postgres':>8} {'redis':>6} {'generator':>9} {'machine':>7}"
          f" {'(stolen)':>8}  errors")
    for name in servers:
        errors = sum(r["errors"] for r in results[name])
        print(f"{name:18} {median(name, 'rps'):7.0f} {median(name, 'p50_ms'):7.1f} {median(name, 'p99_ms'):7.1f}"
              f"   {'':19} {median(name, 'gunicorn'):8.2f} {median(name, 'postgres'):8.2f}"
              f" {median(name, 'redis'):6.2f} {median(name, 'generator'):9.2f} {median(name, 'machine'):7.2f}"
              f" {median(name, 'stolen'):8.2f}  {errors}/{sum(r['n'] for r in results[name])}")
    names = list(servers)
    ratios = [real["rps"] / bare["rps"] for bare, real in zip(results[names[0]], results[names[1]])]
    print(f"ratio declgate/bare = {statistics.median(ratios):.2f} median of {', '.join(f'{r:.2f}' for r in ratios)}"
          f" (target >= 0.5)  [gunicorn {' '.join(options)}, {args.concurrency} client threads,"
          f" {args.requests} requests per round]")


if __name__ == "__main__":
    sys.path.insert(0, c.ROOT + "/bench")
    main()
