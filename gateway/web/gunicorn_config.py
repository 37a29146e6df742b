"""The Procfile's gunicorn settings that a command line cannot carry: its server hooks.

Each web process imports the app after the fork (no --preload: the database engine and the kept
connection must be the process's own), then holds some 370,000 objects that live as long as it does.
A full collection of the cyclic garbage collector walks every one of them: 125-140 ms measured in a
web process under load, during which none of its eight threads answers, and the two processes,
forked alike and serving alike, collected within 20 ms of each other. Rare enough to cost 2 µs a
request on average, but every webhook that arrived in that window waited for it, some 80 of them at
600 a second (docs/performance.md). Freezing start-up's objects, as the worker does, leaves the
collector only what requests allocate: the same full collections take half a millisecond.
"""
from __future__ import annotations

import gc

from gateway.heap import freeze_startup


def post_worker_init(worker) -> None:  # gunicorn calls it once the process has loaded the app
    freeze_startup()
    worker.log.info("web process %s: %d start-up objects exempt from garbage collection", worker.pid,
                    gc.get_freeze_count())
