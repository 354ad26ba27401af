"""audit origin: every audit entry records where it came from and how it ended

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), server_default='ok', nullable=False))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('origin')
