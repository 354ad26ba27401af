"""Passwords, login sessions kept on the server, and API tokens."""
from __future__ import annotations

import gzip
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse as parse_limit
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db, limiter
from ...models import ROLES, ApiToken, Partner, User, UserSession, utcnow
from .. import audit
from ..errors import ValidationError
from . import two_factor

# last_seen_at is written at most this often, not on every request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt.gz"
SETUP_SALT = "account-setup"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case (see campaign_crm/data/README.md)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def check_password_rules(password: str, *, email: str = "", field: str = "password") -> None:
    """Refuse a password that is too short, trivially guessable, or (in production) the demo password."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        raise ValidationError(
            "Het wachtwoord is te kort.",
            {field: f"Kies een wachtwoord van minstens {min_length} tekens."},
        )
    if email and password.lower() == email.lower():
        raise ValidationError("Het wachtwoord is gelijk aan het e-mailadres.", {field: "Kies een ander wachtwoord."})
    if password.lower() in common_passwords():
        raise ValidationError("Het wachtwoord is te algemeen.",
                              {field: "Dit wachtwoord staat in de lijst van veelgebruikte wachtwoorden; "
                                      "kies een ander."})
    if current_app.config["ENV_NAME"] == "production" and password == current_app.config["DEMO_PASSWORD"]:
        raise ValidationError("Het demowachtwoord mag in productie niet.",
                              {field: "Dit is het demowachtwoord; kies een eigen wachtwoord."})


def _account_key(email: str) -> str:
    return _digest(email.strip().lower())


def account_login_allowed(email: str) -> bool:
    """False once this e-mail address had too many failed logins in the window, from whatever address.

    The counter lives in the rate-limit store (RATELIMIT_STORAGE_URI), so several processes share it.
    """
    item = parse_limit(current_app.config["LOGIN_ACCOUNT_LIMIT"])
    return limiter.limiter.test(item, "login-account", _account_key(email))


def count_failed_login(email: str) -> None:
    """Count one failed login against this e-mail address (known or not, so nothing is revealed)."""
    limiter.limiter.hit(parse_limit(current_app.config["LOGIN_ACCOUNT_LIMIT"]), "login-account", _account_key(email))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def spend_password_check_time(password: str) -> None:
    """Cost as much as a real password check, so timing does not tell a refused login from a wrong one."""
    check_password_hash(_dummy_hash(), password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same answer and cost either way).

    After LOGIN_ACCOUNT_LIMIT failures for one e-mail address the password is not even checked, so
    spreading guesses over many addresses does not help; failures and refusals are audited (never
    what was typed: a password typed into the e-mail field must not end up in the log).
    """
    user = user_by_email(email)
    if not account_login_allowed(email):
        spend_password_check_time(password)
        if audit.refusal_worth_recording("login", _account_key(email)):
            audit.record_about(None, "login_refused", "users", user.id if user else None, outcome=audit.REFUSED)
        return None
    if user is None:
        spend_password_check_time(password)
    elif check_password_hash(user.password_hash, password) and user.active:
        return user
    count_failed_login(email)
    audit.record_about(None, "login_failed", "users", user.id if user else None, outcome=audit.FAILED)
    return None


def check_second_step(user: User, code: str) -> bool:
    """The code from the authenticator app, counted against the same per-account limit as passwords."""
    if not account_login_allowed(user.email):
        if audit.refusal_worth_recording("login", _account_key(user.email)):
            audit.record_about(None, "login_refused", "users", user.id, outcome=audit.REFUSED, step="code")
        return False
    if two_factor.check_code(user, code):
        return True
    count_failed_login(user.email)
    audit.record_about(None, "login_failed", "users", user.id, outcome=audit.FAILED, step="code")
    return False


_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASH[method]


def start_session(user: User, *, ip_address: str = "", user_agent: str = "") -> str:
    """Open a server-side session for `user`; returns the raw token for the cookie."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_digest(raw),
            ip_address=(ip_address or "")[:45],
            user_agent=(user_agent or "")[:200],
        )
    )
    user.last_login_at = utcnow()
    audit.record(user, "login", user)
    return raw


# Every logged-in request asks this: the user comes with the session row, in a statement built once.
_SESSION_WITH_USER = (select(UserSession).where(UserSession.token_hash == bindparam("token_hash"))
                      .options(joinedload(UserSession.user)))


def user_for_session(raw: str | None, *, idle: timedelta, lifetime: timedelta,
                     now: datetime | None = None) -> User | None:
    """The active user behind a session token, or None when it was ended, idle too long or too old.

    An expired session row is deleted. last_seen_at is written at most once a SESSION_TOUCH_INTERVAL.
    """
    if not raw:
        return None
    row = db.session.scalar(_SESSION_WITH_USER, {"token_hash": _digest(raw)})
    if row is None or not row.user.active:
        return None
    now = now or utcnow()
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        db.session.delete(row)
        return None
    if now - row.last_seen_at > SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
    return row.user


def end_session(raw: str | None) -> None:
    """Log this session out on the server."""
    if raw:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(raw)))


def end_all_sessions(user: User, *, except_raw: str | None = None) -> int:
    """Log `user` out everywhere (optionally keeping one session); returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if except_raw:
        stmt = stmt.where(UserSession.token_hash != _digest(except_raw))
    return db.session.execute(stmt).rowcount or 0


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def change_password(user: User, current: str, new: str, *, keep_session: str | None = None) -> None:
    """Change the password after checking the current one; other sessions are ended."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("Het huidige wachtwoord klopt niet.", {"current_password": "Dit wachtwoord klopt niet."})
    check_password_rules(new, email=user.email, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user, except_raw=keep_session)
    audit.record(user, "password_changed", user)


def unusable_password_hash() -> str:
    """A hash no password matches: for an account that sets its own password through a set-up link."""
    return hash_password(secrets.token_urlsafe(32))


def _setup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SETUP_SALT)


def setup_token(user: User) -> str:
    """A signed set-up token for `user`, bound to the current password hash: it works once."""
    return _setup_serializer().dumps({"u": user.id, "p": _digest(user.password_hash)[:16]})


def issue_setup_link(user: User, *, actor: User | None) -> str:
    """A set-up token for a new account (the caller makes the link); audited, without the token."""
    audit.record(actor, "setup_link_created", user)
    return setup_token(user)


def user_for_setup_token(token: str) -> User | None:
    """The user a set-up token is for, or None when it is forged, expired or already used."""
    max_age = current_app.config["SETUP_LINK_HOURS"] * 3600
    try:
        data = _setup_serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u", 0)) if isinstance(data, dict) else None
    if (user is None or not user.active
            or not secrets.compare_digest(_digest(user.password_hash)[:16], data.get("p", ""))):
        return None
    return user


def complete_setup(user: User, *, password: str, totp_secret: str, code: str) -> None:
    """Set the first password and switch on two-factor login in one step; the set-up link is then spent."""
    errors: dict[str, str] = {}
    try:
        check_password_rules(password, email=user.email)
    except ValidationError as exc:
        errors.update(exc.fields)
    try:
        two_factor.confirm_enrolment(user, code, secret=totp_secret)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError("Het account is nog niet ingesteld: " + " ".join(errors.values()), errors)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    audit.record(user, "account_set_up", user)


def create_api_token(name: str, role: str, partner: Partner | None) -> tuple[ApiToken, str]:
    """Make a token acting as `role` (and `partner`); the raw value is returned only now."""
    name = name.strip()
    if not name:
        raise ValidationError("Geef het token een naam.", {"name": "Verplicht."})
    if role not in ROLES:
        raise ValidationError(f"Onbekende rol {role!r}.", {"role": f"Kies uit: {', '.join(ROLES)}."})
    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise ValidationError(f"Er is al een token met de naam {name!r}.", {"name": "Bestaat al."})
    raw = "crm_" + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, partner=partner, token_hash=_digest(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(None, "api_token_created", token, name=name, role=role)
    return token, raw


def token_for_bearer(raw: str) -> ApiToken | None:
    """The live API token for a raw bearer value, or None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    return token
