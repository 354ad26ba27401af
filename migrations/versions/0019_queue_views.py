"""saved queue views per user and absence hand-back

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 17:30:00

A user's saved queue views (named filters and sort order per queue page), and what an absence that hands its
leads back needs: the flag on the absence, when the hand-back ran, and which lead went from whom to whom.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('queue_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_queue_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_views')),
    sa.UniqueConstraint('user_id', 'page', 'name', name=op.f('uq_queue_views_user_id'))
    )

    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hand_back', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('handed_back_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('absence_handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('absence_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=False),
    sa.Column('handed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['absence_id'], ['absences.id'], name=op.f('fk_absence_handovers_absence_id_absences'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_user_id'], ['users.id'], name=op.f('fk_absence_handovers_from_user_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_absence_handovers_lead_id_leads'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], name=op.f('fk_absence_handovers_to_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_handovers')),
    sa.UniqueConstraint('absence_id', 'lead_id', name=op.f('uq_absence_handovers_absence_id'))
    )
    with op.batch_alter_table('absence_handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_handovers_lead_id'), ['lead_id'], unique=False)


def downgrade():
    with op.batch_alter_table('absence_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_handovers_lead_id'))
    op.drop_table('absence_handovers')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_column('handed_back_at')
        batch_op.drop_column('hand_back')
    op.drop_table('queue_views')
