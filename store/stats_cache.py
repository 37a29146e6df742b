"""Moved to store.stats.snapshots (the tables to store.models). These names stay importable here only until
the gateway's statistics modules import them from store.stats; delete this module then."""
from store.models import LiveFigures, StoredChart
from store.stats.snapshots import (LIVE_TTL, OPEN_CHART_TTL, STALE_MAX, ChartStore, digest, forget, load_live,
                                   save_live)

__all__ = ["LIVE_TTL", "OPEN_CHART_TTL", "STALE_MAX", "ChartStore", "LiveFigures", "StoredChart", "digest",
           "forget", "load_live", "save_live"]
