"""empenrol: employers' own enrolment requests share landlords' (a kind, the credit code, the first site)

Revision ID: 0027_empenrol
Revises: 0026_verify
Create Date: 2026-12-06 16:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0027_empenrol'
down_revision = '0026_verify'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrolment_requests') as batch:
        # Every request stored so far is a landlord's.
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='landlord'))
        batch.add_column(sa.Column('credit_code', sa.String(length=18), nullable=True))
        batch.add_column(sa.Column('credit_conflict', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('site_address', sa.String(length=400), nullable=True))
        batch.add_column(sa.Column('site_kind', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch.create_index('ix_enrolment_requests_credit_code', ['credit_code'], unique=False)


def downgrade() -> None:
    # Employers' requests have no landlord meaning: they go with the columns that describe them.
    op.execute("DELETE FROM enrolment_requests WHERE kind = 'employer'")
    with op.batch_alter_table('enrolment_requests') as batch:
        batch.drop_index('ix_enrolment_requests_credit_code')
        for column in ('capacity', 'site_kind', 'site_address', 'credit_conflict', 'credit_code', 'kind'):
            batch.drop_column(column)
