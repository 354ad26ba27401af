"""last-touch index and autovacuum: touchpoints by lead in time order (covering), and autovacuum
settings for leads and touchpoints on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LAST_TOUCH_COLUMNS = ['lead_id', 'occurred_at', 'id', 'channel_id', 'phase_id']

# PostgreSQL only (storage parameters; docs/operations.md, "PostgreSQL maintenance", gives the reasons).
# The defaults (vacuum after 20% of the table changed or inserted, analyze after 10%) leave the newest
# rows, which the reports read most, outside the visibility map for a long time as the tables grow.
AUTOVACUUM = {
    'leads': {'autovacuum_vacuum_scale_factor': '0.02', 'autovacuum_vacuum_insert_scale_factor': '0.01',
              'autovacuum_analyze_scale_factor': '0.01'},
    'touchpoints': {'autovacuum_vacuum_insert_scale_factor': '0.01', 'autovacuum_analyze_scale_factor': '0.02'},
}


def upgrade():
    # The last touchpoint of a lead (at or before its meeting) in one backward index-only step: the
    # last-touch funnel looks it up once per lead of the cohort.
    op.create_index('ix_touchpoints_lead_last', 'touchpoints', LAST_TOUCH_COLUMNS, unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table, options in AUTOVACUUM.items():
            settings = ', '.join(f'{name} = {value}' for name, value in options.items())
            op.execute(f'ALTER TABLE {table} SET ({settings})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, options in AUTOVACUUM.items():
            op.execute(f'ALTER TABLE {table} RESET ({", ".join(options)})')
    op.drop_index('ix_touchpoints_lead_last', table_name='touchpoints')
