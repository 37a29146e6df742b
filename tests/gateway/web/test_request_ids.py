"""Request ids: the proxy's when it is a plain token, otherwise one made up that no other request shares."""
from __future__ import annotations

import os
import re

from gateway.telemetry.logs import request_id


def test_a_plain_proxy_id_is_kept_and_anything_else_is_replaced():
    assert request_id("req-1.a_B") == "req-1.a_B"
    for header in (None, "", "a b", "x" * 65, "id\n"):
        assert re.fullmatch(r"[0-9a-f]{16}", request_id(header))


def test_made_up_ids_differ_in_a_process_and_across_forked_workers():
    mine = {request_id(None) for _ in range(10_000)}
    assert len(mine) == 10_000
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a gunicorn worker forked from the master: its ids are its own, not a replay of the parent's
        os.close(read)
        os.write(write, " ".join(request_id(None) for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 1 << 16).decode().split()
    os.waitpid(pid, 0)
    parent = [request_id(None) for _ in range(100)]
    assert len(child) == 100 and not set(child) & set(parent)
