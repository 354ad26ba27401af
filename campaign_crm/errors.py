"""Error pages in Dutch for people, one JSON error shape under /api; never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Ververs de pagina en probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen rechten voor deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer), of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie kan op deze pagina niet."),
    413: ("Bestand te groot", "Het bestand is groter dan toegestaan."),
    429: ("Te veel pogingen", "U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. De fout is vastgelegd; probeer het later opnieuw."),
    503: ("Tijdelijk niet beschikbaar", "De database is tijdelijk niet bereikbaar. Er is niets half opgeslagen; probeer het zo opnieuw."),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
    500: "server_error", 503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None, headers=None):
    """The API's one error shape: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return body, status, headers or {}


def _page(status: int, headers=None):
    title, text = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title, text=text), status, headers or {}


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection may be the thing that broke
        pass


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        headers = {}
        if status == 429:
            retry = getattr(exc, "retry_after", None) or 60
            headers["Retry-After"] = str(int(retry))
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        if wants_json():
            return api_error(status, MESSAGES.get(status, MESSAGES[500])[1], headers=headers)
        return _page(status, headers)

    @app.errorhandler(OperationalError)
    def handle_database_down(exc: OperationalError):
        _rollback_quietly()
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        if wants_json():
            return api_error(503, MESSAGES[503][1], headers={"Retry-After": "30"})
        return _page(503, {"Retry-After": "30"})

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        _rollback_quietly()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return api_error(500, MESSAGES[500][1])
        return _page(500)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response
