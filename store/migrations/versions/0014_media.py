"""portraits: MMS images and officers' uploads, and the inbound messages' media state

Revision ID: 0014_media
Revises: 0013_campaign_start
Create Date: 2026-12-06 12:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_media'
down_revision = '0013_campaign_start'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problem', sa.String(length=32), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('content_type', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_media_inbound_id_inbound_messages')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_media_person_id_people')),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_media_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_media_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media'))
    )
    op.create_index(op.f('ix_media_inbound_id'), 'media', ['inbound_id'], unique=False)
    op.create_index(op.f('ix_media_person_id'), 'media', ['person_id'], unique=False)
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('media_state', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_column('media_state')
    op.drop_index(op.f('ix_media_person_id'), table_name='media')
    op.drop_index(op.f('ix_media_inbound_id'), table_name='media')
    op.drop_table('media')
