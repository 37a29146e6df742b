"""export: a change time on declarations, staff declarations and people (`export --since`), export tokens

Revision ID: 0021_export
Revises: 0020_employers
Create Date: 2026-12-06 13:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_export'
down_revision = '0020_employers'
branch_labels = None
depends_on = None

# The best time known for a row's last change before the column existed: its end if it ended, else its start.
BACKFILL = {
    'declarations': 'COALESCE(ended_at, declared_at)',
    'staff_declarations': 'COALESCE(ended_at, declared_at)',
    'people': 'created_at',
}


def upgrade() -> None:
    for table_name, best in BACKFILL.items():
        with op.batch_alter_table(table_name) as batch:
            batch.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        op.execute(f'UPDATE {table_name} SET updated_at = {best}')
        with op.batch_alter_table(table_name) as batch:
            batch.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
            batch.create_index(f'ix_{table_name}_updated_at', ['updated_at'], unique=False)
    op.create_table('export_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_export_tokens_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_export_tokens_token_hash'))
    )
    op.create_index(op.f('ix_export_tokens_unit_id'), 'export_tokens', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_export_tokens_unit_id'), table_name='export_tokens')
    op.drop_table('export_tokens')
    for table_name in reversed(list(BACKFILL)):
        with op.batch_alter_table(table_name) as batch:
            batch.drop_index(f'ix_{table_name}_updated_at')
            batch.drop_column('updated_at')
