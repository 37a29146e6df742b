"""staffverify: a verification item may be a staff declaration's (employers' staff and lodgers are checked too)

An item points at exactly one of a tenant's declaration or a staff declaration: `declaration_id` becomes
nullable, `staff_declaration_id` is added (unique, as `declaration_id` is: a re-run of the draw adds nothing
twice) and a CHECK keeps one of the two set.

Revision ID: 0029_staffverify
Revises: 0028_waiting
Create Date: 2026-12-07 12:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0029_staffverify'
down_revision = '0028_waiting'
branch_labels = None
depends_on = None

FK = 'fk_verification_items_staff_declaration_id_staff_declarations'
UQ = 'uq_verification_items_staff_declaration_id'
CK = 'ck_verification_items_one_declaration'
ONE_SET = sa.text('(declaration_id IS NULL) <> (staff_declaration_id IS NULL)')


def upgrade() -> None:
    with op.batch_alter_table('verification_items') as batch:
        batch.add_column(sa.Column('staff_declaration_id', sa.Integer(), nullable=True))
        batch.alter_column('declaration_id', existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(batch.f(FK), 'staff_declarations', ['staff_declaration_id'], ['id'])
        batch.create_unique_constraint(batch.f(UQ), ['staff_declaration_id'])
        batch.create_check_constraint(batch.f(CK), ONE_SET)


def downgrade() -> None:
    # Staff items have no meaning without the column that names their declaration: they go with it.
    op.execute("DELETE FROM verification_items WHERE staff_declaration_id IS NOT NULL")
    with op.batch_alter_table('verification_items') as batch:
        batch.drop_constraint(batch.f(CK), type_='check')
        batch.drop_constraint(batch.f(UQ), type_='unique')
        batch.drop_constraint(batch.f(FK), type_='foreignkey')
        batch.alter_column('declaration_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('staff_declaration_id')
