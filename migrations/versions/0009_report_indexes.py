"""report indexes: a covering index for the lead cohort in place of the created_at index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 13:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COHORT_COLUMNS = ['created_at', 'channel_id', 'phase_id', 'team_id', 'owner_id', 'assigned_at', 'contacted_at',
                  'meeting_at', 'vacancy_at', 'placed_at', 'lost_at', 'sla_due_at']


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_cohort', COHORT_COLUMNS, unique=False)
        batch_op.drop_index('ix_leads_created_at')


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_created_at', ['created_at'], unique=False)
        batch_op.drop_index('ix_leads_cohort')
