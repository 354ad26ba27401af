"""The `meetings` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

bp = Blueprint("meetings", __name__)
