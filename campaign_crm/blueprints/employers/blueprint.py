"""The `employers` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/werkgevers")
