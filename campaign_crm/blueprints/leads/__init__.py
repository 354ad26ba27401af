"""Lead work: queues (mine, team, overdue), the lead page, quick actions, workload and equity."""
from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")

from . import routes  # noqa: E402,F401
