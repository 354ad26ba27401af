"""Error pages in Dutch for people, one JSON error shape under /api; never a stack trace."""
from __future__ import annotations

from flask import Flask, Response, g, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .config import TEMPLATES_DIR
from .extensions import db, login_manager
from .observability import current_request_id

# The page for a database that cannot be reached: plain HTML read once at start-up, because every
# rendered template asks Flask-Login for the current user, and that asks the database.
UNAVAILABLE_PAGE = (TEMPLATES_DIR / "errors" / "unavailable.html").read_bytes()

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Ververs de pagina en probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen rechten voor deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer), of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie kan op deze pagina niet."),
    413: ("Te groot", "Wat u stuurde is groter dan toegestaan. Er is niets opgeslagen."),
    429: ("Te veel pogingen", "U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. De fout is vastgelegd; probeer het later opnieuw."),
    503: ("Tijdelijk niet beschikbaar",
          "De database is tijdelijk niet bereikbaar. Er is niets half opgeslagen; probeer het zo opnieuw."),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
    500: "server_error", 503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None,
              headers=None):
    """The API's one error shape: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return body, status, headers or {}


def error_page(status: int, text: str | None = None, headers=None):
    """A Dutch error page; `text` says what was wrong and where, instead of the general message."""
    title, general = MESSAGES.get(status, MESSAGES[500])
    try:
        page = render_template("errors/error.html", status=status, title=title, text=text or general,
                               request_id=current_request_id())
    except SQLAlchemyError:  # the page asks for the logged-in user, and the database is gone
        _rollback_quietly()
        return unavailable_page()
    return page, status, headers or {}


def unavailable_page() -> Response:
    """503 without touching the database: the static page."""
    forget_the_user()
    return Response(UNAVAILABLE_PAGE, status=503, mimetype="text/html", headers={"Retry-After": "30"})


def too_large_message() -> str:
    """The 413 message, with the limit that applied to this request."""
    limit = request.max_content_length
    if not limit:
        return MESSAGES[413][1]
    size = f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit // 1024} kB"
    return f"Wat u stuurde is groter dan toegestaan: hoogstens {size} per verzoek. Er is niets opgeslagen."


def forget_the_user() -> None:
    """Treat the rest of this request as anonymous, so no later `current_user` (a context processor, an
    after-request hook) asks the unreachable database again; Flask-Login keeps the request's user in g."""
    g._login_user = login_manager.anonymous_user()


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
        text = too_large_message() if status == 413 else None
        if wants_json():
            return api_error(status, text or MESSAGES.get(status, MESSAGES[500])[1], headers=headers)
        return error_page(status, text, headers)

    @app.errorhandler(OperationalError)
    def handle_database_down(exc: OperationalError):
        _rollback_quietly()
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        if wants_json():
            forget_the_user()
            return api_error(503, MESSAGES[503][1], headers={"Retry-After": "30"})
        return unavailable_page()

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        _rollback_quietly()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return api_error(500, MESSAGES[500][1])
        return error_page(500)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response
