"""Queries over the shared employer record."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..models import Employer
from . import normalise


def search(*, q: str = "", kvk: str = ""):
    """Employers matching a KvK number and/or a name fragment, ordered by name."""
    query = select(Employer).options(
        selectinload(Employer.sector), selectinload(Employer.municipality), selectinload(Employer.account_manager)
    ).order_by(Employer.name, Employer.id)
    if kvk:
        query = query.where(Employer.kvk == re.sub(r"[\s.]", "", kvk))
    if q.strip():
        query = query.where(Employer.name_key.contains(normalise.name_key(q)))
    return query
