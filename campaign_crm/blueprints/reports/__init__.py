"""Management reports: the dashboard, the funnel, LKS jobs and retention pages, and their exports."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/rapportages")

from . import routes  # noqa: F401
