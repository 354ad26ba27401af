"""The board page and a card's move (a form per card; drag and drop submits the same form)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...extensions import db
from ...models import STAGE_LABELS, Lead
from ...permissions import CARRY_LEADS, acting_user, can_log_work, roles_required
from ...services.errors import DomainError
from ...services.leads import board as board_service
from ...services.routing import queues
from .blueprint import bp


@bp.route("")
@roles_required(*CARRY_LEADS)
def show_board():
    user = acting_user()
    scopes = board_service.scopes(user)
    scope = request.args.get("van", board_service.MINE)
    if scope not in dict(scopes):
        scope = board_service.MINE
    return render_template("pipeline/board.html", columns=board_service.board(user, scope), scope=scope,
                           scopes=scopes, per_column=board_service.CARDS_PER_COLUMN)


@bp.route("/<int:lead_id>/verplaatsen", methods=["POST"])
@roles_required(*CARRY_LEADS)
def move_card(lead_id: int):
    user = acting_user()
    scope = request.form.get("van", board_service.MINE)
    shown = scope if scope != board_service.MINE and scope in dict(board_service.scopes(user)) else None
    back = url_for("pipeline.show_board", van=shown)
    if not queues.is_visible(user, lead_id):
        abort(404)
    lead = db.session.get(Lead, lead_id, with_for_update=True, populate_existing=True)
    if lead is None:
        abort(404)
    if not can_log_work(user, lead):
        abort(403)
    to_stage = request.form.get("to_stage", "")
    if not to_stage:
        flash(f"Kies waar lead {lead.id} ({lead.employer.name}) heen moet.", "error")
        return redirect(back)
    try:
        board_service.move(lead, to_stage, actor=user)
    except DomainError as exc:
        db.session.rollback()
        flash(f"Lead {lead_id} is niet verplaatst: {exc.message}", "error")
        return redirect(back)
    db.session.commit()
    flash(f"Lead {lead.id} ({lead.employer.name}) staat nu op {STAGE_LABELS[lead.stage]}.", "success")
    return redirect(back)
