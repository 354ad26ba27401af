"""An import's keys are unique within its platform: an equal external_id from the API is another
source's and neither side takes the other's lead."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Employer, Lead, Touchpoint
from campaign_crm.services.capture.intake import (
    REGION_SOURCE,
    ContactInput,
    EmployerInput,
    TouchpointInput,
    record_touchpoint,
)
from tests.helpers import IMPORT_TABLES, counts, import_file, nothing_stored

pytestmark = pytest.mark.usefixtures("service")

META_KEY = "meta:1200000000000001"  # the key of the first row of meta_lead_ads.tsv


def api_touchpoint(external_id: str) -> TouchpointInput:
    return TouchpointInput(employer=EmployerInput(name="Garage Rijnmond"),
                           contact=ContactInput(email="info@garage-rijnmond.example"),
                           external_id=external_id, external_source=REGION_SOURCE)


def lead_of(employer_name: str) -> Lead:
    return db.session.scalar(select(Lead).join(Employer).where(Employer.name == employer_name))


def test_an_import_key_equal_to_an_api_external_id_makes_its_own_lead():
    garage = record_touchpoint(api_touchpoint(META_KEY))
    db.session.commit()

    report = import_file("meta_lead_ads.tsv")

    assert report.as_json() == {"rows": 3, "created_leads": 3, "attached": 0, "unchanged": 0, "errors": []}
    assert lead_of("Installatiebedrijf Van der Berg B.V.").id != garage.lead_id
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 4, "contacts": 4, "leads": 4, "touchpoints": 4}
    assert sorted(db.session.execute(select(Touchpoint.external_source).where(Touchpoint.external_id == META_KEY))
                  .scalars()) == ["meta", REGION_SOURCE]


def test_an_api_external_id_equal_to_an_import_key_is_not_answered_with_the_imported_lead():
    import_file("meta_lead_ads.tsv")

    garage = record_touchpoint(api_touchpoint(META_KEY))

    assert garage.created and not garage.unchanged
    assert garage.lead.employer.name == "Garage Rijnmond"
    assert import_file("meta_lead_ads.tsv").as_json()["unchanged"] == 3  # the import's own replay still is one
