"""snapprops: a closed month's snapshot keeps its count of declared properties

The rental-housing target (declared properties ÷ estimated rental units) was counted afresh on every
view of the ranking and the bulletin, for the month and the one before: over every declaration in force,
1.5–1.8 s a view on a store of 2 million declarations. The count is as closed as the month's other
figures, so the snapshot keeps it. Snapshots taken before this migration hold NULL, and the first view
that reads one counts it and writes it in.

Revision ID: 0030_snapprops
Revises: 0029_staffverify
Create Date: 2026-12-07 15:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030_snapprops'
down_revision = '0029_staffverify'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.add_column(sa.Column('declared_properties', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.drop_column('declared_properties')
