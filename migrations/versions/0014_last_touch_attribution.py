"""last-touch attribution on the lead: leads.last_touch_channel_id and last_touch_phase_id, filled, and
in the cohort index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 14:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (column on leads, column of the touchpoint, referred table)
COLUMNS = [('last_touch_channel_id', 'channel_id', 'channels'), ('last_touch_phase_id', 'phase_id', 'phases')]
COHORT = ['created_at', 'channel_id', 'phase_id', 'team_id', 'owner_id', 'assigned_at', 'contacted_at',
          'meeting_at', 'vacancy_at', 'placed_at', 'lost_at', 'sla_due_at']


def _last_touch(column):
    """The definition of services.leads.attribution.last_touch_lookup, in SQL: the lead's last touchpoint
    that carries `column`, at or before its meeting (without a meeting: the last one), ties to the highest id."""
    return (f'(SELECT t.{column} FROM touchpoints t WHERE t.lead_id = leads.id AND t.{column} IS NOT NULL'
            ' AND (leads.meeting_at IS NULL OR t.occurred_at <= leads.meeting_at)'
            ' ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1)')


def upgrade():
    # The cohort index is built again at the end with the two columns, so the last-touch funnel reads the
    # cohort from the index alone as the first-touch funnel does; without it the fill below updates it too.
    op.drop_index('ix_leads_cohort', table_name='leads')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for name, _, table in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_leads_{name}_{table}'), table, [name], ['id'])
    # Every existing lead at once, one lookup per lead in ix_touchpoints_lead_last (migration 0013); leads
    # without a touchpoint that carries a channel or a phase keep NULL and are not rewritten.
    sets = ', '.join(f'{name} = {_last_touch(column)}' for name, column, _ in COLUMNS)
    op.execute(f'UPDATE leads SET {sets} WHERE EXISTS (SELECT 1 FROM touchpoints t WHERE t.lead_id = leads.id'
               ' AND (t.channel_id IS NOT NULL OR t.phase_id IS NOT NULL))')
    op.create_index('ix_leads_cohort', 'leads', COHORT + [name for name, _, _ in COLUMNS], unique=False)


def downgrade():
    op.drop_index('ix_leads_cohort', table_name='leads')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for name, _, table in reversed(COLUMNS):
            batch_op.drop_constraint(batch_op.f(f'fk_leads_{name}_{table}'), type_='foreignkey')
            batch_op.drop_column(name)
    op.create_index('ix_leads_cohort', 'leads', COHORT, unique=False)
