"""The `imports` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
