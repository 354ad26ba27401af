"""Which leads an API token may read, and which roles may use the lead endpoints.

A token acts as a role and (optionally) a partner, but not as a person or a team, so the
user rules of `permissions.visible_leads_clause` cannot be applied as they are:

- `admin` and `campaign` tokens see every lead, as those users do;
- `advisor` and `teamlead` tokens are scoped to their partner: they see the leads owned by
  an advisor of that partner (a partner's own system reading its advisors' work). Waiting,
  unassigned leads are team work and stay invisible to them; without a partner they see none;
- `management` tokens may not use the lead endpoints at all (403): management reads
  aggregates, and a lead names its advisor.

A lead a token may not see answers 404, the same as a lead that does not exist. Creating a
lead is open to every role that works leads; the answer to a create (new, attached or
replayed) shows the lead it concerns, which DESIGN.md allows any advisor ("that the employer
has an open lead and with whom").
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from ...models import ApiToken, Lead, User
from ...permissions import ADMIN, ADVISOR, CAMPAIGN, TEAMLEAD

CREATE_LEADS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}
READ_LEADS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}


def token_leads_clause(token: ApiToken) -> ColumnElement[bool]:
    """A WHERE clause limiting leads to those this token may read (see the module docstring)."""
    if token.role in {ADMIN, CAMPAIGN}:
        return true()
    if token.role in {TEAMLEAD, ADVISOR} and token.partner_id is not None:
        return Lead.owner_id.in_(select(User.id).where(User.partner_id == token.partner_id))
    return false()
