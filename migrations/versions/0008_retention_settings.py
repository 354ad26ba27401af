"""retention periods per kind of record (settings) and contacts.anonymised_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 13:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SETTINGS = [
    ("retention_contact_months", 24, "Bewaartermijn contactpersonen zonder open lead of contact (maanden)"),
    ("retention_lead_text_months", 24, "Bewaartermijn vrije tekst bij afgesloten leads (maanden)"),
    ("retention_placement_months", 84, "Bewaartermijn kandidaatreferentie en notities na einde plaatsing (maanden)"),
    ("retention_import_file_months", 3, "Bewaartermijn geüploade importbestanden en foutregels (maanden)"),
    ("retention_audit_months", 24, "Bewaartermijn logboek (maanden)"),
]


def upgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    settings = sa.Table("settings", sa.MetaData(), sa.Column("key", sa.String), sa.Column("value", sa.JSON),
                        sa.Column("label", sa.String))
    op.bulk_insert(settings, [{"key": k, "value": v, "label": label} for k, v, label in SETTINGS])


def downgrade():
    op.execute(sa.text("DELETE FROM settings WHERE key LIKE 'retention\\_%' ESCAPE '\\'"))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
