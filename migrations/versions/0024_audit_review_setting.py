"""the threshold of the audit log's "unusual access" view: reads of one person in one day

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 18:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    settings = sa.Table("settings", sa.MetaData(), sa.Column("key", sa.String), sa.Column("value", sa.JSON),
                        sa.Column("label", sa.String))
    op.bulk_insert(settings, [{"key": "audit_unusual_reads_per_day", "value": 100,
                               "label": "Ongebruikelijke inzage: inzages per persoon per dag"}])


def downgrade():
    op.execute(sa.text("DELETE FROM settings WHERE key = 'audit_unusual_reads_per_day'"))
