"""Administration: users, partners, teams and the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/beheer")

from . import routes  # noqa: E402,F401
