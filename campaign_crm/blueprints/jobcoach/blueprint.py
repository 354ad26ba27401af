"""The `jobcoach` blueprint object, which every view module of the package registers on."""
from flask import Blueprint

# No url_prefix: the management pages live under /jobcoaches, the public form under /signaal/<token>.
bp = Blueprint("jobcoach", __name__)
