"""Helpers for the import tests: the sample files, a service-level import, and table counts."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import (
    Contact,
    Employer,
    Event,
    EventRegistration,
    ImportBatch,
    Lead,
    Touchpoint,
)
from campaign_crm.services import imports

FIXTURES = Path(__file__).parent / "fixtures"

# The four files of ../shared/samples (copied unchanged) and the preset each is read with.
SAMPLES = {
    "meta_lead_ads.tsv": "meta-lead-ads",
    "linkedin_lead_gen.csv": "linkedin-lead-gen",
    "employers_excel_nl.csv": "generic",
    "zoom_webinar_attendees.csv": "zoom-attendees",
}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def import_file(name: str, preset: str | None = None, *, data: bytes | None = None, dry_run: bool = False,
                **options) -> imports.ImportReport:
    """Import a fixture through the runner, as the CLI does, and commit (the boundary)."""
    chosen = imports.ImportOptions(preset=preset or SAMPLES[name], **options)
    parsed = imports.parse(data if data is not None else fixture_bytes(name), name, chosen)
    report = imports.ImportRun(parsed, chosen, actor=None, batch_id=None, dry_run=dry_run).run()
    db.session.commit()
    return report


def counts() -> dict[str, int]:
    """Rows per table that an import can write."""
    models = {"employers": Employer, "contacts": Contact, "leads": Lead, "touchpoints": Touchpoint,
              "registrations": EventRegistration, "events": Event, "batches": ImportBatch}
    return {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}


def nothing_stored() -> dict[str, int]:
    return {"employers": 0, "contacts": 0, "leads": 0, "touchpoints": 0, "registrations": 0, "events": 0, "batches": 0}


@pytest.fixture
def service(campaign, ctx):
    """An app context with the active campaign `aknp` (phases launch, livestream, techniek, zorg)."""
    return campaign
