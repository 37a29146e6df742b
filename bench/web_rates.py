"""What a webhook costs the web role at each load: CPU per webhook and latency, rate by rate.

Run: python bench/web_rates.py [--rates 100,200,400,600] [--seconds 8] [--web-concurrency 2]

bench/e2e.py found that a message costs more at 80 % of capacity than at full load, most of the
difference in the web processes. This isolates the web role: the Procfile's `web` command alone
(no `declgate worker`: the messages wait as `received`), paced open-loop load at fixed rates on
kept-alive connections (bench/e2e_load.paced), and the CPU of gunicorn's processes and of
PostgreSQL per webhook at each rate. Set WEB_THREADS in the environment to try other thread counts.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile

import _common as c  # noqa: E402  (puts the repository root on sys.path)
import e2e_load as load  # noqa: E402
from e2e_processes import Deployment, Started  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.fault.stack import free_port  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,200,400,600", help="webhooks per second, one run each")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--web-concurrency", type=int, default=2)
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    scratch = tempfile.mkdtemp(prefix="declgate-web-rates-")
    database = make_url(c.DATABASE_URL).database
    started = Started()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        c.fresh_database()
        deployment = Deployment(started, scratch, free_port(), args.web_concurrency)
        deployment.start(0)
        load.paced(deployment.port, load.webhooks("w", 0, 200), 100.0, connections=8)  # warm up
        serial = 200
        print(f"web role alone, WEB_CONCURRENCY={args.web_concurrency} WEB_THREADS={os.environ.get('WEB_THREADS', '8')}"
              f" (logs: {scratch})")
        print(f"{'rate/s':>7} {'sent':>6} {'web ms':>7} {'pg ms':>6} {'p50 ms':>7} {'p99 ms':>7}")
        for rate in rates:
            hooks = load.webhooks(f"r{int(rate)}", serial, int(rate * args.seconds))
            serial += len(hooks)
            web_before, pg_before = deployment.cpu_seconds()[0], c.postgres_cpu_seconds(database)[0]
            result = load.paced(deployment.port, hooks, rate)
            web_after, pg_after = deployment.cpu_seconds()[0], c.postgres_cpu_seconds(database)[0]
            failures = sum(1 for status in result.statuses if not 200 <= status < 300)
            if failures:
                print(f"  {failures} webhooks were not answered 2xx; see {scratch}/web.log")
            latencies = sorted(result.latencies)
            print(f"{rate:7.0f} {len(hooks):6d} {(web_after - web_before) * 1000 / len(hooks):7.2f}"
                  f" {(pg_after - pg_before) * 1000 / len(hooks):6.2f}"
                  f" {c.percentile(latencies, 0.5) * 1000:7.1f} {c.percentile(latencies, 0.99) * 1000:7.1f}", flush=True)
    finally:
        started.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
