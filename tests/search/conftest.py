"""Fixtures of the search tests: one employer with a contact and a lead of an advisor's team, and a
second employer that looks alike, all recorded through the one intake."""
from __future__ import annotations

import pytest

from tests.helpers import touchpoint


@pytest.fixture
def bakery(record, factory):
    """Bakkerij Élégance (Schiedam, KvK 24123456): contact Marieke van den Berg with an e-mail address and a
    mobile number; its lead belongs to an advisor of team Noord."""
    noord = factory.team("Noord")
    owner = factory.user("advisor", name="Olga Eigenaar", team_id=noord)
    made = record(touchpoint("Bakkerij Élégance B.V.", kvk="24123456", municipality="Schiedam",
                             contact_name="Marieke van den Berg", email="marieke@bakkerij-elegance.nl",
                             phone="06-12345678"), owner_id=owner.id)
    return {"owner": owner, "team": noord, **made.__dict__}


@pytest.fixture
def other_bakery(record):
    """A second employer in another town whose name also holds "bakkerij"; its lead waits for routing."""
    made = record(touchpoint("Bakkerij De Korenschoof", kvk="30123456", municipality="Vlaardingen",
                             contact_name="Kees Korenschoof", email="kees@korenschoof.nl", phone="010-7654321"))
    return made.__dict__
