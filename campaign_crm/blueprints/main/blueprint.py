"""The `main` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("main", __name__)
