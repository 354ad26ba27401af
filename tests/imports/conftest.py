"""Fixtures of the import tests (the sample files and the import helpers are in tests/helpers.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def service(campaign, ctx):
    """An app context with the active campaign `aknp` (phases launch, livestream, techniek, zorg)."""
    return campaign
