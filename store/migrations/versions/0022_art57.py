"""art57: officers' actions (education / warning / fine) on the follow-up list; staff declarations' `late` flag;
the month's actions in closed months' snapshots

Revision ID: 0022_art57
Revises: 0021_export
Create Date: 2026-12-06 15:30:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0022_art57'
down_revision = '0021_export'
branch_labels = None
depends_on = None

# The move-in rule of parsers/dates.py as it stood when this was written, applied to a staff start: a start
# more than DEADLINE_DAYS before the declaration is late, unless it is a backlog one (over MAX_AGE_DAYS back,
# or before the campaign's start, the `created_on` fact of migration 0013).
DEADLINE_DAYS = 7
MAX_AGE_DAYS = 366
# Months closed before actions were recorded had none: 0 is their true figure, not a placeholder.
SNAPSHOT_COLUMNS = ('art57_actions', 'art57_education', 'art57_warnings', 'art57_fines', 'art57_fine_yuan')


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _backfill_late() -> None:
    conn = op.get_bind()
    fact = conn.execute(sa.text("SELECT value FROM gateway_facts WHERE key = 'created_on'")).scalar()
    campaign_start = dt.date.fromisoformat(fact) if fact else None
    late_ids = []
    for row_id, start, declared_at in conn.execute(sa.text("SELECT id, start, declared_at FROM staff_declarations")):
        start = _as_date(start)
        delta = (_as_date(declared_at) - start).days
        backlog = delta > MAX_AGE_DAYS or (campaign_start is not None and start < campaign_start)
        if not backlog and delta > DEADLINE_DAYS:
            late_ids.append(row_id)
    for row_id in late_ids:
        conn.execute(sa.text("UPDATE staff_declarations SET late = :yes WHERE id = :id"), {"yes": True, "id": row_id})


def upgrade() -> None:
    with op.batch_alter_table('staff_declarations') as batch:
        batch.add_column(sa.Column('late', sa.Boolean(), nullable=True))
    op.execute(sa.text("UPDATE staff_declarations SET late = :no").bindparams(no=False))
    _backfill_late()
    with op.batch_alter_table('staff_declarations') as batch:
        batch.alter_column('late', existing_type=sa.Boolean(), nullable=False)
    op.create_table('art57_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('landlord_id', sa.Integer(), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_yuan', sa.Integer(), nullable=True),
    sa.Column('decision_no', sa.String(length=64), nullable=True),
    sa.Column('action_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(landlord_id IS NULL) <> (employer_id IS NULL)', name=op.f('ck_art57_actions_one_subject')),
    sa.CheckConstraint("kind IN ('education', 'warning', 'fine')", name=op.f('ck_art57_actions_kind')),
    sa.CheckConstraint("kind <> 'fine' OR (amount_yuan > 0 AND decision_no IS NOT NULL)",
                       name=op.f('ck_art57_actions_fine_complete')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_art57_actions_employer_id_employers')),
    sa.ForeignKeyConstraint(['landlord_id'], ['landlords.id'], name=op.f('fk_art57_actions_landlord_id_landlords')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_art57_actions_officer_id_officers')),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'], name=op.f('fk_art57_actions_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_art57_actions'))
    )
    for column in ('landlord_id', 'employer_id', 'precinct_id', 'action_date'):
        op.create_index(op.f(f'ix_art57_actions_{column}'), 'art57_actions', [column], unique=False)
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for column in SNAPSHOT_COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for column in SNAPSHOT_COLUMNS:
            batch.drop_column(column)
    for column in ('landlord_id', 'employer_id', 'precinct_id', 'action_date'):
        op.drop_index(op.f(f'ix_art57_actions_{column}'), table_name='art57_actions')
    op.drop_table('art57_actions')
    with op.batch_alter_table('staff_declarations') as batch:
        batch.drop_column('late')
