"""ID numbers and raw messages sealed at rest; people found and deduplicated by a keyed blind index

Revision ID: 0009_encrypted_documents
Revises: 0005_stats_live_and_charts
Create Date: 2026-12-02 10:00:00

A copied database file or backup must reveal no ID number. Every column that can hold one is
rewritten in place, batch by batch, as a sealed token (store.keyring: AES-256-GCM, bound to its
column), and `people.document_hash` (HMAC-SHA256 under BLIND_INDEX_KEY) takes over the unique
constraint that deduplicates people. The JSON columns become text: a sealed document is one opaque
string. Sealing needs the keys (store.migrate passes them from Settings); a database with rows and
no keys is refused before anything changes.

Downgrade is honest with the keys: it opens every token back into the very text it sealed,
restores the old types and the old unique constraint, and drops the blind index.
"""
import logging
from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op

revision = '0009_encrypted_documents'
down_revision = '0008_officer_sessions'
branch_labels = None
depends_on = None

BATCH = 2000
# The sealed columns, by table; each value is bound to "table.column" (store.sealed.SEALED_COLUMNS).
SEALED = {"people": ("document_number",), "inbound_messages": ("body", "parse", "payload"),
          "audit_log": ("detail",)}
JSON_COLUMNS = (("inbound_messages", "parse"), ("inbound_messages", "payload"), ("audit_log", "detail"))
log = logging.getLogger("alembic.runtime.migration")


def _rows_to_change(bind) -> int:
    total = 0
    for table, columns in SEALED.items():
        t = sa.table(table, *(sa.column(c) for c in columns))
        total += bind.scalar(sa.select(sa.func.count()).select_from(t)
                             .where(sa.or_(*(t.c[c].is_not(None) for c in columns))))
    return total


def _keyring(bind, action: str):
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        count = _rows_to_change(bind)
        if count:
            raise RuntimeError(
                f"{count} stored rows hold ID numbers or raw messages to {action}, and no data keys were given: set "
                "DATA_KEYS and BLIND_INDEX_KEY (`declgate keys generate` makes them) and run `declgate db upgrade` "
                "(or downgrade) again. Nothing was changed.")
    return keyring


def _rewrite(bind, table: str, read: tuple[str, ...], write: tuple[str, ...],
             change: Callable[[sa.RowMapping], dict]) -> int:
    """Rewrite every row holding a value in `read`: `change(row)` gives the new `write` values. In id
    order, BATCH rows per statement, so memory stays flat on a province's store."""
    t = sa.table(table, sa.column("id"), *(sa.column(c) for c in dict.fromkeys(read + write)))
    update = (sa.update(t).where(t.c.id == sa.bindparam("row_id"))
              .values({c: sa.bindparam(f"new_{c}") for c in write}))
    holding = sa.or_(*(t.c[c].is_not(None) for c in SEALED[table]))
    last, done = 0, 0
    while True:
        rows = bind.execute(sa.select(t.c.id, *(t.c[c] for c in read)).where(t.c.id > last, holding)
                            .order_by(t.c.id).limit(BATCH)).mappings().all()
        if not rows:
            break
        bind.execute(update, [{"row_id": row["id"], **{f"new_{c}": v for c, v in change(row).items()}}
                              for row in rows])
        last, done = rows[-1]["id"], done + len(rows)
    log.info("%s: %d rows rewritten", table, done)
    return done


def _each_column(table: str, step: Callable[[object, str], object]) -> Callable[[sa.RowMapping], dict]:
    return lambda row: {c: (None if row[c] is None else step(row[c], f"{table}.{c}")) for c in SEALED[table]}


def upgrade() -> None:
    bind = op.get_bind()
    keyring = _keyring(bind, "seal")
    with op.batch_alter_table('people') as batch_op:
        batch_op.add_column(sa.Column('document_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('document_number', existing_type=sa.String(length=32), type_=sa.Text(),
                              existing_nullable=True)
        batch_op.drop_constraint('uq_people_document', type_='unique')
        batch_op.create_unique_constraint('uq_people_document', ['document_type', 'document_hash'])
    for table in ('inbound_messages', 'audit_log'):
        with op.batch_alter_table(table) as batch_op:
            for t, column in JSON_COLUMNS:
                if t == table:
                    batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=True,
                                          postgresql_using=f'{column}::text')
    if keyring is None:
        return  # nothing stored yet

    def person(row):
        number = row["document_number"]
        if number is None:
            return {"document_number": None, "document_hash": None}
        return {"document_number": keyring.seal(number, "people.document_number"),
                "document_hash": keyring.document_hash(row["document_type"], number)}

    _rewrite(bind, "people", ("document_type", "document_number"), ("document_number", "document_hash"), person)
    for table in ("inbound_messages", "audit_log"):
        _rewrite(bind, table, SEALED[table], SEALED[table], _each_column(table, keyring.seal))
    # The replaced plaintext lingers in dead row versions and free pages until the files are rewritten:
    # store/migrations/env.py vacuums these tables once this transaction has committed.
    context.config.attributes.setdefault("compact", set()).update(SEALED)


def downgrade() -> None:
    bind = op.get_bind()
    keyring = _keyring(bind, "open")
    if keyring is not None:
        for table in SEALED:
            _rewrite(bind, table, SEALED[table], SEALED[table], _each_column(table, keyring.open))
    for table in ('inbound_messages', 'audit_log'):
        with op.batch_alter_table(table) as batch_op:
            for t, column in JSON_COLUMNS:
                if t == table:
                    batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=True,
                                          postgresql_using=f'{column}::json')
    with op.batch_alter_table('people') as batch_op:
        batch_op.drop_constraint('uq_people_document', type_='unique')
        batch_op.create_unique_constraint('uq_people_document', ['document_type', 'document_number'])
        batch_op.alter_column('document_number', existing_type=sa.Text(), type_=sa.String(length=32),
                              existing_nullable=True)
        batch_op.drop_column('document_hash')
