"""Group commit: rows that arrive while one write is under way go to the database together, next.

A webhook's own INSERT spends most of its time waiting for PostgreSQL to flush the commit, and most
of its CPU (in the web process and in PostgreSQL) on the statement's machinery rather than on the
row. So the threads of a process that write at the same time take turns as *leader*: the first
thread in line writes every row waiting (its own and its followers', up to `max_rows`) with one
call of `write`, hands each thread its own outcome, and passes the lead to the first thread that
arrived meanwhile. A thread alone writes its row itself, with no hand-off and no waiting.

Nothing about durability changes: a thread returns only once `write` has returned for its row,
and `write` returns only once its statement has committed. There is no background thread to
start, stop or lose; a leader whose write fails still hands on the lead.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Row = TypeVar("Row")
Result = TypeVar("Result")


class _Turn(Generic[Row, Result]):
    __slots__ = ("row", "outcome", "failed", "lead", "ready")

    def __init__(self, row: Row) -> None:
        self.row = row
        self.outcome: Result | BaseException | None = None
        self.failed = False
        self.lead = False  # woken to lead, rather than with an outcome
        self.ready = threading.Event()


class GroupCommit(Generic[Row, Result]):
    """Calls `write` with the rows waiting, in arrival order; each caller of `submit` gets its own outcome.

    `write` returns one entry per row, in order: the row's result, or the exception to raise in
    that row's thread (so one refused row fails its own request only). An exception `write` raises
    itself is raised in every thread of the group.
    """

    def __init__(self, write: Callable[[Sequence[Row]], Sequence[Result | BaseException]], max_rows: int = 64) -> None:
        self._write = write
        self._max_rows = max_rows
        self._lock = threading.Lock()
        self._waiting: list[_Turn[Row, Result]] = []
        self._busy = False
        self._pid = os.getpid()

    def submit(self, row: Row) -> Result:
        turn: _Turn[Row, Result] = _Turn(row)
        with self._lock:
            if self._pid != os.getpid():  # a forked child: its parent's leader did not come along
                self._pid, self._waiting, self._busy = os.getpid(), [], False
            self._waiting.append(turn)
            lead = not self._busy
            self._busy = True
        if not lead:
            turn.ready.wait()
            lead = turn.lead
        if lead:
            self._lead()
        if turn.failed:
            raise turn.outcome  # type: ignore[misc]
        return turn.outcome  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            group, self._waiting = self._waiting[:self._max_rows], self._waiting[self._max_rows:]
        try:
            outcomes: Sequence[Result | BaseException] = self._write([turn.row for turn in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"group commit: {len(outcomes)} outcomes for {len(group)} rows")
        except BaseException as exc:  # noqa: BLE001 - handed to every thread of the group, raised there
            outcomes = [exc] * len(group)
        finally:
            with self._lock:
                following = self._waiting[0] if self._waiting else None
                if following is None:
                    self._busy = False
                else:
                    following.lead = True
            if following is not None:
                following.ready.set()
        for turn, outcome in zip(group, outcomes):
            turn.outcome, turn.failed = outcome, isinstance(outcome, BaseException)
            turn.ready.set()
