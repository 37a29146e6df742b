"""waiting: a partial index of the inbound messages waiting for a worker, in arrival order

A drain claims its batch with `status = 'received' … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED`.
With only (status, received_at) to go on, PostgreSQL walked the primary key from the first message
ever stored, filtering out every handled one: 21 ms a claim at 40,000 messages, growing with the
store. This index holds only the waiting ones (0.15 ms at the same size).

Revision ID: 0028_waiting
Revises: 0027_empenrol
Create Date: 2026-12-07 07:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0028_waiting'
down_revision = '0027_empenrol'
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'received'")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Built without blocking the webhooks' INSERTs: the release step runs while the old web processes
        # still answer, and on a store of millions the build takes seconds. CONCURRENTLY needs its own
        # transaction.
        with op.get_context().autocommit_block():
            op.create_index('ix_inbound_waiting', 'inbound_messages', ['id'], unique=False,
                            postgresql_where=WAITING, postgresql_concurrently=True)
    else:
        op.create_index('ix_inbound_waiting', 'inbound_messages', ['id'], unique=False, sqlite_where=WAITING)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index('ix_inbound_waiting', table_name='inbound_messages', postgresql_concurrently=True)
    else:
        op.drop_index('ix_inbound_waiting', table_name='inbound_messages')
