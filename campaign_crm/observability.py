"""The request id that ties a request's log lines, and the tasks it starts, together; and the log format.

Every request gets an id: a valid incoming `X-Request-ID` header (set by the reverse proxy), else a new one.
It is bound (REQUEST_ID) while the request is handled, its response body included, and sent back in the
`X-Request-ID` response header. Every log line carries it: LOG_FORMAT=json writes one JSON object per line
(time, level, logger, message, request_id, exception), LOG_FORMAT=text a readable line with the id in it.
Tasks carry the id on with `bind_request_id`.
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is used only when it is short and plain: letters, digits, '.', '_' and '-' (a UUID, nginx's
# $request_id). Anything else (too long, spaces, quotes, control characters) is replaced by a new id.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id")
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger", "exc_info": "exception"}
APP_LOGGER = "campaign_crm"


def new_request_id() -> str:
    """A fresh id for a request or a task started outside one."""
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request (or task) being handled, if any."""
    return REQUEST_ID.get()


@contextmanager
def bind_request_id(value: str | None) -> Iterator[str]:
    """Run the block under `value` (a new id when None): log lines written inside carry it."""
    token = REQUEST_ID.set(value or new_request_id())
    try:
        yield REQUEST_ID.get()
    finally:
        REQUEST_ID.reset(token)


def accepted_request_id(incoming: str | None) -> str:
    """The incoming header's id when it is valid, else a new one."""
    if incoming and VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


# --- log lines ----------------------------------------------------------------------------------------------

class RequestIdFilter(logging.Filter):
    """Puts the current request id (or '-') on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id, exception."""

    def __init__(self) -> None:
        super().__init__(list(JSON_FIELDS), rename_fields=JSON_NAMES, json_ensure_ascii=False)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextLineFormatter(logging.Formatter):
    """A readable line with the request id: `2026-12-04 10:00:00,123 INFO [id] logger: message`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonLineFormatter() if log_format == "json" else TextLineFormatter()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of writing (a test may have replaced it meanwhile)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def use_format(handler: logging.Handler, log_format: str) -> logging.Handler:
    """Give `handler` the format and the request-id filter (once)."""
    handler.setFormatter(make_formatter(log_format))
    if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
        handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(log_format: str) -> None:
    """One handler on the root logger, to stderr, in `log_format`; the app's own loggers log from INFO up.

    Called by every create_app: it replaces the handler an earlier call installed instead of adding one.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "campaign_crm", False)]:
        root.removeHandler(handler)
    handler = use_format(StderrHandler(), log_format)
    handler.campaign_crm = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    app_logger = logging.getLogger(APP_LOGGER)
    if app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.INFO)


# --- requests -----------------------------------------------------------------------------------------------

class RequestIdMiddleware:
    """Runs each request, its streamed body included, in a context of its own where REQUEST_ID is the request's
    id, and sends the id back as a header. The caller's context is never changed, so nothing leaks into the
    next request a thread handles (or into a test after its client call)."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = accepted_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = request_id  # what the app and gunicorn's access log see

        def start_with_id(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            headers = [(name, value) for name, value in headers if name.lower() != REQUEST_ID_HEADER.lower()]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info)

        context = contextvars.copy_context()
        context.run(REQUEST_ID.set, request_id)
        body = context.run(self.wsgi_app, environ, start_with_id)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            return body  # a static file: the server sends it itself (sendfile) and logs nothing meanwhile
        return _BoundBody(body, context)


class _BoundBody:
    """The response body, read and closed in the request's context (a streamed page logs under its id)."""

    def __init__(self, body: Iterable[bytes], context: contextvars.Context) -> None:
        self.body = body
        self.context = context
        self.iterator: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.iterator is None:
            self.iterator = self.context.run(iter, self.body)
        return self.context.run(next, self.iterator)

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            self.context.run(close)


def init_observability(app: Flask) -> None:
    """Log in LOG_FORMAT with the request id, and give every request an id."""
    configure_logging(app.config["LOG_FORMAT"])
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]
