"""`declgate`: a command run as an operator would from a shell (the suite's `run`)."""
from __future__ import annotations

import pytest


@pytest.fixture
def declgate(run):
    return run
