"""Public pages without login: the campaign form, ad-code short links, event registration."""
from flask import Blueprint

bp = Blueprint("public", __name__)
bp.is_public = True  # every page here is open to employers; each view guards itself (rate limits, honeypot)

from . import routes  # noqa: E402,F401
