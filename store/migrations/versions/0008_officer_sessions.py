"""server-side officer sessions and login back-off counters

Revision ID: 0008_officer_sessions
Revises: 0005_stats_live_and_charts
Create Date: 2026-12-01 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_officer_sessions'
down_revision = '0007_item_precincts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A signed cookie alone survived logout and had no lifetime: each login is now a row the
    # app checks on every request (idle and absolute timeouts, revocation).
    op.create_table('officer_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_officer_sessions_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_officer_sessions_token_hash'))
    )
    op.create_index(op.f('ix_officer_sessions_officer_id'), 'officer_sessions', ['officer_id'], unique=False)
    # The lockout counter on the officer's row raced and let anyone lock any account; back-off is
    # now counted per account and per account and address, for known and unknown names alike.
    op.create_table('login_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
    sa.UniqueConstraint('key', name=op.f('uq_login_throttles_key'))
    )
    op.create_index(op.f('ix_login_throttles_updated_at'), 'login_throttles', ['updated_at'], unique=False)
    with op.batch_alter_table('officers') as batch:
        batch.drop_column('locked_until')
        batch.drop_column('failed_logins')


def downgrade() -> None:
    with op.batch_alter_table('officers') as batch:
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.drop_index(op.f('ix_login_throttles_updated_at'), table_name='login_throttles')
    op.drop_table('login_throttles')
    op.drop_index(op.f('ix_officer_sessions_officer_id'), table_name='officer_sessions')
    op.drop_table('officer_sessions')
