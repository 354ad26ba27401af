"""The `campaigns` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campagne")
