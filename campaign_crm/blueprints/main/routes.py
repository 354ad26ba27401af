"""Start page per role, health checks and accessibility statement."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, url_for

from ... import doctor
from ...extensions import limiter
from ...models import User
from ...permissions import ADMIN, CAMPAIGN, CARRY_LEADS, TEAMLEAD, WORK_LEADS, acting_user, public
from ...security import probe
from ...services.leads import activities, overview
from ...services.leads import queries as lead_queries
from ...services.routing import queues
from .blueprint import bp

# Probe answers are about this moment: never cached by a proxy.
PROBE_HEADERS = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Tile:
    """A number on the start page and the list it counts: the number is that list's own count."""

    label: str
    count: int
    url: str


def _tiles(user: User) -> list[Tile]:
    """The lists this user works from, each counted by the same query that shows it."""
    if user.role not in WORK_LEADS:
        return []
    no_filters = queues.QueueFilters()
    tiles = []
    if user.role in CARRY_LEADS:
        tiles.append(Tile("Mijn leads", queues.my_queue(user, no_filters).count(), url_for("leads.my_queue")))
    if user.role == TEAMLEAD and user.team_id is not None:
        tiles.append(Tile("Teamwachtrij", queues.team_queue(user.team_id, no_filters).count(),
                          url_for("leads.team_queue")))
    if user.role in (ADMIN, CAMPAIGN):
        tiles.append(Tile("Zonder team", queues.unrouted(no_filters).count(), url_for("leads.unrouted")))
    tiles.append(Tile("Mijn acties", lead_queries.listing(activities.next_actions_query(user), entities=True).count(),
                      url_for("leads.my_actions")))
    tiles.append(Tile("Eerste contact te laat", queues.overdue(user, no_filters).count(), url_for("leads.overdue")))
    return tiles


@bp.route("/")
def index():
    user = acting_user()
    return render_template("main/index.html", summary=overview.start_page_summary(user), tiles=_tiles(user))


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
