"""when a lead reached the CRM: leads.arrived_at, filled for the leads that exist

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
    # Before this column the CRM kept when each touchpoint was recorded (touchpoints.created_at): the lead
    # arrived with its first one. A lead without a touchpoint arrived when it was created.
    op.execute('UPDATE leads SET arrived_at = COALESCE((SELECT MIN(t.created_at) FROM touchpoints t'
               ' WHERE t.lead_id = leads.id), created_at)')


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('arrived_at')
