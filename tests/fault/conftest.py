"""Fault-test fixtures: services brought back after a test that stopped them.

The deployment itself (`stack`, `fault_engine`, `fault_redis`, `fault_database_url`) is in tests/conftest.py:
tests/privacy starts one too, to read what gunicorn and the worker print.
"""
from __future__ import annotations

import pytest



@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
