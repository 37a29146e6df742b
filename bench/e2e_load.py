"""The load of bench/e2e.py: distinct signed SMS webhooks, each sent once, by wrk or at a set rate.

Every webhook is a new declaration (its own MessageSid, its own valid ID number) from one of the
1,000 enrolled landlords; sending one twice would be a Twilio retry, which the gateway answers
without a second reply, so neither generator ever repeats one.
"""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field

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
    # Per webhook, how long after it was due it was written to its connection: all 64 connections waiting
    # for answers, or the generator itself late on the busy cores. The rest of its latency is the server's
    # and the generator's reading of the answer.
    sent_late: list[float] = field(default_factory=list)


def paced(port: int, hooks: list[Webhook], rate: float, connections: int = 64) -> Paced:
    """POST the webhooks to 127.0.0.1:port at `rate` per second, on schedule whatever the answers take.

    Like wrk2, not like a thread per request: one event loop keeps `connections` connections open (the
    capacity run's wrk keeps its own open too, so "80 % of capacity" asks the same kind of work of the
    server) and sends each webhook, when due, on the connection that has been idle longest, so the load
    spreads over every web process that accepted one. A webhook due while all are busy waits here, and
    that wait counts in its latency. The loop spends a fraction of what a thread per request did, on the
    same two cores as the server it measures.
    """
    return asyncio.run(_Schedule(port, hooks, rate, connections).run())


class _Connection(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection, one request at a time; hands each answer to the schedule."""

    def __init__(self, schedule: _Schedule) -> None:
        self.schedule = schedule
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.current: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, i: int) -> None:
        self.current = i
        self.schedule.sent[i] = asyncio.get_running_loop().time()
        self.transport.write(self.schedule.requests[i])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.current is None:
            return
        head = bytes(self.buffer[:end]).lower()
        length = re.search(rb"\r\ncontent-length: *(\d+)", head)
        if length is None:
            raise RuntimeError(f"an answer without Content-Length: {head[:200]!r}")
        if len(self.buffer) < end + 4 + int(length.group(1)):
            return
        del self.buffer[:end + 4 + int(length.group(1))]
        i, self.current = self.current, None
        self.schedule.answered(self, i, int(head[9:12]), b"\r\nconnection: close" not in head)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        i, self.current = self.current, None
        self.schedule.closed(self, i)


ANSWER_TIMEOUT = 60.0  # seconds after the last webhook was due; Twilio itself gives up after 15


class _Schedule:
    def __init__(self, port: int, hooks: list[Webhook], rate: float, connections: int) -> None:
        self.port, self.rate, self.connections = port, rate, connections
        self.requests = [
            (f"POST /sms HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Twilio-Signature: {hook.signature}\r\n"
             f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(hook.body)}\r\n\r\n").encode()
            + hook.body for hook in hooks]
        self.statuses = [0] * len(hooks)
        self.latencies = [0.0] * len(hooks)
        self.due = [0.0] * len(hooks)
        self.sent = [0.0] * len(hooks)
        self.done = bytearray(len(hooks))
        self.idle: deque[_Connection] = deque()
        self.waiting: deque[int] = deque()  # due, with no idle connection yet
        self.left = len(hooks)
        self.finished: asyncio.Future[None] | None = None  # set when the last one is answered

    async def run(self) -> Paced:
        loop = asyncio.get_running_loop()
        self.finished = loop.create_future()
        if not self.requests:
            self.finished.set_result(None)
        for _ in range(self.connections):  # a server that refuses them fails the run here, at once
            _, connection = await loop.create_connection(lambda: _Connection(self), "127.0.0.1", self.port)
            self.idle.append(connection)
        first_due = loop.time() + 0.2
        started = time.time() + 0.2
        for i in range(len(self.requests)):
            self.due[i] = first_due + i / self.rate
            wait = self.due[i] - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.idle:
                self.idle.popleft().send(i)
            else:
                self.waiting.append(i)
        try:
            await asyncio.wait_for(self.finished, ANSWER_TIMEOUT)
        except TimeoutError:  # the server stopped answering: what is still out counts as not answered
            for i in (i for i, done in enumerate(self.done) if not done):
                self._record(i, 0)
        for connection in list(self.idle):
            connection.transport.close()
        sent_late = [sent - due for sent, due in zip(self.sent, self.due) if sent]
        return Paced(self.statuses, self.latencies, started, loop.time() - first_due, sent_late)

    async def _connect(self) -> None:
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                lambda: _Connection(self), "127.0.0.1", self.port)
        except OSError:  # the server is gone: what waits for a connection is not answered
            while self.waiting:
                self._record(self.waiting.popleft(), 0)
            return
        self._ready(connection)

    def _ready(self, connection: _Connection) -> None:
        if self.waiting:
            connection.send(self.waiting.popleft())
        else:
            self.idle.append(connection)

    def _record(self, i: int, status: int) -> None:
        if self.done[i]:
            return
        self.done[i] = 1
        self.statuses[i] = status
        self.latencies[i] = asyncio.get_running_loop().time() - self.due[i]
        self.left -= 1
        if self.left == 0 and not self.finished.done():
            self.finished.set_result(None)

    def answered(self, connection: _Connection, i: int, status: int, keep: bool) -> None:
        self._record(i, status)
        if keep:
            self._ready(connection)
        else:
            connection.transport.close()  # closed() follows

    def closed(self, connection: _Connection, i: int | None) -> None:
        """The connection is gone (the server's keep-alive timeout, or `answered` closed it)."""
        if connection in self.idle:
            self.idle.remove(connection)
        if i is not None:
            self._record(i, 0)
        if self.waiting or self.left:
            asyncio.get_running_loop().create_task(self._connect())
