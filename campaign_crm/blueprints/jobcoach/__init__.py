"""Jobcoach organisations and their risk signals: management pages, the signal list for advisors and
team leads, and the no-login signal form behind each organisation's secret link."""
from flask import Blueprint

# No url_prefix: the management pages live under /jobcoaches, the public form under /signaal/<token>.
bp = Blueprint("jobcoach", __name__)

from . import routes  # noqa: E402,F401
