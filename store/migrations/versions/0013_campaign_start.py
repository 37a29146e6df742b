"""the campaign's start: gateway_facts.created_on, the day backlog registrations end and deadlines begin

Revision ID: 0013_campaign_start
Revises: 0012_api_tokens
Create Date: 2026-12-06 12:00:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0013_campaign_start'
down_revision = '0012_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    facts = op.create_table('gateway_facts',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_gateway_facts'))
    )
    # An installation upgraded today has been taking declarations since its first message: that day, not
    # the upgrade's, is when its campaign began, or every older move-in would turn into backlog at once.
    first = op.get_bind().execute(sa.text("SELECT MIN(received_at) FROM inbound_messages")).scalar()
    if isinstance(first, str):  # SQLite hands the DateTime back as text
        first = dt.datetime.fromisoformat(first)
    day = first.date() if first is not None else dt.date.today()
    op.bulk_insert(facts, [{'key': 'created_on', 'value': day.isoformat()}])


def downgrade() -> None:
    op.drop_table('gateway_facts')
