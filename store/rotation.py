"""Key rotation: reseal every sealed value still under an older data key with the newest one.

Rotation runs while the gateway works. Each batch is its own short transaction, rows are taken in id
order and only those whose token does not carry the newest key's id are read (a LIKE on the token's
prefix), so a run that is stopped resumes where it was, and a second run finds nothing to do. A
row rewritten meanwhile by the gateway (which seals with the newest key anyway) is left alone: the
UPDATE only applies if the row still holds the token that was read.

The blind index is not touched: it has its own key, so rotating data keys never re-hashes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, and_, bindparam, column, func, select, table, update

from store.keyring import Keyring
from store.sealed import SEALED_COLUMNS

BATCH = 1000


@dataclass(frozen=True)
class Progress:
    column: str  # "table.column"
    done: int
    total: int  # still under an older key when this column's pass began
    finished: bool = False


def _older(keyring: Keyring, sealed_column):
    return and_(sealed_column.is_not(None), sealed_column.not_like(keyring.current_prefix + "%"))


def rotate(engine: Engine, keyring: Keyring, *, batch: int = BATCH,
           progress: Callable[[Progress], None] = lambda _: None) -> dict[str, int]:
    """Reseal every value under the newest key of `keyring`; returns how many were resealed, per column."""
    resealed = {}
    for table_name, column_name in SEALED_COLUMNS:
        context = f"{table_name}.{column_name}"
        resealed[context] = 0
        done = total = 0
        for done, total in _reseal_column(engine, keyring, table_name, column_name, batch):
            progress(Progress(context, done, total))
        resealed[context] = done
        progress(Progress(context, done, total, finished=True))
    return resealed


def _reseal_column(engine: Engine, keyring: Keyring, table_name: str, column_name: str,
                   batch: int) -> Iterator[tuple[int, int]]:
    t = table(table_name, column("id"), column(column_name))
    sealed_column = t.c[column_name]
    context = f"{table_name}.{column_name}"
    swap = (update(t).where(t.c.id == bindparam("row_id"), sealed_column == bindparam("old"))
            .values({column_name: bindparam("new")}))
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(t).where(_older(keyring, sealed_column)))
    done, last = 0, 0
    yield done, total
    while True:
        with engine.begin() as conn:
            rows = conn.execute(select(t.c.id, sealed_column).where(t.c.id > last, _older(keyring, sealed_column))
                                .order_by(t.c.id).limit(batch)).all()
            if not rows:
                return
            conn.execute(swap, [{"row_id": row_id, "old": token, "new": keyring.reseal(token, context)}
                                for row_id, token in rows])
        done, last = done + len(rows), rows[-1][0]
        yield done, total
