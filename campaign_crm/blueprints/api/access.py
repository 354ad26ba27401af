"""Which roles may use the lead endpoints; which leads a token may read is decided in
`permissions.visible_leads_clause`, the one place for lead visibility.

- `management` tokens may not use the lead endpoints at all (403): management reads
  aggregates, and a lead names its advisor.

A lead a token may not see answers 404, the same as a lead that does not exist. Creating a
lead is open to every role that works leads; the answer to a create (new, attached or
replayed) shows the lead it concerns: any advisor may know that an employer has an open lead
and with whom (the rule of who sees what).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement

from ...models import ApiToken
from ...permissions import ADMIN, ADVISOR, CAMPAIGN, TEAMLEAD, visible_leads_clause

CREATE_LEADS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}
READ_LEADS = {ADMIN, CAMPAIGN, TEAMLEAD, ADVISOR}


def token_leads_clause(token: ApiToken) -> ColumnElement[bool]:
    """A WHERE clause limiting leads to those this token may read."""
    return visible_leads_clause(token)
