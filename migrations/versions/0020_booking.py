"""bookable availability and employer bookings

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

SETTINGS = [
    ("booking_phone_minutes", 45, "Adviesgesprek boeken: duur telefonisch gesprek (minuten)"),
    ("booking_phone_buffer_minutes", 15, "Adviesgesprek boeken: pauze na een telefonisch gesprek (minuten)"),
    ("booking_video_minutes", 45, "Adviesgesprek boeken: duur videogesprek (minuten)"),
    ("booking_video_buffer_minutes", 15, "Adviesgesprek boeken: pauze na een videogesprek (minuten)"),
    ("booking_visit_minutes", 60, "Adviesgesprek boeken: duur gesprek op het bedrijf (minuten)"),
    ("booking_visit_buffer_minutes", 30, "Adviesgesprek boeken: reistijd na een gesprek op het bedrijf (minuten)"),
    ("booking_notice_working_days", 1, "Adviesgesprek boeken: eerst te boeken op de zoveelste werkdag na vandaag"),
    ("booking_weeks_ahead", 3, "Adviesgesprek boeken: zoveel weken vooruit te boeken"),
    ("booking_video_link", "https://werkcentrumrijnmond.nl/videogesprek",
     "Adviesgesprek boeken: link voor videogesprekken"),
    ("werkcentrum_contact", "Werkcentrum Rijnmond, telefoon 010 123 45 67, werkgevers@werkcentrumrijnmond.nl",
     "Contactgegevens van het Werkcentrum (in bevestigingen aan werkgevers)"),
]


def upgrade():
    # Recurring weekly hours an advisor can be booked.
    op.create_table('availability_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_availability_hours_ends_after_start')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_availability_hours_weekday_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_availability_hours_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_hours'))
    )
    with op.batch_alter_table('availability_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_hours_user_id'), ['user_id'], unique=False)

    # A date that differs from the week: blocked, or extra hours.
    op.create_table('availability_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.CheckConstraint("kind = 'blocked' OR (starts_at IS NOT NULL AND ends_at > starts_at)",
                       name=op.f('ck_availability_exceptions_extra_has_hours')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_availability_exceptions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_exceptions'))
    )
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.create_index('ix_availability_exceptions_user_id_day', ['user_id', 'day'], unique=False)

    # The employer's step after the form: only the hash of its secret.
    op.create_table('booking_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('callback_part', sa.String(length=10), nullable=True),
    sa.Column('callback_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_booking_offers_contact_id_contacts'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_booking_offers_lead_id_leads'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_offers')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_booking_offers_token_hash'))
    )
    with op.batch_alter_table('booking_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_offers_lead_id'), ['lead_id'], unique=False)

    # A booked adviesgesprek: its meeting, reference and the hash of its move-or-cancel link.
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_bookings_advisor_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_bookings_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['booking_offers.id'], name=op.f('fk_bookings_offer_id_booking_offers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('manage_token_hash', name=op.f('uq_bookings_manage_token_hash')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_bookings_meeting_id')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_bookings_offer_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_bookings_reference'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_advisor_id'), ['advisor_id'], unique=False)

    # Quarters of an hour an advisor is booked: one row per advisor and start, so a double booking cannot be stored.
    op.create_table('booking_slot_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_booking_slot_claims_advisor_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_slot_claims_booking_id_bookings'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_slot_claims')),
    sa.UniqueConstraint('advisor_id', 'starts_at', name=op.f('uq_booking_slot_claims_advisor_id'))
    )
    with op.batch_alter_table('booking_slot_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_slot_claims_booking_id'), ['booking_id'], unique=False)

    settings = sa.Table("settings", sa.MetaData(), sa.Column("key", sa.String), sa.Column("value", sa.JSON),
                        sa.Column("label", sa.String))
    op.bulk_insert(settings, [{"key": k, "value": v, "label": label} for k, v, label in SETTINGS])


def downgrade():
    keys = ", ".join(f"'{key}'" for key, _, _ in SETTINGS)
    op.execute(sa.text(f"DELETE FROM settings WHERE key IN ({keys})"))
    with op.batch_alter_table('booking_slot_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_slot_claims_booking_id'))
    op.drop_table('booking_slot_claims')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_advisor_id'))
    op.drop_table('bookings')
    with op.batch_alter_table('booking_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_offers_lead_id'))
    op.drop_table('booking_offers')
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_availability_exceptions_user_id_day')
    op.drop_table('availability_exceptions')
    with op.batch_alter_table('availability_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_hours_user_id'))
    op.drop_table('availability_hours')
