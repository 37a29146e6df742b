"""What one webhook costs, step by step, against one whole bare Flask request.

Run: python bench/intake_steps.py [--calls 1000] [--rounds 5] [--instructions]

bench/intake.py says how far the webhook is from the bare Flask floor; this says why.
Each step the issue requires of POST /sms runs here in-process, with no HTTP and no
other load: the signature check (one HMAC, gateway.webhooks.signature), the store (one
durable INSERT … ON CONFLICT DO NOTHING; the worker parses the message), waking the drain (one
SET NX), and the whole request through Flask. The app's start-up heap is frozen out of the garbage
collector first (a full collection would otherwise land on whichever step it falls in).
Times are CPU microseconds per call, the least of `--rounds` rounds, so a busy neighbour
inflates them less; `--instructions` counts instructions instead (valgrind's callgrind,
the same count whatever else runs), one valgrind run per step.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import _common as c  # noqa: E402  (puts the repo root on sys.path)
from intake import prepare  # noqa: E402  (bench/intake.py: the same database)

STEPS = ("bare Flask request", "declgate POST /sms", "signature check", "store (one INSERT)",
         "wake the drain (SET NX)")
PORT = 8000


def environ(body: str, sender: str) -> dict:
    """A WSGI environ for a signed POST /sms, as gunicorn would hand it over."""
    data, headers = c.signed_form(PORT, body, sender)
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/sms", "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": headers["Content-Type"], "HTTP_HOST": f"127.0.0.1:{PORT}",
            "HTTP_X_TWILIO_SIGNATURE": headers["X-Twilio-Signature"], "REMOTE_ADDR": "127.0.0.1",
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False}


def step_functions(calls: int) -> dict[str, object]:
    """Each step as a function of the call number (0 to `calls` - 1); every request has a new MessageSid,
    signed ahead of time so that signing is not counted."""
    os.environ.update(c.env())
    from werkzeug.datastructures import MultiDict

    from gateway.webhooks.signature import verified

    from gateway.pipeline import intake, queue
    from gateway.app import create_app

    app, bare = create_app(), c.bare_app()
    rt = app.extensions["declgate"]
    text = "登记 张三 350102199001011238 301"
    params = {"MessageSid": "SM" + "0" * 32, "From": c.SENDERS[0], "To": c.GATEWAY_NUMBER, "Body": text}
    url = f"{c.PUBLIC_BASE_URL}/sms"
    signature = c.sign(c.TOKEN, url, params)
    form = MultiDict(params)
    base = int(time.time() * 1000)
    # A full collection walks the whole heap the app loaded; landing in one step's calls, it would be
    # billed to that step. Frozen, the start-up heap is left out of every collection, as in all steps.
    gc.collect()
    gc.freeze()

    def requests_to(application):
        environs = [environ(text, c.SENDERS[i % len(c.SENDERS)]) for i in range(calls)]
        return lambda i: b"".join(application(environs[i], lambda status, headers, exc_info=None: None))

    return {
        "bare Flask request": requests_to(bare),
        "declgate POST /sms": requests_to(app),
        "signature check": lambda i: verified(c.TOKEN, url, form, signature),
        "store (one INSERT)": lambda i: intake.store_sms(rt, sid="SM" + uuid.uuid4().hex, from_number=c.SENDERS[0],
                                                            to_number=c.GATEWAY_NUMBER, body=text),
        "wake the drain (SET NX)": lambda i: queue.wake(rt),
    }


WARM_UP = 50


def cpu_times(calls: int, rounds: int) -> dict[str, float]:
    functions = step_functions((WARM_UP + calls) * rounds)
    best: dict[str, float] = {}
    for number in range(rounds):
        first = (WARM_UP + calls) * number
        for name, fn in functions.items():
            for i in range(first, first + WARM_UP):
                fn(i)
            started = time.process_time()
            for i in range(first + WARM_UP, first + WARM_UP + calls):
                fn(i)
            per_call = (time.process_time() - started) / calls * 1e6
            best[name] = min(best.get(name, per_call), per_call)
    return best


def instructions(step: str, calls: int) -> float:
    """Instructions per call of one step, counted by callgrind over the timed calls only."""
    with tempfile.TemporaryDirectory() as tmp:
        out, flag = os.path.join(tmp, "callgrind.out"), os.path.join(tmp, "go")
        child = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                                  sys.executable, __file__, "--child", step, "--calls", str(calls), "--flag", flag],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ready"):
                break
        subprocess.run(["callgrind_control", "--instr=on", str(child.pid)], check=True, capture_output=True)
        open(flag, "w").close()
        if child.wait():
            raise SystemExit(f"{step}: the run under valgrind failed")
        with open(out) as fh:
            total = next(int(line.split()[1]) for line in fh if line.startswith("totals:"))
    return total / calls


def child(step: str, calls: int, flag: str) -> None:
    """Under valgrind: warm the step up, wait until counting is on, run the counted calls."""
    fn = step_functions(WARM_UP + calls)[step]
    for i in range(WARM_UP):
        fn(i)
    print("ready", flush=True)
    while not os.path.exists(flag):
        time.sleep(0.05)
    for i in range(WARM_UP, WARM_UP + calls):
        fn(i)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind (slow)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--flag", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    if args.child:
        child(args.child, args.calls, args.flag)
        return
    if args.instructions and not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind); "
                         "without it, run this bench without --instructions")
    prepare()
    if args.instructions:
        calls = min(args.calls, 200)
        figures, unit = {}, "instructions"
        for step in STEPS:
            figures[step] = instructions(step, calls)
            print(f"  {step}: {figures[step] / 1e6:.2f} M", flush=True)
        fmt = "{:10.2f} M"
        scale = 1e-6
    else:
        figures, unit, fmt, scale = cpu_times(args.calls, args.rounds), "CPU µs", "{:10.0f} µs", 1.0
    bare = figures["bare Flask request"]
    print(f"\n{'step':26} {unit:>12}   × a bare Flask request")
    for step in STEPS:
        print(f"{step:26} {fmt.format(figures[step] * scale)}   {figures[step] / bare:5.2f}")
    required = figures["signature check"] + figures["store (one INSERT)"] + figures["wake the drain (SET NX)"]
    print(f"{'the three required steps':26} {fmt.format(required * scale)}   {required / bare:5.2f}")
    print("\nA ratio of 0.5 in bench/intake.py needs a whole webhook to cost the machine no more than two bare\n"
          "requests, PostgreSQL's and Redis's share included (bench/intake.py prints those shares).")


if __name__ == "__main__":
    sys.path.insert(0, c.ROOT + "/bench")
    main()
