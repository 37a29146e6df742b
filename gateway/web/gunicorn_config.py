"""The Procfile's gunicorn settings that a command line cannot carry: its server hooks.

Each web process imports the app after the fork (no --preload: the database engine and the kept
connection must be the process's own), then holds some 370,000 objects that live as long as it does.
A full collection of the cyclic garbage collector walks every one of them: 125-140 ms measured in a
web process under load, during which none of its eight threads answers, and the two processes,
forked alike and serving alike, collected within 20 ms of each other. Rare enough to cost 2 µs a
request on average, but every webhook that arrived in that window waited for it, some 80 of them at
600 a second (docs/performance.md). Freezing start-up's objects, as the worker does, leaves the
collector only what requests allocate: the same full collections take half a millisecond.

With WEB_PIN_CPUS=1 each web process also gets a CPU of its own (gateway.web.cpu_pinning says why).
"""
from __future__ import annotations

import gc
import os

from gateway.heap import freeze_startup
from gateway.web import cpu_pinning

# Read once, in the master, before any process starts: a WEB_PIN_CPUS that says neither yes nor no
# stops gunicorn here with what to write instead.
PIN_CPUS = cpu_pinning.enabled(os.environ)


def pre_fork(server, worker) -> None:  # in the master, before each web process is forked
    if PIN_CPUS:  # the master keeps each live process's CPU on its worker object, for the next choice
        worker.declgate_cpu = cpu_pinning.least_used(
            os.sched_getaffinity(0), (getattr(sibling, "declgate_cpu", None) for sibling in server.WORKERS.values()))


def post_fork(server, worker) -> None:  # in the new web process, before its threads start: they inherit it
    cpu = getattr(worker, "declgate_cpu", None)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
        worker.log.info("web process %s pinned to CPU %d (WEB_PIN_CPUS)", worker.pid, cpu)


def post_worker_init(worker) -> None:  # gunicorn calls it once the process has loaded the app
    freeze_startup()
    worker.log.info("web process %s: %d start-up objects exempt from garbage collection", worker.pid,
                    gc.get_freeze_count())
