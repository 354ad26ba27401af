"""The `admin` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/beheer")
