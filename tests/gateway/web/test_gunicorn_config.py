"""The Procfile's web processes exempt what they load at start-up from the cyclic garbage collector.

A full collection walked some 370,000 start-up objects and stalled every thread of the process for
125-140 ms; afterwards it walks what requests allocated (gateway/web/gunicorn_config.py)."""
from __future__ import annotations

import re

import pytest

from tests.fault.stack import procfile_command, procfile_web, wait_until


@pytest.mark.fault  # the Procfile's web command itself, on the real servers
def test_every_procfile_web_process_freezes_its_start_up_heap(stack, tmp_path):
    """Both gunicorn processes of the Procfile's `web` line, once they have loaded the app, say how many
    start-up objects they took out of the collector's reach: the app's, not a handful."""
    command = procfile_command("web")
    assert "-c python:gateway.web.gunicorn_config" in command

    log_path = tmp_path / "web.log"
    frozen = re.compile(r"web process (\d+): (\d+) start-up objects exempt from garbage collection")
    with procfile_web(stack.env(), log_path, processes=2):
        wait_until(lambda: len(frozen.findall(log_path.read_text())) == 2, 30, "both processes' start-up freeze")
    found = dict(frozen.findall(log_path.read_text()))
    assert len(found) == 2 and all(int(count) > 100_000 for count in found.values()), found
