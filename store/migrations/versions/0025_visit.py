"""door-to-door entry: the officer who declared (or whose edit made) a declaration, people found undeclared

Revision ID: 0025_visit
Revises: 0024_empweb
Create Date: 2026-12-06 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_visit'
down_revision = '0024_empweb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier declarations were all made by landlords, agents or callers: no officer, nobody found on a visit.
    with op.batch_alter_table('declarations') as batch:
        batch.add_column(sa.Column('officer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('found_on_visit', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key('fk_declarations_officer_id_officers', 'officers', ['officer_id'], ['id'])
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_inbound_messages_edited_by_id_officers', 'officers', ['edited_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_constraint('fk_inbound_messages_edited_by_id_officers', type_='foreignkey')
        batch.drop_column('edited_by_id')
    with op.batch_alter_table('declarations') as batch:
        batch.drop_constraint('fk_declarations_officer_id_officers', type_='foreignkey')
        batch.drop_column('found_on_visit')
        batch.drop_column('officer_id')
