"""delivery receipts per outbound SMS and attempt; inbound messages purged under the retention period

Revision ID: 0011_delivery_receipts
Revises: 0010_contact_languages
Create Date: 2026-12-06 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_delivery_receipts'
down_revision = '0010_contact_languages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A reply was `sent` once Twilio's API took it, and the gateway never learned more. Twilio's receipts
    # (POST /sms/status) now move each message on, with the carrier's ErrorCode, and a transient failure
    # is sent again later: each provider call is an attempt with its own SID and state.
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('error_code', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('status_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
        batch.create_index(batch.f('ix_outbound_messages_status'), ['status'], unique=False)
    # Before receipts, `sent` meant what `queued` means now: accepted by the API, fate unknown.
    op.execute("UPDATE outbound_messages SET status = 'queued' WHERE status = 'sent'")
    op.create_table('delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbound_id', sa.Integer(), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outbound_id'], ['outbound_messages.id'],
                            name=op.f('fk_delivery_attempts_outbound_id_outbound_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempts')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_delivery_attempts_provider_sid'))
    )
    op.create_index(op.f('ix_delivery_attempts_outbound_id'), 'delivery_attempts', ['outbound_id'], unique=False)
    # Raw messages hold full ID numbers: past the retention period `declgate purge` empties them and
    # says when here, keeping what statistics and receipts are made of.
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('purged_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_column('purged_at')
    op.drop_index(op.f('ix_delivery_attempts_outbound_id'), table_name='delivery_attempts')
    op.drop_table('delivery_attempts')
    op.execute("UPDATE outbound_messages SET status = 'sent' WHERE status IN ('queued', 'delivered', 'undelivered')")
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_index(batch.f('ix_outbound_messages_status'))
        batch.drop_column('retry_at')
        batch.drop_column('attempts')
        batch.drop_column('status_at')
        batch.drop_column('error_code')
