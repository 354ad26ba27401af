"""Employers and contacts: the shared regional record, duplicates and merging."""
from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/werkgevers")

from . import routes  # noqa: E402,F401
