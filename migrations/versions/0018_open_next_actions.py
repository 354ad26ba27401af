"""next actions stay open until done or dropped: status, when and by whom it was closed

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 15:30:00

Before this revision a lead's next action was the one on its latest activity: any later activity made an
earlier one vanish. Those superseded actions become "done", closed at the time of the activity that followed
them (by nobody in particular); the latest one per lead stays open.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities') as batch:
        batch.add_column(sa.Column('next_action_status', sa.String(length=10), server_default='none', nullable=False))
        batch.add_column(sa.Column('next_action_closed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('next_action_closed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_activities_next_action_closed_by_id_users', 'users',
                                 ['next_action_closed_by_id'], ['id'])
        batch.create_index('ix_activities_open_actions', ['actor_id', 'next_action_status', 'next_action_due'])

    # A later activity on the same lead (later in time, or the same time and recorded later) closed it.
    follow_up = """(SELECT min(later.occurred_at) FROM activities AS later
                     WHERE later.lead_id = activities.lead_id
                       AND (later.occurred_at > activities.occurred_at
                            OR (later.occurred_at = activities.occurred_at AND later.id > activities.id)))"""
    op.execute(f"""UPDATE activities SET next_action_status = 'done', next_action_closed_at = {follow_up}
                   WHERE next_action_due IS NOT NULL AND {follow_up} IS NOT NULL""")
    op.execute("""UPDATE activities SET next_action_status = 'open'
                  WHERE next_action_due IS NOT NULL AND next_action_status = 'none'""")


def downgrade():
    with op.batch_alter_table('activities') as batch:
        batch.drop_index('ix_activities_open_actions')
        batch.drop_constraint('fk_activities_next_action_closed_by_id_users', type_='foreignkey')
        batch.drop_column('next_action_closed_by_id')
        batch.drop_column('next_action_closed_at')
        batch.drop_column('next_action_status')
