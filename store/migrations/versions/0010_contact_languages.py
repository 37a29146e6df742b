"""the language each number last wrote in, for replies to messages that carry none

Revision ID: 0010_contact_languages
Revises: 0009_encrypted_documents
Create Date: 2026-12-06 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_contact_languages'
down_revision = '0009_encrypted_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `Y 12345671` has no Chinese in it, so the grammar calls it English: the reply now follows the
    # language the landlord last wrote in, or was last asked in.
    op.create_table('contact_languages',
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_contact_languages'))
    )


def downgrade() -> None:
    op.drop_table('contact_languages')
