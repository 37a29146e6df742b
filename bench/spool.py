"""What keeping a message in the spool costs a webhook: the Redis stream against the fsynced file.

Run: python bench/spool.py [--writes 2000] [--requests 1000] [--rounds 3] [--dir DIR]

Each place in turn, in alternating rounds (the best round of each is reported, as a busy neighbour
can only make a round slower):

- the stream on the local Redis (db 13), as configured (the CI's has no persistence);
- the stream on a redis-server this script starts with an append-only file fsynced every second,
  and one fsynced at every write (`appendfsync always`): what a Redis that holds the spool needs;
- the file: open, flock, append, fsync, close on the disk under --dir (default: instance/bench-spool,
  the disk the instance directory is on).

For each, two figures:

- `Spool.write` alone, in this process: latency per write (p50, p99, max) and CPU per write, this
  process's and redis-server's (one round trip: a Lua XLEN + XADD of the sealed entry, by EVALSHA);
- the whole webhook during an outage, through Flask's test client: signature check, form, spool
  write, TwiML. The database is a closed port and something already waits in the spool, so, as in
  production after the first spooled message, the database is not tried for each request.

Nothing here touches the database; streams, files and the private Redis servers are removed.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import _common as c  # noqa: E402  (puts the repo root on sys.path)
import redis  # noqa: E402

from gateway.pipeline.spool import Entry, Spool  # noqa: E402
from store.keyring import Keyring  # noqa: E402

BODY = "登记 张三 350102199001011238 301 @东街"


def entry(n: int) -> Entry:
    return Entry(sid=f"SM{uuid.uuid4().hex}", from_number=c.SENDERS[n % len(c.SENDERS)], to_number=c.GATEWAY_NUMBER,
                 body=BODY)


@contextlib.contextmanager
def private_redis(fsync: str) -> Iterator[str]:
    """A redis-server on a free port with an append-only file fsynced `fsync` ("everysec" or "always")."""
    from tests.fault.stack import free_port, wait_until

    port = free_port()
    directory = tempfile.mkdtemp(prefix="declgate-bench-redis-", dir=Path(c.ROOT) / "instance")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                             "--appendonly", "yes", "--appendfsync", fsync, "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: _pings(url), 30, f"redis-server on {port}")
        yield url
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        return False


def writes(spool: Spool, count: int, expect: str) -> dict[str, float]:
    """`count` writes: latency percentiles (ms) and CPU per write (µs), this process's and redis-server's."""
    latencies = []
    redis_before = c.command_cpu_seconds("redis-server")
    cpu_before = time.process_time()
    for n in range(count):
        item = entry(n)
        started = time.perf_counter()
        where = spool.write(item)
        latencies.append(time.perf_counter() - started)
        assert where == expect, where
    cpu = time.process_time() - cpu_before
    redis_cpu = c.command_cpu_seconds("redis-server") - redis_before
    latencies.sort()
    return {"p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(count * 0.99) - 1] * 1000,
            "max_ms": latencies[-1] * 1000, "cpu_us": cpu / count * 1e6,
            "redis_cpu_us": redis_cpu / count * 1e6 if expect == "redis" else 0.0}


def webhook(directory: Path, redis_url: str | None, count: int) -> dict[str, float]:
    """`count` signed POST /sms through the app, with the database unreachable: latency and CPU per request."""
    from gateway.app import create_app
    from gateway.settings import Settings
    from tests.support import signed_post

    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", redis_url=redis_url or c.REDIS_URL,
                        twilio_auth_token=c.TOKEN, secret_key="bench", public_base_url=c.PUBLIC_BASE_URL,
                        spool_dir=str(directory), spool_redis=redis_url is not None,
                        queue_name=f"declgate-bench-{uuid.uuid4().hex[:8]}", **c.KEYS)
    client = create_app(settings, test_config={"TESTING": True}).test_client()
    forms = []
    for n in range(count + 1):
        sid = "SM" + uuid.uuid4().hex
        forms.append({"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "1" * 32,
                      "From": c.SENDERS[n % len(c.SENDERS)], "To": c.GATEWAY_NUMBER, "Body": BODY, "NumMedia": "0"})
    first = signed_post(client, "/sms", forms[0], token=c.TOKEN, base=c.PUBLIC_BASE_URL)  # tries the database once
    assert first.status_code == 200, first.get_data(as_text=True)
    latencies = []
    cpu_before = time.process_time()
    for form in forms[1:]:
        started = time.perf_counter()
        response = signed_post(client, "/sms", form, token=c.TOKEN, base=c.PUBLIC_BASE_URL)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
    cpu = time.process_time() - cpu_before
    redis.Redis.from_url(settings.redis_url).delete(f"{settings.queue_name}:spool")
    latencies.sort()
    return {"p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(count * 0.99) - 1] * 1000,
            "cpu_us": cpu / count * 1e6}


def disk_of(directory: Path) -> str:
    found = subprocess.run(["df", "--output=source,fstype", str(directory)], capture_output=True, text=True)
    return " ".join(found.stdout.split()[2:]) or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(c.ROOT) / "instance" / "bench-spool")
    args = parser.parse_args()
    keyring = Keyring(c.KEYS["data_keys"], c.KEYS["blind_index_key"])
    args.dir.mkdir(parents=True, exist_ok=True)
    shared = redis.Redis.from_url(c.REDIS_URL)
    aof = shared.config_get("appendonly").get("appendonly", "?")
    print(f"spool files on {disk_of(args.dir)} ({args.dir}); {os.cpu_count()} cores")

    best: dict[str, dict[str, float]] = {}
    with private_redis("everysec") as everysec, private_redis("always") as always:
        places = {f"stream, Redis appendonly {aof}": c.REDIS_URL, "stream, appendfsync everysec": everysec,
                  "stream, appendfsync always": always, "file + fsync": None}
        for round_ in range(args.rounds):
            for name, url in places.items():
                conn = redis.Redis.from_url(url) if url else None
                directory = args.dir / uuid.uuid4().hex[:8]
                stream = f"declgate-bench-{uuid.uuid4().hex[:8]}:spool"
                spool = Spool(directory, keyring=keyring, redis=conn, stream=stream, maxlen=10 * args.writes)
                try:
                    result = writes(spool, args.writes, "redis" if conn else "file")
                    hook = webhook(directory / "webhook", url, args.requests)
                finally:
                    if conn is not None:
                        conn.delete(stream)
                    shutil.rmtree(directory, ignore_errors=True)
                result.update({f"webhook_{key}": value for key, value in hook.items()})
                print(f"round {round_ + 1} {name}: write p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} "
                      f"ms, max {result['max_ms']:.2f} ms, CPU {result['cpu_us']:.0f} µs + {result['redis_cpu_us']:.0f}"
                      f" µs Redis; webhook p50 {hook['p50_ms']:.3f} ms, p99 {hook['p99_ms']:.3f} ms, "
                      f"CPU {hook['cpu_us']:.0f} µs")
                if name not in best or result["p50_ms"] < best[name]["p50_ms"]:
                    best[name] = result
    shutil.rmtree(args.dir, ignore_errors=True)
    print("\nbest round of each (least disturbed):")
    print("| place | write p50 | write p99 | CPU per write | webhook p50 | webhook p99 | webhook CPU |")
    print("|---|---|---|---|---|---|---|")
    for name, r in best.items():
        cpu = f"{r['cpu_us']:.0f} µs" + (f" + {r['redis_cpu_us']:.0f} µs Redis" if r["redis_cpu_us"] else "")
        print(f"| {name} | {r['p50_ms']:.3f} ms | {r['p99_ms']:.3f} ms | {cpu} | {r['webhook_p50_ms']:.3f} ms | "
              f"{r['webhook_p99_ms']:.3f} ms | {r['webhook_cpu_us']:.0f} µs |")


if __name__ == "__main__":
    main()
