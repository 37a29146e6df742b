"""A database left at the last revision before this round's migrations, for tests that migrate rows."""
from __future__ import annotations

import uuid

import pytest

from store.migrate import upgrade
from tests.databases import drop_database, fresh_database
from tests.store.legacy import BEFORE


@pytest.fixture
def legacy_url(backend, tmp_path, request):
    """An empty database at BEFORE (0005), on SQLite and on PostgreSQL, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'legacy.sqlite'}"
        upgrade(url, BEFORE)
        yield url
        return
    url = f"{request.getfixturevalue('postgres_url')}_legacy_{uuid.uuid4().hex[:6]}"
    fresh_database(url, BEFORE)
    yield url
    drop_database(url)
