"""the internet channel: log-in codes, API tokens, idempotency keys; hukou address; web in the statistics

Revision ID: 0012_api_tokens
Revises: 0011_delivery_receipts
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_api_tokens'
down_revision = '0011_delivery_receipts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_login_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_login_codes'))
    )
    op.create_index(op.f('ix_api_login_codes_phone'), 'api_login_codes', ['phone'], unique=False)
    op.create_index(op.f('ix_api_login_codes_address'), 'api_login_codes', ['address'], unique=False)
    op.create_index(op.f('ix_api_login_codes_created_at'), 'api_login_codes', ['created_at'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('landlord_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['landlord_id'], ['landlords.id'], name=op.f('fk_api_tokens_landlord_id_landlords')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_landlord_id'), 'api_tokens', ['landlord_id'], unique=False)
    op.create_table('api_idempotency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
    sa.UniqueConstraint('scope', 'key', name='uq_api_idempotency_scope')
    )
    op.create_index(op.f('ix_api_idempotency_created_at'), 'api_idempotency', ['created_at'], unique=False)
    with op.batch_alter_table('declarations') as batch:
        batch.add_column(sa.Column('hukou_address', sa.String(length=400), nullable=True))
    # Closed months counted before the web channel existed had no web declarations.
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.add_column(sa.Column('web', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        batch.drop_column('web')
    with op.batch_alter_table('declarations') as batch:
        batch.drop_column('hukou_address')
    op.drop_index(op.f('ix_api_idempotency_created_at'), table_name='api_idempotency')
    op.drop_table('api_idempotency')
    op.drop_index(op.f('ix_api_tokens_landlord_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index(op.f('ix_api_login_codes_created_at'), table_name='api_login_codes')
    op.drop_index(op.f('ix_api_login_codes_address'), table_name='api_login_codes')
    op.drop_index(op.f('ix_api_login_codes_phone'), table_name='api_login_codes')
    op.drop_table('api_login_codes')
