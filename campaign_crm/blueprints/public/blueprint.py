"""The `public` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("public", __name__)
bp.is_public = True  # every page here is open to employers; each view guards itself (rate limits, honeypot)
