"""The `feedback` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

# No url_prefix: the public form lives under /check-in/<token>, the consent page under /plaatsingen/<id>/….
bp = Blueprint("feedback", __name__)
