"""the month under way's figures kept for a few minutes, and drawn statistics charts

Revision ID: 0005_stats_live_and_charts
Revises: 0004_stats_snapshots
Create Date: 2026-11-28 21:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_stats_live_and_charts'
down_revision = '0004_stats_snapshots'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Counting every precinct's month under way takes over a second on a province's store: web processes
    # share one count for up to store.stats.snapshots.LIVE_TTL, and the page says when it was taken.
    op.create_table('stats_live_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_live_figures')),
    sa.UniqueConstraint('month', 'time_zone', name='uq_stats_live_figures_month')
    )
    # Drawing a 100-bar chart takes a few hundred milliseconds: once drawn, any web process serves it.
    op.create_table('stats_charts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('svg', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_charts')),
    sa.UniqueConstraint('digest', name=op.f('uq_stats_charts_digest'))
    )
    op.create_index(op.f('ix_stats_charts_month'), 'stats_charts', ['month'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stats_charts_month'), table_name='stats_charts')
    op.drop_table('stats_charts')
    op.drop_table('stats_live_figures')
