"""The processes bench/e2e.py starts: the Procfile's `web` and `worker` roles, and the peer's run.sh.

Each runs in its own session (process group), so that stopping it reaches every process it
forked (gunicorn's workers) and a Ctrl-C in the terminal reaches only the bench, which then
stops them in order. Nothing else on the machine is touched.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import _common as c  # noqa: E402  (puts the repository root on sys.path)
from gateway.web import cpu_pinning  # noqa: E402
from tests.fault.stack import procfile_command  # noqa: E402


@dataclass
class Started:
    """Every process group this run started, to be stopped whatever happens."""

    procs: list[subprocess.Popen] = field(default_factory=list)
    pidfiles: list[str] = field(default_factory=list)  # daemons started on our behalf (the peer's gunicorn)

    def spawn(self, argv: list[str], log_path: str, **kwargs) -> subprocess.Popen:
        """Start a process in a new session, its output (both streams) appended to `log_path`."""
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 20.0) -> None:
        """SIGTERM the process's group (gunicorn's master and workers), then SIGKILL what is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                proc.poll()  # reap the leader: a zombie still counts as a member of its group
                if not _group_alive(proc.pid):
                    return
                time.sleep(0.1)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)
        self.procs.clear()
        for path in self.pidfiles:
            _stop_pidfile(path)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_pidfile(path: str) -> None:
    """Stop a daemon by the pid it wrote, if it is still there (the peer's run.sh stops it itself on a normal
    exit; this is for a run cut short)."""
    try:
        with open(path) as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def process_env(scratch: str, port: int, web_concurrency: int) -> dict[str, str]:
    """The benchmark's settings (bench/_common.env) as a Procfile runner would give them: PORT and
    WEB_CONCURRENCY, and no TWILIO_ACCOUNT_SID, so replies go to the outbox (outbound rows, nothing sent)."""
    env = c.env()
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.update(PORT=str(port), WEB_CONCURRENCY=str(web_concurrency), DECLGATE_INSTANCE=os.path.join(scratch, "instance"))
    return env


@dataclass
class Deployment:
    """The Procfile's `web` (one gunicorn) and `worker` (N `declgate worker`) roles, run by a shell as a
    Procfile runner does: `exec` keeps the role's own pid, the shell expands ${PORT} and ${WEB_CONCURRENCY}."""

    started: Started
    scratch: str
    port: int
    web_concurrency: int
    web: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    def role(self, name: str, log: str) -> subprocess.Popen:
        command = procfile_command(name)
        return self.started.spawn(["bash", "-c", "exec " + command], os.path.join(self.scratch, log), cwd=self.scratch,
                                  env=process_env(self.scratch, self.port, self.web_concurrency))

    def start(self, workers: int) -> None:
        self.web = self.role("web", "web.log")
        self.workers = [self.role("worker", f"worker-{i}.log") for i in range(workers)]
        deadline = time.monotonic() + 120
        while not self._healthy():
            for proc in [self.web, *self.workers]:
                if proc.poll() is not None:
                    raise SystemExit(f"a Procfile process exited with {proc.returncode}; see the logs in {self.scratch}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the web process did not answer /healthz in 120 s; see {self.scratch}/web.log")
            time.sleep(0.2)
        for proc in [self.web, *self.workers]:  # every gunicorn worker and job worker has imported the app
            c.wait_until_idle(proc.pid)
        pinned = " (WEB_PIN_CPUS: each on a CPU of its own)" if cpu_pinning.enabled(os.environ) else ""
        print(f"  started: web pid {self.web.pid} with {len(c.descendants(self.web.pid)) - 1} gunicorn worker(s)"
              f"{pinned}, worker pid(s) {', '.join(str(p.pid) for p in self.workers)}", flush=True)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def cpu_seconds(self) -> tuple[float, float]:
        """(web, workers): CPU used so far by gunicorn's master and workers, and by the `declgate worker`s."""
        return (c.all_cpu_seconds(self.web.pid) if self.web else 0.0,
                sum(c.all_cpu_seconds(proc.pid) for proc in self.workers))

    def stop(self) -> None:
        for proc in [*self.workers, self.web]:
            if proc is not None:
                self.started.stop(proc)
