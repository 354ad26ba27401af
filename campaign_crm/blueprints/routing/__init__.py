"""Routing rules, managed by admins and the campaign team."""
from flask import Blueprint

bp = Blueprint("routing", __name__, url_prefix="/routering")

from . import routes  # noqa: E402,F401
