"""The `placements` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/plaatsingen")
