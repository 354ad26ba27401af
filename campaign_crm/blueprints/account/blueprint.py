"""The `account` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")
