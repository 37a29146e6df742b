"""The fault suite's real deployment fixtures, reused to read what gunicorn and the worker print."""
from tests.fault.conftest import fault_database_url, fault_engine, fault_redis, stack  # noqa: F401
