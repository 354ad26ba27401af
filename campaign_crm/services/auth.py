"""Passwords, login sessions kept on the server, and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, ApiToken, Partner, User, UserSession, utcnow
from . import audit
from .errors import ValidationError

SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, *, email: str = "", field: str = "password") -> None:
    """Refuse a password that is too short or trivially guessable."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        raise ValidationError(
            "Het wachtwoord is te kort.",
            {field: f"Kies een wachtwoord van minstens {min_length} tekens."},
        )
    if email and password.lower() == email.lower():
        raise ValidationError("Het wachtwoord is gelijk aan het e-mailadres.", {field: "Kies een ander wachtwoord."})


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Spend the same time as a real check so timing does not reveal who exists.
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


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


def user_for_session(raw: str | None) -> User | None:
    """The active user behind a session token, or None when it was ended or never existed."""
    if not raw:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(raw)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
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
