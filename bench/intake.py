"""Webhook intake: signed POST /sms requests per second through gunicorn, against a bare Flask floor.

Run: python bench/intake.py [--requests 3000] [--concurrency 16] [--workers 4]

Both servers run the same gunicorn command (sync workers) one after the other in
the same run, loaded by the same threaded generator; the ratio real/bare is the
figure that travels between machines (target >= 0.5). The real app stores each
message in PostgreSQL and enqueues it on Redis (no worker drains it meanwhile).
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request

import _common as c  # noqa: E402  (puts the repo root on sys.path)
from store.db import make_engine  # noqa: E402
from store.enrolment import Enrolment, enrol  # noqa: E402
from store.db import make_sessionmaker  # noqa: E402

SENDERS = [f"+86138{i:08d}" for i in range(20)]


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
        try:  # any HTTP answer (200 after a redirect, 404, 405) means the server is up
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            pass
        except OSError:
            time.sleep(0.1)
            continue
        c.wait_until_idle(proc.pid)  # ...and once every worker has loaded the app, it is ready
        return proc, port
    proc.terminate()
    proc.wait()
    raise SystemExit(f"{app} did not start")


def measure(app: str, options: list[str], requests: int, concurrency: int) -> dict[str, float]:
    proc, port = serve(app, options)
    try:
        bodies = [(f"登记 张三 350102199001011238 {300 + i % 50}", SENDERS[i % len(SENDERS)]) for i in range(requests)]
        c.load(port, bodies[:200], concurrency)  # warm-up: imports, pools, first connections
        cpu_before = c.tree_cpu_seconds(proc.pid)
        result = c.load(port, bodies, concurrency)
        # CPU the server's own processes spent per request: less moved by other load than requests/s are.
        result["cpu_ms"] = (c.tree_cpu_seconds(proc.pid) - cpu_before) / result["n"] * 1000
        return result
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)  # the Procfile's web: WEB_CONCURRENCY defaults to 4
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    options = gunicorn_options(args.workers, args.worker_class, args.threads)
    c.fresh_database()
    import redis

    redis.Redis.from_url(c.REDIS_URL).flushdb()
    engine = make_engine(c.DATABASE_URL)
    with make_sessionmaker(engine).begin() as session:
        for i, phone in enumerate(SENDERS):
            enrol(session, Enrolment(phone=phone, name="房东", property_code=f"{400000 + i}", address="东街",
                                     precinct="GL01"))
    engine.dispose()
    bare = measure("_common:bare_app()", options, args.requests, args.concurrency)
    real = measure("gateway.app:create_app()", options, args.requests, args.concurrency)
    for name, r in (("bare Flask", bare), ("declgate /sms", real)):
        print(f"{name:14} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
              f"gunicorn CPU {r['cpu_ms']:.2f} ms/request  errors {r['errors']}/{r['n']}")
    ratio = real["rps"] / bare["rps"]
    print(f"ratio declgate/bare = {ratio:.2f} (target >= 0.5)  "
          f"[gunicorn {' '.join(options)}, {args.concurrency} client threads, {args.requests} requests]")


if __name__ == "__main__":
    sys.path.insert(0, c.ROOT + "/bench")
    main()
