"""campaign statistics: survey estimates, case subjects, indexes for the monthly figures

Revision ID: 0002_stats
Revises: 0001
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_stats'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_estimates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('floating_population', sa.Integer(), nullable=False),
    sa.Column('rental_units', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'], name=op.f('fk_survey_estimates_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_estimates')),
    sa.UniqueConstraint('precinct_id', 'month', name='uq_survey_estimates_precinct_month')
    )
    op.create_table('case_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.Column('document_type', sa.String(length=16), nullable=False),
    sa.Column('document_hash', sa.String(length=64), nullable=False),
    sa.Column('case_date', sa.Date(), nullable=False),
    sa.Column('declared_before', sa.Boolean(), nullable=False),
    sa.Column('last_declaration_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['last_declaration_id'], ['declarations.id'],
                            name=op.f('fk_case_subjects_last_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'], name=op.f('fk_case_subjects_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_subjects')),
    sa.UniqueConstraint('document_type', 'document_hash', 'case_date', name='uq_case_subjects_subject')
    )
    with op.batch_alter_table('case_subjects', schema=None) as batch_op:
        batch_op.create_index('ix_case_subjects_precinct_date', ['precinct_id', 'case_date'], unique=False)

    # The monthly figures read declarations by property and date, and inbound messages by precinct and date.
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index('ix_declarations_property_declared', ['property_id', 'declared_at'], unique=False)
        batch_op.create_index('ix_declarations_move_out', ['move_out'], unique=False)
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_precinct_received', ['precinct_id', 'received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_precinct_received')
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index('ix_declarations_move_out')
        batch_op.drop_index('ix_declarations_property_declared')
    with op.batch_alter_table('case_subjects', schema=None) as batch_op:
        batch_op.drop_index('ix_case_subjects_precinct_date')
    op.drop_table('case_subjects')
    op.drop_table('survey_estimates')
