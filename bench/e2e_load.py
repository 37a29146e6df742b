"""The load of bench/e2e.py: distinct signed SMS webhooks, each sent once, by wrk or at a set rate.

Every webhook is a new declaration (its own MessageSid, its own valid ID number) from one of the
1,000 enrolled landlords; sending one twice would be a Twilio retry, which the gateway answers
without a second reply, so neither generator ever repeats one.
"""
from __future__ import annotations

import http.client
import os
import subprocess
import threading
import time
from dataclasses import dataclass

import _common as c  # noqa: E402  (puts the repository root on sys.path)
from tests.fault.stack import declaration  # noqa: E402

WRK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e_wrk.lua")


@dataclass(frozen=True)
class Webhook:
    sid: str
    body: bytes
    signature: str


def webhooks(run: str, start: int, count: int) -> list[Webhook]:
    """Webhooks for declarations `start`…`start + count - 1`; serials must not repeat across a database's runs,
    or an ID would be declared twice. The MessageSid carries `run` so each run's rows can be counted apart."""
    made = []
    for i in range(start, start + count):
        sid = f"SM{run}{i:0{32 - len(run)}d}"
        body, headers = c.signed_form(0, declaration(i, c.ric_number(i)), c.landlord_phone(i), sid)
        made.append(Webhook(sid, body, headers["X-Twilio-Signature"]))
    return made


def write_wrk_files(hooks: list[Webhook], prefix: str, threads: int) -> list[list[Webhook]]:
    """Split the webhooks between wrk's threads (PREFIX.0, PREFIX.1…, one "signature<TAB>body" a line);
    returns each thread's share in the order it sends them."""
    shares = [hooks[t::threads] for t in range(threads)]
    for t, share in enumerate(shares):
        with open(f"{prefix}.{t}", "w") as fh:
            fh.writelines(f"{hook.signature}\t{hook.body.decode()}\n" for hook in share)
    return shares


def run_wrk(base_url: str, prefix: str, threads: int, connections: int, seconds: int) -> tuple[dict[str, float], str]:
    """wrk with e2e_wrk.lua for `seconds`: its RESULT fields (rps, p50_ms, p99_ms, completed, sent, non2xx,
    sock_errors, exhausted, sent_by_thread) and its whole report."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", WRK_SCRIPT,
                          base_url, "--", prefix], capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no RESULT line:\n{out}")
    fields: dict[str, float] = {}
    for word in line.split()[1:]:
        key, _, value = word.partition("=")
        fields[key] = [int(v) for v in value.split(",") if v] if key == "sent_by_thread" else float(value)
    return fields, out


def sent_by_wrk(shares: list[list[Webhook]], sent_by_thread: list[int]) -> list[Webhook]:
    """The webhooks wrk actually sent: each thread's first ones, less the one wrk takes from the first thread
    to check the script before the run (see e2e_wrk.lua)."""
    sent = []
    for t, (share, count) in enumerate(zip(shares, sent_by_thread)):
        sent += share[1:count] if t == 0 else share[:count]
    return sent


@dataclass
class Paced:
    """What an open-loop run saw: per webhook, its HTTP status (0: no answer) and its latency in seconds,
    counted from when it was due, so a server that falls behind is charged for the wait (no coordinated
    omission)."""

    statuses: list[int]
    latencies: list[float]
    started: float  # time.time() when the first was due
    seconds: float  # from the first due to the last answer


def paced(port: int, hooks: list[Webhook], rate: float, clients: int = 64) -> Paced:
    """POST the webhooks to 127.0.0.1:port at `rate` per second, on schedule whatever the answers take."""
    statuses = [0] * len(hooks)
    latencies = [0.0] * len(hooks)
    lock = threading.Lock()
    following = iter(range(len(hooks)))
    first_due = time.perf_counter() + 0.2

    def client() -> None:
        while True:
            with lock:
                i = next(following, None)
            if i is None:
                return
            due = first_due + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", "/sms", body=hooks[i].body,
                             headers={"X-Twilio-Signature": hooks[i].signature,
                                      "Content-Type": "application/x-www-form-urlencoded"})
                response = conn.getresponse()
                response.read()
                statuses[i] = response.status
            except OSError:
                statuses[i] = 0
            finally:
                conn.close()
            latencies[i] = time.perf_counter() - due

    started = time.time() + (first_due - time.perf_counter())
    workers = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Paced(statuses, latencies, started, time.perf_counter() - first_due)

