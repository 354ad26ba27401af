"""The `pipeline` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("pipeline", __name__, url_prefix="/bord")
