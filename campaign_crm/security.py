"""Request-wide safeguards: the audit origin, HSTS and no-store headers, audited refusals, secrets kept out of
access logs."""
from __future__ import annotations

import logging
import re

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .services import audit

# URL paths whose last segment is a secret (a jobcoach organisation's signal link, a set-up link).
SECRET_PATH = re.compile(r"(/(?:signaal|account/instellen)/)[^/\s?#\"]+")
MASK = r"\1***"


def mask_secrets(text: str) -> str:
    """`text` with the secret segment of every secret link replaced by ***."""
    return SECRET_PATH.sub(MASK, text)


class SecretPathFilter(logging.Filter):
    """Masks secret link segments in log records (werkzeug's access log writes the request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(a) if isinstance(a, str) else a for a in record.args)
        return True


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency, but not on every developer machine
    _GunicornLogger = object  # type: ignore[assignment,misc]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn logger class that masks secret link segments in the access log (`--logger-class`)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the request line, the path, the referrer header and the environ copies of them.
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}


def init_security(app: Flask) -> None:
    """Register the hooks; the werkzeug filter guards the development server's access log."""
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, SecretPathFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(SecretPathFilter())

    @app.before_request
    def stamp_audit_origin():
        audit.set_origin(request.remote_addr)

    @app.after_request
    def transport_and_cache_headers(response):
        if app.config["ENV_NAME"] == "production" and app.config["HSTS_MAX_AGE"] > 0:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains")
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            # A page behind the login holds personal data: no copy in the browser's or a proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.after_request
    def audit_refused_access(response):
        if response.status_code == 403 or (response.status_code == 404 and request.url_rule is not None):
            _record_refusal(response.status_code)
        return response


def _record_refusal(status: int) -> None:
    """Log a logged-in user's refused access (403, or a 404 on a real route: another partner's record)."""
    if not (current_user and current_user.is_authenticated):
        return
    user = current_user._get_current_object()
    try:
        db.session.rollback()
        if audit.refusal_worth_recording("access", str(user.id), request.path):
            audit.record_about(user, "access_refused", "users", user.id, outcome=audit.REFUSED,
                               path=mask_secrets(request.path)[:200], method=request.method, status=status)
            db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not record a refused access")
