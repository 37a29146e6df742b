"""empstats: employers in the statistics — when an employer was enrolled, and the employers' figures kept in
closed months' snapshots; a no-document staff member's hukou address

Revision ID: 0023_empstats
Revises: 0022_art57
Create Date: 2026-12-06 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_empstats'
down_revision = '0022_art57'
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = ('employers_enrolled', 'staff_declared', 'staff_active', 'lodgers_active',
                    'late_staff_declarations')


def upgrade() -> None:
    # The best time known for an employer's enrolment: its first staff declaration, else the upgrade (naive UTC).
    now = "timezone('utc', now())" if op.get_bind().dialect.name == 'postgresql' else 'CURRENT_TIMESTAMP'
    # A no-document staff member's household-registration address, as a tenant's declaration keeps it.
    with op.batch_alter_table('staff_declarations') as batch:
        batch.add_column(sa.Column('hukou_address', sa.String(length=400), nullable=True))
    with op.batch_alter_table('employers') as batch:
        batch.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE employers SET created_at = COALESCE((SELECT MIN(declared_at) FROM staff_declarations '
               f'WHERE staff_declarations.employer_id = employers.id), {now})')
    with op.batch_alter_table('employers') as batch:
        batch.alter_column('created_at', existing_type=sa.DateTime(), nullable=False)
    # Closed months' snapshots were taken without the employers' figures; forget them, so the next view counts
    # them again with those figures rather than showing a 0 that is not true.
    op.execute('DELETE FROM stats_month_snapshots')
    op.execute('DELETE FROM stats_live_figures')
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for name in SNAPSHOT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('stats_month_snapshots') as batch:
        for name in SNAPSHOT_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table('employers') as batch:
        batch.drop_column('created_at')
    with op.batch_alter_table('staff_declarations') as batch:
        batch.drop_column('hukou_address')
