"""Start page per role, health check and accessibility statement."""
from __future__ import annotations

from flask import render_template

from ...permissions import acting_user, public
from ...services.leads import overview
from .blueprint import bp


@bp.route("/")
def index():
    return render_template("main/index.html", summary=overview.start_page_summary(acting_user()))


@bp.route("/health")
@public
def health():
    overview.check_database()
    return {"status": "ok"}


@bp.route("/toegankelijkheid")
@public
def accessibility():
    return render_template("main/accessibility.html")
