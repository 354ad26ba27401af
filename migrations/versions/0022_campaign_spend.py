"""campaign spend and ad-platform mappings

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Money spent per channel, phase and (optionally) ad code over a period, in whole cents.
    op.create_table('campaign_spend',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('ad_code_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=80), nullable=True),
    sa.Column('external_name', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_campaign_spend_amount_not_negative')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_campaign_spend_ends_on_or_after_start')),
    sa.ForeignKeyConstraint(['ad_code_id'], ['ad_codes.id'], name=op.f('fk_campaign_spend_ad_code_id_ad_codes')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_spend_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_campaign_spend_channel_id_channels')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaign_spend_created_by_id_users')),
    sa.ForeignKeyConstraint(['phase_id'], ['phases.id'], name=op.f('fk_campaign_spend_phase_id_phases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_spend')),
    sa.UniqueConstraint('source', 'external_id', 'starts_on', name='uq_campaign_spend_source_external_day')
    )
    with op.batch_alter_table('campaign_spend', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_spend_period', ['starts_on', 'ends_on'], unique=False)

    # Which ad code an ad platform's ad or campaign is booked on, chosen once per source and id.
    op.create_table('spend_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=80), nullable=False),
    sa.Column('external_name', sa.String(length=200), nullable=False),
    sa.Column('ad_code_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ad_code_id'], ['ad_codes.id'], name=op.f('fk_spend_mappings_ad_code_id_ad_codes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_spend_mappings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spend_mappings')),
    sa.UniqueConstraint('source', 'external_id', name='uq_spend_mappings_source_external_id')
    )


def downgrade():
    op.drop_table('spend_mappings')
    with op.batch_alter_table('campaign_spend', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_spend_period')
    op.drop_table('campaign_spend')
