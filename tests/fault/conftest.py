"""Fault-test fixtures: services brought back after a test that stopped them.

The deployment itself (`stack`, `fault_engine`, `fault_redis`, `fault_database_url`) is in tests/conftest.py:
tests/privacy starts one too, to read what gunicorn and the worker print.
"""
from __future__ import annotations

import pytest

from tests.fault import stack as st


@pytest.fixture
def restore_services():
    """Bring Redis and PostgreSQL back after the test, whatever it did to them."""
    yield
    st.start_redis()
    if not st.postgres_up():
        st.postgres("start")
