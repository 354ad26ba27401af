"""external ids per source: an external_id is unique within the source that sent it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 06:00:00

"""

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
