"""The `search` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/zoeken")
