"""a caller's move-out claim waits on the tenant's declaration for the landlord

Revision ID: 0006_voice_claims
Revises: 0005_stats_live_and_charts
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_voice_claims'
down_revision = '0005_stats_live_and_charts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A move-out said on the voice line no longer ends the declaration: it points at the call until the
    # landlord (Y/N) or an officer decides (store/claims.py).
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('move_out_claim_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_declarations_move_out_claim_id'), ['move_out_claim_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_declarations_move_out_claim_id_inbound_messages'),
                                    'inbound_messages', ['move_out_claim_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_declarations_move_out_claim_id_inbound_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_declarations_move_out_claim_id'))
        batch_op.drop_column('move_out_claim_id')
