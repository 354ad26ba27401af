"""The `auth` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
