"""Login, logout and password change; sessions live on the server (UserSession rows)."""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from ...extensions import db, limiter, login_manager
from ...models import User
from ...permissions import acting_user, public
from ...services.accounts import auth as auth_service
from ...services.accounts import two_factor
from ...services.errors import ValidationError
from .blueprint import bp
from .forms import (
    AccountSetupForm,
    CodeForm,
    LoginForm,
    PasswordConfirmForm,
    PasswordForm,
)

SESSION_KEY = "sid"
PENDING_KEY = "pending_two_factor"
PENDING_SECONDS = 300
# The TOTP secret being enrolled lives in the signed session cookie, not in the database, until a
# code confirms it: showing the set-up page (a GET) changes nothing.
ENROL_KEY = "enrol_totp_secret"
# Pages that carry a secret (a QR code, a set-up link): never cached, never sent as referrer.
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    config = current_app.config
    user = auth_service.user_for_session(session.get(SESSION_KEY),
                                         idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                         lifetime=timedelta(hours=config["SESSION_MAX_HOURS"]))
    if db.session.dirty or db.session.deleted:
        # The session row was touched or has expired: its own small transaction, before the view runs.
        db.session.commit()
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


def _finish_login(user):
    """Open the server-side session and log the browser in."""
    raw = auth_service.start_session(user, ip_address=request.remote_addr or "", user_agent=request.user_agent.string)
    db.session.commit()
    session.clear()  # no fixation: a fresh session after login
    session[SESSION_KEY] = raw
    session.permanent = True
    login_user(user)
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


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
            db.session.commit()  # the audit entry of the failed or refused attempt
            flash("Het e-mailadres of het wachtwoord klopt niet.", "error")
        elif user.has_two_factor:
            session.clear()
            session[PENDING_KEY] = {"user_id": user.id, "at": int(time.time())}
            return redirect(url_for("auth.login_code", next=safe_next(request.args.get("next"))))
        else:
            return _finish_login(user)
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    """Second step: the code from the authenticator app, within a few minutes of the password."""
    pending = session.get(PENDING_KEY) or {}
    user = db.session.get(User, pending.get("user_id", 0)) if pending else None
    if user is None or not user.active or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        flash("Log opnieuw in met uw e-mailadres en wachtwoord.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if auth_service.check_second_step(user, form.code.data):
            return _finish_login(user)
        db.session.commit()  # the audit entry of the failed or refused code
        form.code.errors.append("Deze code klopt niet of is al gebruikt. Probeer de volgende code.")
    return render_template("auth/two_factor_code.html", form=form)


def _enrolment_secret(*, fresh: bool) -> str:
    """The secret being enrolled in this browser; a GET starts over with a new one."""
    if fresh or not session.get(ENROL_KEY):
        session[ENROL_KEY] = two_factor.new_secret()
    return session[ENROL_KEY]


@bp.route("/account/tweestaps", methods=["GET", "POST"])
def two_factor_setup():
    """Switch on two-factor login: scan the QR code, then confirm with a code."""
    user = acting_user()
    form = CodeForm()
    if user.has_two_factor:
        return render_template("auth/two_factor_setup.html", form=None, user=user, off_form=PasswordConfirmForm())
    secret = _enrolment_secret(fresh=request.method == "GET")
    if form.validate_on_submit():
        try:
            two_factor.confirm_enrolment(user, form.code.data, secret=secret)
        except ValidationError as exc:
            db.session.rollback()
            form.code.errors.append(exc.fields["code"])
        else:
            db.session.commit()
            session.pop(ENROL_KEY, None)
            flash("Inloggen in twee stappen staat aan.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/two_factor_setup.html", form=form, user=user,
                           qr=two_factor.qr_svg_data_uri(user, secret), secret=secret), 200, SECRET_HEADERS


@bp.route("/account/instellen/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def account_setup(token: str):
    """A new account's one-time link: choose a password and switch on two-factor login."""
    user = auth_service.user_for_setup_token(token)
    if user is None:
        return render_template("auth/setup_link_invalid.html"), 404, SECRET_HEADERS
    form = AccountSetupForm()
    secret = _enrolment_secret(fresh=request.method == "GET")
    if form.validate_on_submit():
        try:
            auth_service.complete_setup(user, password=form.password.data, totp_secret=secret, code=form.code.data)
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            session.pop(ENROL_KEY, None)
            flash("Uw account is ingesteld. Log in met uw e-mailadres, wachtwoord en een code uit de app.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/account_setup.html", form=form, user=user,
                           qr=two_factor.qr_svg_data_uri(user, secret), secret=secret), 200, SECRET_HEADERS


@bp.route("/account/tweestaps/uit", methods=["POST"])
def two_factor_off():
    user = acting_user()
    form = PasswordConfirmForm()
    if current_app.config["REQUIRE_TWO_FACTOR"]:
        flash("Inloggen in twee stappen is verplicht en kan niet uit.", "error")
    elif form.validate_on_submit() and auth_service.check_password(user, form.password.data):
        two_factor.switch_off(user, actor=user)
        db.session.commit()
        flash("Inloggen in twee stappen staat uit.", "success")
    else:
        flash("Het wachtwoord klopt niet; inloggen in twee stappen staat nog aan.", "error")
    return redirect(url_for("auth.two_factor_setup"))


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
