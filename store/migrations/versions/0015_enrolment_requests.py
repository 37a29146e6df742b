"""landlords' own enrolment requests (SMS 注册, the API, /my), waiting for an officer's decision

Revision ID: 0015_enrolment_requests
Revises: 0014_media
Create Date: 2026-12-06 12:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_enrolment_requests'
down_revision = '0014_media'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enrolment_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=16), nullable=False),
    sa.Column('document_number', sa.Text(), nullable=True),  # sealed (store.sealed)
    sa.Column('document_hash', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('address_key', sa.String(length=400), nullable=False),
    sa.Column('alias', sa.String(length=64), nullable=True),
    sa.Column('single_unit', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('address_conflict', sa.Boolean(), nullable=False),
    sa.Column('suggested_precinct_id', sa.Integer(), nullable=True),
    sa.Column('precinct_id', sa.Integer(), nullable=True),
    sa.Column('property_code', sa.String(length=16), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=400), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['officers.id'],
                            name=op.f('fk_enrolment_requests_decided_by_id_officers')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'],
                            name=op.f('fk_enrolment_requests_inbound_id_inbound_messages')),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'],
                            name=op.f('fk_enrolment_requests_precinct_id_precincts')),
    sa.ForeignKeyConstraint(['suggested_precinct_id'], ['precincts.id'],
                            name=op.f('fk_enrolment_requests_suggested_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_requests'))
    )
    for column in ('document_hash', 'address_key', 'status', 'suggested_precinct_id', 'client_address',
                   'created_at'):
        op.create_index(op.f(f'ix_enrolment_requests_{column}'), 'enrolment_requests', [column], unique=False)
    op.create_index('uq_enrolment_requests_pending', 'enrolment_requests', ['phone', 'address_key'], unique=True,
                    postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_table('enrolment_requests')
