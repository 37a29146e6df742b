"""statistics by declarant kind: the new declarations agents made, kept in closed months' snapshots

Revision ID: 0018_declarant_kind
Revises: 0017_agents
Create Date: 2026-12-06 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_declarant_kind'
down_revision = '0017_agents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Months closed before agents existed had none: 0 is their true figure, not a placeholder.
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.add_column(sa.Column('declared_by_agents', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.drop_column('declared_by_agents')
