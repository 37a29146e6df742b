"""Keep the bench's tables analyzed while a round runs, by autovacuum's own rule.

psycopg prepares a statement once a connection has run it five times, and PostgreSQL then keeps one
generic plan for it, costed on the table statistics of that moment, until the table is next
analyzed. A live server's autovacuum analyzes a table once `autovacuum_analyze_threshold +
autovacuum_analyze_scale_factor × rows` of it have changed since the last time (50 + 10 %), so
a store's statistics, and its kept plans, stay within a tenth of the truth. A round here starts
from 2,000 declarations and grows past 40,000 in two minutes; with statistics frozen at 2,000, the
worker's look-up of a batch's people took 30-110 ms instead of about 1 (2026-12-07, a slow-statement
log), and PostgreSQL's CPU per message doubled in the later paced runs. That is a young store on a
server without autovacuum, which this machine's is, not a store past its first hour.

So a thread asks PostgreSQL every second which tables have passed autovacuum's threshold, with the
server's own settings, and analyzes those, as the launcher would if its nap were a second instead of
a minute. PostgreSQL publishes a connection's row counts at most once a second (or once it idles),
so an analyze follows the rows it counts by a second or a few. The ANALYZEs run in PostgreSQL and
are counted in its CPU, as autovacuum's would be.
It runs whether or not the server's autovacuum is on, so that a round measures the same on both.
"""
from __future__ import annotations

import threading

from sqlalchemy import text

DUE = text("""
    SELECT format('%I.%I', s.schemaname, s.relname)
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float
          + current_setting('autovacuum_analyze_scale_factor')::float * greatest(c.reltuples, 0)
    ORDER BY 1
""")


class Autoanalyze:
    """A daemon thread that analyzes what autovacuum would have, every `nap` seconds, until `stop()`."""

    def __init__(self, engine, nap: float = 1.0) -> None:
        self.engine, self.nap = engine, nap
        self.analyzed: dict[str, int] = {}  # table -> how many times, for the run's report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="autoanalyze", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> Autoanalyze:
        self._thread.start()
        return self

    def stop(self) -> dict[str, int]:
        """Stop the thread; returns how often each table was analyzed. Raises what stopped it early."""
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise RuntimeError("the autovacuum stand-in stopped") from self.error
        return dict(self.analyzed)

    def _run(self) -> None:
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                while not self._stop.wait(self.nap):
                    for table in conn.scalars(DUE).all():
                        conn.execute(text(f"ANALYZE {table}"))  # quoted by format('%I.%I') above
                        self.analyzed[table] = self.analyzed.get(table, 0) + 1
        except BaseException as exc:  # noqa: BLE001 - raised again by stop(), in the bench's own thread
            self.error = exc


def summary(analyzed: dict[str, int]) -> str:
    """One line for the round's report: which tables were analyzed, how often."""
    if not analyzed:
        return "no table passed autovacuum's analyze threshold"
    return "analyzed as autovacuum would: " + ", ".join(f"{t} ×{n}" for t, n in sorted(analyzed.items()))
