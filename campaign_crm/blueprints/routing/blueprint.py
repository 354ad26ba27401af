"""The `routing` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("routing", __name__, url_prefix="/routering")
