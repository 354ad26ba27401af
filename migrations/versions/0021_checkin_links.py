"""check-in questions by link for employers, jobcoaches and employees

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

SETTINGS = [
    ("checkin_link_days", 30, "Geldigheid van een link naar de check-invragen (dagen)"),
    ("checkin_link_reminder_days", 3, "Herinnering bij een onbeantwoorde check-inlink na (werkdagen)"),
]


def upgrade():
    # One person's secret link to the questions of one check-in (only the SHA-256 of its tokens), and the answer.
    op.create_table('checkin_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('reminder_token_hash', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('risk', sa.String(length=10), nullable=True),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('wants_contact', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_checkin_links_checkin_id_checkins'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_checkin_links_contact_id_contacts'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_links')),
    sa.UniqueConstraint('checkin_id', 'role', name=op.f('uq_checkin_links_checkin_id')),
    sa.UniqueConstraint('reminder_token_hash', name=op.f('uq_checkin_links_reminder_token_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_checkin_links_token_hash'))
    )
    with op.batch_alter_table('checkin_links', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_links_open', ['answered_at', 'reminded_at', 'sent_at'], unique=False)

    # The employee's consent to get the questions themselves, with the one address it needs.
    op.create_table('employee_voices',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_text_version', sa.String(length=40), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'],
                            name=op.f('fk_employee_voices_placement_id_placements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_employee_voices_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('placement_id', name=op.f('pk_employee_voices'))
    )

    settings = sa.Table("settings", sa.MetaData(), sa.Column("key", sa.String), sa.Column("value", sa.JSON),
                        sa.Column("label", sa.String))
    op.bulk_insert(settings, [{"key": k, "value": v, "label": label} for k, v, label in SETTINGS])


def downgrade():
    op.execute(sa.text("DELETE FROM settings WHERE key IN ('checkin_link_days', 'checkin_link_reminder_days')"))
    op.drop_table('employee_voices')
    with op.batch_alter_table('checkin_links', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_links_open')
    op.drop_table('checkin_links')
