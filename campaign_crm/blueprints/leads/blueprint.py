"""The `leads` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")
