"""Placements: register from a lead, the placement page, check-ins, risk cases, interventions, ending."""
from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/plaatsingen")

from . import routes  # noqa: E402,F401
