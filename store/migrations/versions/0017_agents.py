"""agents: landlords' grants to another phone; who declared; API tokens for agents

Revision ID: 0017_agents
Revises: 0016_register
Create Date: 2026-12-12 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_agents'
down_revision = '0016_register'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('landlord_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['landlord_id'], ['landlords.id'], name=op.f('fk_agents_landlord_id_landlords')),
    sa.ForeignKeyConstraint(['property_id'], ['properties.id'], name=op.f('fk_agents_property_id_properties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents'))
    )
    op.create_index(op.f('ix_agents_landlord_id'), 'agents', ['landlord_id'], unique=False)
    op.create_index(op.f('ix_agents_phone'), 'agents', ['phone'], unique=False)
    op.create_index('uq_agents_active', 'agents', ['landlord_id', 'phone', sa.text('coalesce(property_id, 0)')],
                    unique=True, postgresql_where=sa.text('revoked_at IS NULL'),
                    sqlite_where=sa.text('revoked_at IS NULL'))
    with op.batch_alter_table('declarations') as batch:
        batch.add_column(sa.Column('declarant_phone', sa.String(length=20), nullable=True))
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch.alter_column('landlord_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # An agent's token has no landlord: it cannot outlive the column becoming NOT NULL again.
    op.execute("DELETE FROM api_tokens WHERE landlord_id IS NULL")
    with op.batch_alter_table('api_tokens') as batch:
        batch.alter_column('landlord_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('phone')
    with op.batch_alter_table('declarations') as batch:
        batch.drop_column('declarant_phone')
    op.drop_index('uq_agents_active', table_name='agents')
    op.drop_index(op.f('ix_agents_phone'), table_name='agents')
    op.drop_index(op.f('ix_agents_landlord_id'), table_name='agents')
    op.drop_table('agents')
