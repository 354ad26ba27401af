"""meetings and calendar feeds

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 14:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A meeting with an employer on a lead; `uid` and `sequence` are what calendars know it by.
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place_kind', sa.String(length=10), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meetings_ends_after_start')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_meetings_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_meetings_organiser_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_meetings_organiser_id_starts_at', ['organiser_id', 'starts_at'], unique=False)

    # Who attends besides the organiser: a contact person or a colleague, never a copy of their name or address.
    op.create_table('meeting_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(contact_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_meeting_attendees_contact_or_user')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_meeting_attendees_contact_id_contacts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_attendees_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees')),
    sa.UniqueConstraint('contact_id', 'meeting_id', name=op.f('uq_meeting_attendees_contact_id')),
    sa.UniqueConstraint('user_id', 'meeting_id', name=op.f('uq_meeting_attendees_user_id'))
    )
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendees_meeting_id'), ['meeting_id'], unique=False)

    # A user's calendar subscription link: the SHA-256 of its secret only.
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )


def downgrade():
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_meeting_id'))
    op.drop_table('meeting_attendees')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_organiser_id_starts_at')
        batch_op.drop_index(batch_op.f('ix_meetings_lead_id'))
    op.drop_table('meetings')
