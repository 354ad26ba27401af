"""Start page per role, health checks and accessibility statement."""
from __future__ import annotations

from flask import current_app, render_template

from ... import doctor
from ...extensions import limiter
from ...permissions import acting_user, public
from ...security import probe
from ...services.leads import overview
from .blueprint import bp

# Probe answers are about this moment: never cached by a proxy.
PROBE_HEADERS = {"Cache-Control": "no-store"}


@bp.route("/")
def index():
    return render_template("main/index.html", summary=overview.start_page_summary(acting_user()))


@bp.route("/health")
@public
def health():
    """The database answers (503 page when it does not); kept for monitors that already use it."""
    overview.check_database()
    return {"status": "ok"}


@bp.route("/healthz")
@limiter.exempt
@public
@probe
def healthz():
    """Liveness: the process answers. Touches no database, no session and no user."""
    return {"status": "ok"}, 200, PROBE_HEADERS


@bp.route("/readyz")
@limiter.exempt
@public
@probe
def readyz():
    """Readiness: the database answers SELECT 1 and the task queue (Redis) PING; 503 with a reason per failed
    check otherwise."""
    checks = doctor.readiness(current_app.config)
    if all(result == "ok" for result in checks.values()):
        return {"status": "ready", "checks": checks}, 200, PROBE_HEADERS
    return {"status": "not_ready", "checks": checks}, 503, {**PROBE_HEADERS, "Retry-After": "30"}


@bp.route("/toegankelijkheid")
@public
def accessibility():
    return render_template("main/accessibility.html")
