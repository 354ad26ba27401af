"""The `reports` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/rapportages")
