"""What a webhook costs the web role at each load, against bare Flask on the same server at the same load.

Run: python bench/web_rates.py [--rates 100,200,400,600,800] [--seconds 8] [--web-concurrency 2]

bench/e2e.py found that a message costs more at 80 % of capacity than at full load, most of the
difference in the web processes. This isolates the web role: the Procfile's `web` command alone
(no `declgate worker`: the messages wait as `received`), paced open-loop load at fixed rates on
kept-alive connections (bench/e2e_load.paced), and the CPU of gunicorn's processes and of
PostgreSQL per webhook at each rate; then both at saturation (wrk, 16 kept-alive connections).

Beside it runs the floor: the same Procfile command, gunicorn settings and access log included,
serving bench/_common.bare_app (reads the form, answers the TwiML) instead of the gateway, loaded
with the same webhooks at the same rates, alternately. What the server and Flask cost at a given
load is then told apart from what declgate adds to them. Set WEB_THREADS in the environment to try
other thread counts.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable

import _common as c  # noqa: E402  (puts the repository root on sys.path)
import e2e_load as load  # noqa: E402
from e2e_processes import Deployment, Started, process_env  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.fault.stack import free_port, procfile_command  # noqa: E402

GATEWAY_APP = '"gateway.app:create_app()"'
FLOOR_APP = '"_common:bare_app()"'
SATURATING_CONNECTIONS = 16  # as bench/e2e.py's capacity run
SATURATE_SECONDS = 5
SATURATE_HOOKS = 60_000  # more than wrk sends in SATURATE_SECONDS: none is sent twice


class Floor:
    """The Procfile's web command with bare Flask in the gateway's place."""

    def __init__(self, started: Started, scratch: str, web_concurrency: int) -> None:
        command = procfile_command("web")
        if GATEWAY_APP not in command:
            raise SystemExit(f"the Procfile's web command no longer names {GATEWAY_APP}: {command}")
        self.port = free_port()
        self.proc = started.spawn(["bash", "-c", "exec " + command.replace(GATEWAY_APP, FLOOR_APP)],
                                  os.path.join(scratch, "floor.log"), cwd=os.path.dirname(os.path.abspath(__file__)),
                                  env=process_env(scratch, self.port, web_concurrency))
        deadline = time.monotonic() + 60
        while not c.answers(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the bare Flask floor did not start; see {scratch}/floor.log")
            time.sleep(0.2)
        c.wait_until_idle(self.proc.pid)

    def cpu_seconds(self) -> float:
        return c.all_cpu_seconds(self.proc.pid)


def measured(cpu: Callable[[], float], port: int, hooks: list[load.Webhook], rate: float, database: str | None,
             scratch: str) -> dict[str, float]:
    """Pace `hooks` at `rate` (0: saturate with wrk); the server's CPU (and PostgreSQL's) per webhook, p50 and p99,
    and the rate it answered."""
    before, pg_before = cpu(), c.postgres_cpu_seconds(database)[0] if database else 0.0
    if rate:
        result = load.paced(port, hooks, rate)
        answered, per_second = len(hooks), rate
        failures = sum(1 for status in result.statuses if not 200 <= status < 300)
        latencies = sorted(result.latencies)
        p50, p99 = c.percentile(latencies, 0.5) * 1000, c.percentile(latencies, 0.99) * 1000
    else:
        prefix = os.path.join(scratch, "wrk-hooks")
        load.write_wrk_files(hooks, prefix, 2)
        fields, _ = load.run_wrk(f"http://127.0.0.1:{port}", prefix, 2, SATURATING_CONNECTIONS, SATURATE_SECONDS)
        answered, failures = int(fields["completed"]), int(fields["non2xx"] + fields["sock_errors"])
        per_second = fields["rps"]
        p50, p99 = fields["p50_ms"], fields["p99_ms"]
    after, pg_after = cpu(), c.postgres_cpu_seconds(database)[0] if database else 0.0
    return {"web": (after - before) * 1000 / answered, "pg": (pg_after - pg_before) * 1000 / answered,
            "p50": p50, "p99": p99, "failures": failures, "per_second": per_second}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,200,400,600,800", help="webhooks per second, one run each")
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
        floor = Floor(started, scratch, args.web_concurrency)
        for port in (deployment.port, floor.port):  # warm up
            load.paced(port, load.webhooks("w", 0, 200), 100.0, connections=8)
        serial = 200
        print(f"web role alone against bare Flask on the same Procfile command, WEB_CONCURRENCY="
              f"{args.web_concurrency} WEB_THREADS={os.environ.get('WEB_THREADS', '8')} (logs: {scratch})")
        print("CPU per webhook in ms; latency from when each was due, in ms; 'saturated': wrk, "
              f"{SATURATING_CONNECTIONS} connections, {SATURATE_SECONDS} s")
        print(f"{'rate/s':>9} | {'web':>6} {'pg':>5} {'p50':>6} {'p99':>6} | {'floor':>6} {'p50':>6} {'p99':>6}"
              f" | {'added':>6}")
        for number, rate in enumerate([*rates, 0.0]):
            count = int(rate * args.seconds) if rate else SATURATE_HOOKS
            hooks = load.webhooks(f"r{number}", serial, count)
            serial += count
            # Alternate which goes first, so that a slower minute of a shared machine falls on both.
            runs = [("floor", floor.cpu_seconds, floor.port, None),
                    ("web", lambda: deployment.cpu_seconds()[0], deployment.port, database)]
            results = {name: measured(cpu, port, hooks, rate, pg, scratch) for name, cpu, port, pg in
                       (runs if number % 2 else runs[::-1])}
            ours, bare = results["web"], results["floor"]
            for name, result in results.items():
                if result["failures"]:
                    print(f"  {result['failures']} webhooks to the {name} were not answered 2xx; see {scratch}")
            label = f"{rate:.0f}" if rate else "saturated"
            print(f"{label:>9} | {ours['web']:6.2f} {ours['pg']:5.2f} {ours['p50']:6.1f} {ours['p99']:6.1f} | "
                  f"{bare['web']:6.2f} {bare['p50']:6.1f} {bare['p99']:6.1f} | {ours['web'] - bare['web']:6.2f}",
                  flush=True)
            if not rate:
                print(f"{'':>9}   at {ours['per_second']:.0f}/s {'':>6}   at {bare['per_second']:.0f}/s")
    finally:
        started.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
