"""the no-document register: people.register_state and person_merges (a merge and what its undo needs)

Revision ID: 0016_register
Revises: 0015_enrolment_requests
Create Date: 2026-12-06 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_register'
down_revision = '0015_enrolment_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.add_column(sa.Column('register_state', sa.String(length=16), nullable=True))
    op.create_table('person_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kept_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['kept_id'], ['people.id'], name=op.f('fk_person_merges_kept_id_people')),
    sa.ForeignKeyConstraint(['merged_id'], ['people.id'], name=op.f('fk_person_merges_merged_id_people')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_person_merges_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_merges'))
    )
    op.create_index(op.f('ix_person_merges_kept_id'), 'person_merges', ['kept_id'], unique=False)
    op.create_index(op.f('ix_person_merges_merged_id'), 'person_merges', ['merged_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_person_merges_merged_id'), table_name='person_merges')
    op.drop_index(op.f('ix_person_merges_kept_id'), table_name='person_merges')
    op.drop_table('person_merges')
    with op.batch_alter_table('people') as batch:
        batch.drop_column('register_state')
