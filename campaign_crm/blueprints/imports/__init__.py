"""Importing lead files: upload, preview, apply, error file."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")

from . import routes  # noqa: F401
