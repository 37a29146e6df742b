"""The Procfile's web processes exempt what they load at start-up from the cyclic garbage collector.

A full collection walked some 370,000 start-up objects and stalled every thread of the process for
125-140 ms; afterwards it walks what requests allocated (gateway/web/gunicorn_config.py)."""
from __future__ import annotations

import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.fault.stack import free_port, procfile_command, wait_until

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.fault  # the Procfile's web command itself, on the real servers
def test_every_procfile_web_process_freezes_its_start_up_heap(stack, tmp_path):
    """Both gunicorn processes of the Procfile's `web` line, once they have loaded the app, say how many
    start-up objects they took out of the collector's reach: the app's, not a handful."""
    command = procfile_command("web")
    assert "-c python:gateway.web.gunicorn_config" in command

    port = free_port()
    log_path = tmp_path / "web.log"
    env = dict(stack.env(), PORT=str(port), WEB_CONCURRENCY="2")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(["bash", "-c", "exec " + command], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    frozen = re.compile(r"web process (\d+): (\d+) start-up objects exempt from garbage collection")
    try:
        def answered() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return proc.poll() is not None and pytest.fail(log_path.read_text())

        wait_until(answered, 30, "the Procfile's web process")
        wait_until(lambda: len(frozen.findall(log_path.read_text())) == 2, 30, "both processes' start-up freeze")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)
    found = dict(frozen.findall(log_path.read_text()))
    assert len(found) == 2 and all(int(count) > 100_000 for count in found.values()), found
