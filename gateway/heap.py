"""Keep the cyclic garbage collector off what the worker process builds once, at start-up.

A full collection walks every tracked object, and a `declgate worker` holds tens of thousands that
live as long as it does (SQLAlchemy's mappers and compiled statements, the message catalogues). Its
batches allocate enough ORM objects to set off full collections again and again: measured in
process (bench/worker.py's setup, 3,000 declarations, batches of 30 and of 200), the collector took
0.16-0.30 ms of about 1 ms of CPU per message, 0.05 ms once start-up's objects were frozen.
`gc.freeze()` moves them to a generation the collector never scans; everything made later is
collected as before. A web process allocates little per request (the collector costs it 2 µs a
request on average), but each of its rare full collections stalled every thread for 125-140 ms:
gunicorn freezes it too, once the app is loaded (gateway.web.gunicorn_config).

Only the process's entry point calls this: a test suite builds many runtimes, and freezing each
would keep them all.
"""
from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Free start-up's garbage, then exempt what is left from later collections."""
    gc.collect()
    gc.freeze()
