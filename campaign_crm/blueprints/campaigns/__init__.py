"""Campaign team pages: campaigns, phases, channels, ad codes and events."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campagne")

from . import routes  # noqa: E402,F401
