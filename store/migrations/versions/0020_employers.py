"""employers: employers (用工单位), their contact phones and sites, staff declarations

Revision ID: 0020_employers
Revises: 0019_org_units
Create Date: 2026-12-06 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_employers'
down_revision = '0019_org_units'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'], name=op.f('fk_employers_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employers_credit_code'))
    )
    op.create_index(op.f('ix_employers_precinct_id'), 'employers', ['precinct_id'], unique=False)
    op.create_table('employer_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_contacts_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_contacts')),
    sa.UniqueConstraint('phone', name=op.f('uq_employer_contacts_phone'))
    )
    op.create_index(op.f('ix_employer_contacts_employer_id'), 'employer_contacts', ['employer_id'], unique=False)
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('alias', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_sites_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_sites_code')),
    sa.UniqueConstraint('employer_id', 'alias', name='uq_sites_employer_alias')
    )
    op.create_index(op.f('ix_sites_employer_id'), 'sites', ['employer_id'], unique=False)
    op.create_table('staff_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=32), nullable=True),
    sa.Column('lodger', sa.Boolean(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('receipt', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('declarant_phone', sa.String(length=20), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_staff_declarations_person_id_people')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'],
                            name=op.f('fk_staff_declarations_employer_id_employers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_staff_declarations_site_id_sites')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'],
                            name=op.f('fk_staff_declarations_inbound_id_inbound_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_declarations')),
    sa.UniqueConstraint('receipt', name=op.f('uq_staff_declarations_receipt'))
    )
    op.create_index(op.f('ix_staff_declarations_person_id'), 'staff_declarations', ['person_id'], unique=False)
    op.create_index(op.f('ix_staff_declarations_employer_id'), 'staff_declarations', ['employer_id'], unique=False)
    op.create_index(op.f('ix_staff_declarations_site_id'), 'staff_declarations', ['site_id'], unique=False)
    # One active staff declaration per person and employer: the dedupe's last word when two workers race.
    op.create_index('uq_staff_declarations_active', 'staff_declarations', ['person_id', 'employer_id'], unique=True,
                    postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))


def downgrade() -> None:
    op.drop_index('uq_staff_declarations_active', table_name='staff_declarations')
    for name in ('site_id', 'employer_id', 'person_id'):
        op.drop_index(op.f(f'ix_staff_declarations_{name}'), table_name='staff_declarations')
    op.drop_table('staff_declarations')
    op.drop_index(op.f('ix_sites_employer_id'), table_name='sites')
    op.drop_table('sites')
    op.drop_index(op.f('ix_employer_contacts_employer_id'), table_name='employer_contacts')
    op.drop_table('employer_contacts')
    op.drop_index(op.f('ix_employers_precinct_id'), table_name='employers')
    op.drop_table('employers')
