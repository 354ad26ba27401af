"""The JSON API under /api/v1: bearer tokens, one error shape, an OpenAPI document."""
from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.is_public = True  # tokens, not login sessions, guard the API (see auth.py)
csrf.exempt(bp)

from . import auth, placements, reports, routes  # noqa: E402,F401
