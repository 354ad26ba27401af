"""Login, logout and password change; sessions live on the server (UserSession rows)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ...extensions import db, limiter, login_manager
from ...permissions import acting_user, public
from ...services import auth as auth_service
from ...services.errors import ValidationError
from . import bp
from .forms import LoginForm, PasswordForm

SESSION_KEY = "sid"

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    user = auth_service.user_for_session(session.get(SESSION_KEY))
    return user if user is not None and str(user.id) == user_id else None


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = auth_service.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Het e-mailadres of het wachtwoord klopt niet.", "error")
        else:
            raw = auth_service.start_session(
                user, ip_address=request.remote_addr or "", user_agent=request.user_agent.string
            )
            db.session.commit()
            session.clear()  # no fixation: a fresh session after login
            session[SESSION_KEY] = raw
            session.permanent = True
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    auth_service.end_session(session.get(SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            auth_service.change_password(
                acting_user(), form.current_password.data, form.new_password.data, keep_session=session.get(SESSION_KEY)
            )
        except ValidationError as exc:
            for name, message in exc.fields.items():
                getattr(form, name).errors.append(message)
            db.session.rollback()
        else:
            db.session.commit()
            flash("Uw wachtwoord is gewijzigd. Andere sessies zijn uitgelogd.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
