"""Request-wide safeguards: the audit origin, HSTS and no-store headers, audited refusals, secrets kept out of
access logs (with the request id and the log format of campaign_crm.observability in gunicorn's logs too), and
the health probes kept out of the session machinery."""
from __future__ import annotations

import logging
import re

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .config import ConfigError, log_format
from .extensions import db
from .observability import REQUEST_ID_HEADER, bind_request_id, use_format
from .services import audit

# URL paths whose last segment is a secret (a jobcoach organisation's signal link, a set-up link, a calendar feed,
# a check-in's question link).
SECRET_PATH = re.compile(r"(/(?:signaal|account/instellen|agenda|check-in)/)[^/\s?#\"]+")
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
    """gunicorn logger class (`logger_class` in gunicorn.conf.py, or `--logger-class`): masks secret link segments
    in the access log, and writes gunicorn's error and access lines in LOG_FORMAT with the request id."""

    def setup(self, cfg):
        super().setup(cfg)
        try:
            chosen = log_format()
        except ConfigError as exc:
            raise SystemExit(f"Configuratiefout: {exc}") from None
        if chosen == "json":
            # One JSON object per line, like the app's; in text mode gunicorn's own formats stay (the access
            # format of gunicorn.conf.py carries the request id).
            for handler in [*self.error_log.handlers, *self.access_log.handlers]:
                use_format(handler, "json")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the request line, the path, the referrer header and the environ copies of them.
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}

    def access(self, resp, req, environ, request_time):
        # The access line is written after the request's context has ended: bind its id (the response header).
        request_id = next((value for name, value in getattr(resp, "headers", None) or ()
                           if name.lower() == REQUEST_ID_HEADER.lower()), None)
        if request_id is None:
            return super().access(resp, req, environ, request_time)
        with bind_request_id(request_id):
            return super().access(resp, req, environ, request_time)


def probe(view):
    """Mark a view as a health probe: besides public, it looks up no user and no session, and is not limited."""
    view.is_probe = True
    return view


def is_probe() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "is_probe", False))


def init_security(app: Flask) -> None:
    """Register the hooks; the werkzeug filter guards the development server's access log."""
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, SecretPathFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(SecretPathFilter())

    @app.before_request
    def stamp_audit_origin():
        if not is_probe():
            audit.set_origin(request.remote_addr)

    @app.after_request
    def transport_and_cache_headers(response):
        if app.config["ENV_NAME"] == "production" and app.config["HSTS_MAX_AGE"] > 0:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains")
        if request.endpoint != "static" and not is_probe() and current_user and current_user.is_authenticated:
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
