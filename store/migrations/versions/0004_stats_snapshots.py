"""monthly statistics snapshots; partial covering indexes for the live month and the follow-up list

Revision ID: 0004_stats_snapshots
Revises: 0003_stats_residency
Create Date: 2026-11-28 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_stats_snapshots'
down_revision = '0003_stats_residency'
branch_labels = None
depends_on = None

FOLLOW_UP = "late OR (channel = 'voice' AND landlord_response IS NULL AND status IN ('active', 'pending_review'))"


def upgrade() -> None:
    # A closed month's figures per precinct, as store.stats.counting.month_figures computes them; estimates and
    # case subjects are not stored here (they are imported after the month and read live).
    op.create_table('stats_month_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.Column('new_declarations', sa.Integer(), nullable=False),
    sa.Column('move_outs', sa.Integer(), nullable=False),
    sa.Column('active_residents', sa.Integer(), nullable=False),
    sa.Column('enrolled_landlords', sa.Integer(), nullable=False),
    sa.Column('enrolled_properties', sa.Integer(), nullable=False),
    sa.Column('landlords_declaring', sa.Integer(), nullable=False),
    sa.Column('late_declarations', sa.Integer(), nullable=False),
    sa.Column('sms', sa.Integer(), nullable=False),
    sa.Column('voice', sa.Integer(), nullable=False),
    sa.Column('officer', sa.Integer(), nullable=False),
    sa.Column('inbound_messages', sa.Integer(), nullable=False),
    sa.Column('rejected_messages', sa.Integer(), nullable=False),
    sa.Column('rejections', sa.JSON(), nullable=False),
    sa.Column('median_seconds_to_receipt', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'],
                            name=op.f('fk_stats_month_snapshots_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_month_snapshots')),
    sa.UniqueConstraint('month', 'time_zone', 'precinct_id', name='uq_stats_month_snapshots_month')
    )
    # The live month: new declarations and move-outs read from the index alone (no heap visits).
    op.create_index('ix_declarations_declared_cover', 'declarations', ['declared_at'], unique=False,
                    postgresql_include=['property_id', 'status', 'late', 'channel'])
    op.create_index('ix_declarations_moved_out', 'declarations', ['move_out'], unique=False,
                    postgresql_include=['property_id'],
                    postgresql_where=sa.text("status IN ('ended', 'superseded')"),
                    sqlite_where=sa.text("status IN ('ended', 'superseded')"))
    # The follow-up list: only late and unconfirmed voice declarations (a few per cent of them all).
    op.create_index('ix_declarations_follow_up', 'declarations', ['declared_at'], unique=False,
                    postgresql_include=['property_id'],
                    postgresql_where=sa.text(FOLLOW_UP), sqlite_where=sa.text(FOLLOW_UP))


def downgrade() -> None:
    op.drop_index('ix_declarations_follow_up', table_name='declarations')
    op.drop_index('ix_declarations_moved_out', table_name='declarations')
    op.drop_index('ix_declarations_declared_cover', table_name='declarations')
    op.drop_table('stats_month_snapshots')
