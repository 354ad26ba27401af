"""Mijn profiel (/account/profiel): the user's own details and which e-mail notices they get."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from ...extensions import db
from ...permissions import acting_user
from ...services.mail import notices
from .blueprint import bp
from .forms import notices_form


@bp.route("/profiel", methods=["GET", "POST"])
def profile():
    user = acting_user()
    form = notices_form(notices.NOTICE_KINDS, notices.preferences(user))
    if form.validate_on_submit():
        notices.set_preferences(user, form.chosen())
        db.session.commit()
        flash("Uw keuzes voor meldingen per e-mail zijn opgeslagen.", "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form, user=user)
