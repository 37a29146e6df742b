"""WEB_PIN_CPUS: each of the Procfile's web processes on a CPU of its own, a replacement on the one its
predecessor left; off by default (gateway/web/cpu_pinning.py)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from gateway.web import cpu_pinning
from tests.fault.stack import REPO, procfile_web, wait_until

PINNED = re.compile(r"web process (\d+) pinned to CPU (\d+)")
STARTED = re.compile(r"web process (\d+): \d+ start-up objects")


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_pinning_is_asked_for_in_the_usual_words(value):
    assert cpu_pinning.enabled({"WEB_PIN_CPUS": value})


@pytest.mark.parametrize("environ", [{}, {"WEB_PIN_CPUS": ""}, {"WEB_PIN_CPUS": "0"}, {"WEB_PIN_CPUS": "off"}])
def test_pinning_is_off_unless_asked_for(environ):
    assert not cpu_pinning.enabled(environ)


def test_a_value_that_says_neither_is_refused_with_what_to_write():
    with pytest.raises(ValueError, match=r"WEB_PIN_CPUS='2'.*set it to 1 .* or to 0"):
        cpu_pinning.enabled({"WEB_PIN_CPUS": "2"})


def test_a_system_that_cannot_pin_refuses_it_rather_than_failing_at_each_fork(monkeypatch):
    monkeypatch.delattr(os, "sched_setaffinity")
    with pytest.raises(ValueError, match=r"cannot pin a process to a CPU .*unset it"):
        cpu_pinning.enabled({"WEB_PIN_CPUS": "1"})
    assert not cpu_pinning.enabled({"WEB_PIN_CPUS": "0"})


def test_processes_spread_over_the_cpus_and_a_replacement_takes_the_one_left():
    assert cpu_pinning.least_used({0, 1, 2, 3}, []) == 0
    assert cpu_pinning.least_used({0, 1, 2, 3}, [0, None]) == 1  # a sibling started without pinning holds none
    assert cpu_pinning.least_used({3, 1}, [1]) == 3  # only the CPUs the master may use
    assert cpu_pinning.least_used({0, 1, 2}, [0, 2]) == 1  # CPU 1's process died
    assert [cpu_pinning.least_used({0, 1}, taken) for taken in ([0, 1], [0, 1, 0])] == [0, 1]  # more than CPUs


@pytest.mark.fault  # the Procfile's web command itself, on the real servers
def test_by_default_the_kernel_places_every_web_process(stack, tmp_path):
    log_path = tmp_path / "web.log"
    with procfile_web({k: v for k, v in stack.env().items() if k != "WEB_PIN_CPUS"}, log_path, processes=2):
        wait_until(lambda: len(STARTED.findall(log_path.read_text())) == 2, 30, "both web processes")
        pids = [int(pid) for pid in STARTED.findall(log_path.read_text())]
        assert [os.sched_getaffinity(pid) for pid in pids] == [os.sched_getaffinity(0)] * 2
    assert not PINNED.search(log_path.read_text())


@pytest.mark.fault
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to tell the processes apart")
def test_each_web_process_gets_a_cpu_of_its_own_and_a_replacement_the_one_left(stack, tmp_path):
    """Every thread of a pinned process is on its CPU (the pool's threads start after the pin and inherit
    it); when one process dies, gunicorn's new one goes where it was, not beside its sibling."""
    log_path = tmp_path / "web.log"

    def pinned() -> dict[int, int]:
        return {int(pid): int(cpu) for pid, cpu in PINNED.findall(log_path.read_text())}

    with procfile_web(dict(stack.env(), WEB_PIN_CPUS="1"), log_path, processes=2) as port:
        wait_until(lambda: len(pinned()) == 2 and len(STARTED.findall(log_path.read_text())) == 2, 30,
                   "both web processes pinned")
        first = pinned()
        assert sorted(first.values()) == sorted(os.sched_getaffinity(0))[:2]
        # A request makes gthread start pool threads: they must be on the process's CPU too.
        for _ in range(4):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                assert response.status == 200
        threads = {pid: [int(tid) for tid in os.listdir(f"/proc/{pid}/task")] for pid in first}
        assert sum(map(len, threads.values())) > len(first)  # a pool thread was started somewhere
        assert all(os.sched_getaffinity(tid) == {first[pid]} for pid, tids in threads.items() for tid in tids)

        victim, freed = max(first.items(), key=lambda item: item[1])  # not CPU 0: "always the first" would pass
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(pinned()) == 3, 30, "the replacement web process")
        (replacement, cpu), = ((pid, cpu) for pid, cpu in pinned().items() if pid not in first)
        assert cpu == freed and os.sched_getaffinity(replacement) == {freed}


def test_the_web_config_refuses_a_value_that_says_neither(tmp_path):
    """gunicorn reads its config in the master before any process forks: a typo stops the start with its fix."""
    result = subprocess.run([sys.executable, "-c", "import gateway.web.gunicorn_config"], cwd=REPO,
                            env=dict(os.environ, WEB_PIN_CPUS="maybe"), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "WEB_PIN_CPUS='maybe': set it to 1" in result.stderr
