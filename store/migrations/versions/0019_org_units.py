"""the police hierarchy: units (city → county) above the stations, officers placed in a unit, grants

Every existing precinct becomes a station under a default county (DEFAULT_COUNTY) under a default city
(DEFAULT_CITY); existing supervisors are placed at that city, so they keep seeing every precinct. Nothing
is deleted; the codes and names can be changed afterwards with `declgate org import`.

Revision ID: 0019_org_units
Revises: 0018_declarant_kind
Create Date: 2026-12-06 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_org_units'
down_revision = '0018_declarant_kind'
branch_labels = None
depends_on = None

DEFAULT_CITY = ('CITY', '市公安局')
DEFAULT_COUNTY = ('COUNTY', '县（区）公安分局')


def upgrade() -> None:
    units = op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code')))
    op.create_index(op.f('ix_units_parent_id'), 'units', ['parent_id'], unique=False)
    with op.batch_alter_table('precincts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_precincts_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_precincts_unit_id_units'), 'units', ['unit_id'], ['id'])
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('grants', sa.String(length=64), nullable=False, server_default=''))
        batch_op.alter_column('precinct_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_officers_unit_id_units'), 'units', ['unit_id'], ['id'])

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM precincts")).scalar() or \
            bind.execute(sa.text("SELECT count(*) FROM officers")).scalar():
        op.bulk_insert(units, [{'id': 1, 'code': DEFAULT_CITY[0], 'name': DEFAULT_CITY[1], 'level': 'city',
                                'parent_id': None},
                               {'id': 2, 'code': DEFAULT_COUNTY[0], 'name': DEFAULT_COUNTY[1], 'level': 'county',
                                'parent_id': 1}])
        if bind.dialect.name == 'postgresql':
            op.execute("SELECT setval(pg_get_serial_sequence('units', 'id'), 2)")
        op.execute("UPDATE precincts SET unit_id = 2")
        op.execute("UPDATE officers SET unit_id = 1 WHERE role IN ('supervisor', 'admin')")


def downgrade() -> None:
    op.execute("UPDATE officers SET precinct_id = (SELECT min(id) FROM precincts) WHERE precinct_id IS NULL")
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_officers_unit_id_units'), type_='foreignkey')
        batch_op.alter_column('precinct_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('grants')
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('precincts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_precincts_unit_id_units'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_precincts_unit_id'))
        batch_op.drop_column('unit_id')
    op.drop_index(op.f('ix_units_parent_id'), table_name='units')
    op.drop_table('units')
