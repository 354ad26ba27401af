"""external ids per source: an external_id is unique within the source that sent it

Touchpoints and leads get `external_source`, and the unique key on `external_id` becomes one on
(external_source, external_id): partner B's "42" is no longer partner A's "42".

Sources (services.capture.intake.token_source and the import presets):
- an API token with a partner: `partner:<partner id>` (all of that partner's tokens, so a new
  token replays the old one's ids);
- an admin or campaign token without a partner: `region`, the region's own systems (they see
  every lead anyway); any other token without a partner: `token:<token id>`;
- an import: the platform its key starts with (`meta`, `linkedin`, `zoom`, `teams`, `generic`),
  for lead-form rows and event registrations alike.

Existing rows:
- a touchpoint with a key `<platform>:…` that did not come through the API gets that platform;
- an API touchpoint: the sending token was never stored. When every lead-creating token ever made
  (revoked ones included) has one and the same source, that source is certain and used; otherwise
  `api`, a source no token has: a replay of such an id after the upgrade is then recorded as a new
  touchpoint (attached to the employer's open lead by the employer rule), never as someone's lead;
- any other id: `legacy`;
- a lead: the source of the touchpoint carrying its external_id (ids were unique until now), else
  `legacy`.

The downgrade restores the single-column keys; it fails once two sources share an id.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 06:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

UNKNOWN_API_SOURCE = 'api'
LEGACY_SOURCE = 'legacy'
LEAD_CREATING_ROLES = ('admin', 'campaign', 'teamlead', 'advisor')


def upgrade():
    for table in ('touchpoints', 'leads'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('external_source', sa.String(length=40), nullable=True))

    _fill_sources()

    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_constraint('uq_touchpoints_external_id', type_='unique')
        batch_op.create_unique_constraint('uq_touchpoints_external_source_external_id',
                                          ['external_source', 'external_id'])
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_constraint('uq_leads_external_id', type_='unique')
        batch_op.create_unique_constraint('uq_leads_external_source_external_id', ['external_source', 'external_id'])


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_constraint('uq_leads_external_source_external_id', type_='unique')
        batch_op.create_unique_constraint('uq_leads_external_id', ['external_id'])
        batch_op.drop_column('external_source')
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_constraint('uq_touchpoints_external_source_external_id', type_='unique')
        batch_op.create_unique_constraint('uq_touchpoints_external_id', ['external_id'])
        batch_op.drop_column('external_source')


def _fill_sources():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        platform = "split_part(external_id, ':', 1)"
    else:
        platform = "substr(external_id, 1, instr(external_id, ':') - 1)"
    op.execute(f"UPDATE touchpoints SET external_source = {platform} "
               "WHERE external_id IS NOT NULL AND kind <> 'api' AND external_id LIKE '_%:%'")
    op.execute(sa.text("UPDATE touchpoints SET external_source = :source "
                       "WHERE external_id IS NOT NULL AND kind = 'api'")
               .bindparams(source=_api_source(bind)))
    op.execute(sa.text("UPDATE touchpoints SET external_source = :source "
                       "WHERE external_id IS NOT NULL AND external_source IS NULL")
               .bindparams(source=LEGACY_SOURCE))
    op.execute("UPDATE leads SET external_source = (SELECT t.external_source FROM touchpoints t "
               "WHERE t.external_id = leads.external_id) WHERE external_id IS NOT NULL")
    op.execute(sa.text("UPDATE leads SET external_source = :source "
                       "WHERE external_id IS NOT NULL AND external_source IS NULL")
               .bindparams(source=LEGACY_SOURCE))


def _api_source(bind) -> str:
    """The one source every lead-creating token has (as services.capture.intake.token_source names it), if there is one."""
    tokens = bind.execute(sa.text("SELECT id, role, partner_id FROM api_tokens WHERE role IN :roles")
                          .bindparams(sa.bindparam('roles', expanding=True)),
                          {'roles': list(LEAD_CREATING_ROLES)}).all()
    sources = {f'partner:{partner_id}' if partner_id is not None
               else 'region' if role in ('admin', 'campaign') else f'token:{token_id}'
               for token_id, role, partner_id in tokens}
    return sources.pop() if len(sources) == 1 else UNKNOWN_API_SOURCE
