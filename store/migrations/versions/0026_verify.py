"""verification (核实): the items drawn each month for officers to check, the months drawn, and the
month figures' verification counts kept in closed months' snapshots

Revision ID: 0026_verify
Revises: 0025_visit
Create Date: 2026-12-06 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0026_verify'
down_revision = '0025_visit'
branch_labels = None
depends_on = None

COUNTS = ('verification_drawn', 'verified', 'verification_errors')


def upgrade() -> None:
    op.create_table(
        'verification_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('precinct_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('drawn_at', sa.DateTime(), nullable=False),
        sa.Column('mark', sa.String(length=16), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'],
                                name='fk_verification_items_declaration_id_declarations'),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name='fk_verification_items_officer_id_officers'),
        sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'],
                                name='fk_verification_items_precinct_id_precincts'),
        sa.PrimaryKeyConstraint('id', name='pk_verification_items'),
        sa.UniqueConstraint('declaration_id', name='uq_verification_items_declaration_id'),
    )
    op.create_index('ix_verification_items_precinct_id', 'verification_items', ['precinct_id'])
    op.create_index('ix_verification_items_month_precinct', 'verification_items', ['month', 'precinct_id'])
    op.create_table(
        'verification_draws',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('drawn_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('month', name='pk_verification_draws'),
    )
    # Months closed before verification had no items: 0 is their true figure, not a placeholder.
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for name in reversed(COUNTS):
            batch.drop_column(name)
    op.drop_table('verification_draws')
    op.drop_index('ix_verification_items_month_precinct', table_name='verification_items')
    op.drop_index('ix_verification_items_precinct_id', table_name='verification_items')
    op.drop_table('verification_items')
