"""The start page after login and the public pages (health, accessibility statement)."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401
