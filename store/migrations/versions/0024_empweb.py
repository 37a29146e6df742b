"""empweb: employers' grants to agents (agents.employer_id, agents.site_id; landlord_id may be NULL)

Revision ID: 0024_empweb
Revises: 0023_empstats
Create Date: 2026-12-06 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_empweb'
down_revision = '0023_empstats'
branch_labels = None
depends_on = None


def _landlords_index() -> None:
    op.create_index('uq_agents_active', 'agents', ['landlord_id', 'phone', sa.text('coalesce(property_id, 0)')],
                    unique=True, postgresql_where=sa.text('revoked_at IS NULL'),
                    sqlite_where=sa.text('revoked_at IS NULL'))


def upgrade() -> None:
    # SQLite's batch mode copies the table and cannot reflect an expression index: it is dropped and made again.
    op.drop_index('uq_agents_active', table_name='agents')
    with op.batch_alter_table('agents') as batch:
        batch.add_column(sa.Column('employer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch.alter_column('landlord_id', existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(op.f('fk_agents_employer_id_employers'), 'employers', ['employer_id'], ['id'])
        batch.create_foreign_key(op.f('fk_agents_site_id_sites'), 'sites', ['site_id'], ['id'])
        batch.create_index(op.f('ix_agents_employer_id'), ['employer_id'], unique=False)
    _landlords_index()
    op.create_index('uq_agents_employer_active', 'agents', ['employer_id', 'phone', sa.text('coalesce(site_id, 0)')],
                    unique=True, postgresql_where=sa.text('revoked_at IS NULL'),
                    sqlite_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    # An employer's grant has no landlord: it cannot outlive landlord_id becoming NOT NULL again.
    op.drop_index('uq_agents_employer_active', table_name='agents')
    op.drop_index('uq_agents_active', table_name='agents')
    op.execute("DELETE FROM agents WHERE landlord_id IS NULL")
    with op.batch_alter_table('agents') as batch:
        batch.drop_index(op.f('ix_agents_employer_id'))
        batch.drop_constraint(op.f('fk_agents_site_id_sites'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_agents_employer_id_employers'), type_='foreignkey')
        batch.alter_column('landlord_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('site_id')
        batch.drop_column('employer_id')
    _landlords_index()
