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


# The report cohort index before this revision; the first-contact report's SLA (the advisor's part) and the
# response times read arrived_at too, so it joins the index and the cohort is still read from the index alone.
COHORT = ['created_at', 'channel_id', 'phase_id', 'team_id', 'owner_id', 'assigned_at', 'contacted_at', 'meeting_at',
          'vacancy_at', 'placed_at', 'lost_at', 'sla_due_at', 'last_touch_channel_id', 'last_touch_phase_id']


def upgrade():
    op.drop_index('ix_leads_cohort', table_name='leads')  # built again at the end: the fill does not update it
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
    # Before this column the CRM kept when each touchpoint was recorded (touchpoints.created_at): the lead
    # arrived with its first one. A lead without a touchpoint arrived when it was created.
    op.execute('UPDATE leads SET arrived_at = COALESCE((SELECT MIN(t.created_at) FROM touchpoints t'
               ' WHERE t.lead_id = leads.id), created_at)')
    op.create_index('ix_leads_cohort', 'leads', COHORT + ['arrived_at'], unique=False)


def downgrade():
    op.drop_index('ix_leads_cohort', table_name='leads')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('arrived_at')
    op.create_index('ix_leads_cohort', 'leads', COHORT, unique=False)
