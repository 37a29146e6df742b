"""an inbound message belongs to every precinct it is about; enrolled senders' messages are claimed

Revision ID: 0007_item_precincts
Revises: 0005_stats_live_and_charts
Create Date: 2026-12-08 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_item_precincts'
down_revision = '0006_voice_claims'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A landlord's message about properties in two precincts keeps the first as inbound_messages.precinct_id
    # and lists the others here, so both precincts' officers see it (store.scope.Scope.inbound).
    op.create_table('inbound_precincts',
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('precinct_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'],
                            name=op.f('fk_inbound_precincts_inbound_id_inbound_messages')),
    sa.ForeignKeyConstraint(['precinct_id'], ['precincts.id'], name=op.f('fk_inbound_precincts_precinct_id_precincts')),
    sa.PrimaryKeyConstraint('inbound_id', 'precinct_id', name=op.f('pk_inbound_precincts'))
    )
    # Messages stored so far went to the precinct of the landlord's first property: the precincts of the
    # other properties they declared people at see them too from now on.
    op.execute("""
        INSERT INTO inbound_precincts (inbound_id, precinct_id)
        SELECT DISTINCT d.inbound_id, p.precinct_id
        FROM declarations d
        JOIN properties p ON p.id = d.property_id
        JOIN inbound_messages m ON m.id = d.inbound_id
        WHERE m.precinct_id IS NOT NULL AND p.precinct_id <> m.precinct_id
    """)
    # Messages from numbers enrolled after they wrote stayed visible to every precinct: they belong to the
    # precinct of the number's first enrolled property (the one enrolling it claimed them).
    claimed = op.get_bind().execute(sa.text("""
        UPDATE inbound_messages SET precinct_id = (
            SELECT p.precinct_id FROM properties p JOIN landlords l ON l.id = p.landlord_id
            WHERE l.phone = inbound_messages.from_number ORDER BY p.id LIMIT 1)
        WHERE precinct_id IS NULL AND EXISTS (
            SELECT 1 FROM properties p JOIN landlords l ON l.id = p.landlord_id
            WHERE l.phone = inbound_messages.from_number)
    """)).rowcount
    if claimed:
        # Those messages now count in their precinct's figures, back to their month: the kept figures
        # and charts are recounted and redrawn when next viewed.
        op.execute("DELETE FROM stats_month_snapshots")
        op.execute("DELETE FROM stats_live_figures")
        op.execute("DELETE FROM stats_charts")


def downgrade() -> None:
    op.drop_table('inbound_precincts')
