"""The `api` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.is_public = True  # tokens, not login sessions, guard the API (see auth.py)
csrf.exempt(bp)
