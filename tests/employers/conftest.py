"""Fixtures of the employer tests (touchpoints are recorded with the `record` fixture of tests/conftest.py
and built with `tests.helpers.touchpoint`)."""
from __future__ import annotations

import pytest


@pytest.fixture
def in_app(app):
    """Run a function inside an application context and return its result (for checks after requests)."""

    def _run(fn):
        with app.app_context():
            return fn()

    return _run
