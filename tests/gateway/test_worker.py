"""The worker process's loop: started again when RQ's loop ends on its own, stopped only when asked to.

A real `declgate worker` process is started in tests/fault/test_worker_process.py."""
from __future__ import annotations

import signal

import pytest


class TestWorkerLoop:
    def test_rq_loop_ending_on_its_own_is_started_again(self, rt, monkeypatch):
        """RQ's loop ends without raising when Redis goes away while it records a finished job; the worker
        process starts it again instead of exiting with work left, and stops only when asked to."""
        from gateway import worker

        runs: list[int] = []

        def work(self, **_options) -> bool:
            runs.append(1)
            if len(runs) == 3:
                self.stop_asked = True  # as SIGTERM's handler does
            return False

        monkeypatch.setattr(worker.ProcessWorker, "work", work)
        monkeypatch.setattr(worker.time, "sleep", lambda _seconds: None)
        worker.run_process_worker(rt)
        assert len(runs) == 3

    def test_a_stop_request_is_remembered(self, rt):
        from rq.worker.base import StopRequested

        from gateway import worker

        process_worker = worker.ProcessWorker([rt.queue], connection=rt.redis)
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            with pytest.raises(StopRequested):  # idle: RQ leaves its loop at once
                process_worker.request_stop(signal.SIGTERM, None)
        finally:  # RQ re-arms both signals for a cold shutdown; this is the test runner's process
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        assert process_worker.stop_asked
