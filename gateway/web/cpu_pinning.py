"""A CPU of its own for each web process, when the operator asks for it (WEB_PIN_CPUS=1).

Why: below saturation a request arrives alone, and a web process the scheduler is free to move wakes
on whichever core is free, often a cold one. On two cores, the web role alone paced at 600 webhooks/s,
each of its two processes pinned to a core of its own spent 14-30 % less CPU a webhook, with a p99 of
14-21 ms against 19-35; end to end at 80 % of capacity, beside the workers and the database, the
median p99 of five rounds fell from 133 to 58 ms within an hour, 68 ms in a second pinned run
(bench/web_rates.py, bench/e2e.py, docs/performance.md). It is off by default because a pinned process cannot leave a core that
something else keeps busy, which nothing here can rule out on a host shared with other services, or
in a container given a CPU quota on a larger machine (docs/deployment.md).
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping

ENV = "WEB_PIN_CPUS"
_ON, _OFF = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})


def enabled(environ: Mapping[str, str]) -> bool:
    """Whether WEB_PIN_CPUS asks for pinning; a value that says neither stops the start, with what to write."""
    value = environ.get(ENV, "").strip().lower()
    if value in _ON:
        if not hasattr(os, "sched_setaffinity"):  # macOS, Windows: gunicorn would fail at every fork instead
            raise ValueError(f"{ENV}={environ[ENV]!r}: this system cannot pin a process to a CPU "
                             "(no sched_setaffinity); unset it")
        return True
    if value in _OFF:
        return False
    raise ValueError(f"{ENV}={environ[ENV]!r}: set it to 1 to give each web process a CPU of its own, or to 0 "
                     "(the default) to let the kernel place them")


def least_used(allowed: Iterable[int], taken: Iterable[int | None]) -> int:
    """The allowed CPU the fewest live sibling processes hold, the lowest on a tie.

    A process started in place of one that died takes the CPU it left; with more processes than CPUs
    they share them evenly.
    """
    counts = Counter(cpu for cpu in taken if cpu is not None)
    return min(sorted(allowed), key=lambda cpu: counts[cpu])
