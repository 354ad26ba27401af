"""Bounds on every request, checked before a view runs: body size per endpoint, ids within the
database's integer range, JSON nesting, and no NUL bytes (PostgreSQL cannot store them in text)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter, ValidationError

from .errors import api_error, error_page, wants_json
from .models.types import MAX_DB_ID

MAX_JSON_DEPTH = 10  # the API's deepest body is an object in an object; this leaves room and no more
# Endpoints that receive an import file; every other request gets the much smaller body limit.
UPLOAD_ENDPOINTS = frozenset({"imports.new_import", "reports.spend_import", "reports.spend_import_apply"})
# The spend import's preview sends the file back with the mappings in a form field, not as a file part.
FILE_IN_FORM_ENDPOINTS = frozenset({"reports.spend_import_apply"})

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]")


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond the database's integer range matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_DB_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_DB_ID)):  # also spares int() a string of thousands of digits
            raise ValidationError()
        return super().to_python(value)


def database_id(raw: str | None) -> int | None:
    """An id from a query string or form: a whole number within the database's range, else None."""
    value = (raw or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_DB_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_DB_ID else None


def init_request_limits(app: Flask) -> None:
    """Register the id converter (before any blueprint adds a route) and the checks before every view."""
    app.url_map.converters["int"] = DatabaseIdConverter

    @app.before_request
    def bound_request():
        # Registered before the extensions, so no one (CSRF, a view) reads the body before its limit is set.
        limit = (current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024 if request.endpoint in UPLOAD_ENDPOINTS
                 else current_app.config["MAX_REQUEST_KB"] * 1024)
        request.max_content_length = limit
        request.max_form_memory_size = (limit if request.endpoint in FILE_IN_FORM_ENDPOINTS
                                         else min(limit, current_app.config["MAX_REQUEST_KB"] * 1024))
        if request.is_json and request.content_length != 0:
            depth = json_depth(request.get_data(cache=True))
            if depth > MAX_JSON_DEPTH:
                message = f"De JSON in de body is te diep genest ({depth} niveaus; hoogstens {MAX_JSON_DEPTH})."
                if wants_json():
                    return api_error(422, message, fields={"body": f"Hoogstens {MAX_JSON_DEPTH} niveaus diep."})
                return error_page(400, message)
        where = nul_byte_location()
        if where is not None:
            field, label = where
            message = f"{label} bevat een NUL-teken (\\x00); dat kan niet worden opgeslagen. Er is niets gewijzigd."
            if wants_json():
                return api_error(422, message, fields={field: "Bevat een NUL-teken (\\x00)."})
            return error_page(400, message)
        return None


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing it (a deep one would
    exhaust the parser's recursion)."""
    brackets = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", data))
    return max(accumulate(1 if byte in b"[{" else -1 for byte in brackets), default=0)


def nul_byte_location() -> tuple[str, str] | None:
    """(field, Dutch label) of the first place in the request that holds a NUL byte, or None."""
    if "\x00" in request.path:
        return "path", "Het adres"
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", ""), f"De parameter {key.replace(chr(0), '')!r}"
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return key.replace("\x00", ""), f"Het veld {key.replace(chr(0), '')!r}"
    if request.is_json:
        body = request.get_json(silent=True)
        for path, text in _json_strings(body, ""):
            if "\x00" in text:
                field = path.replace("\x00", "") or "body"
                return field, f"Het veld {field!r}"
    return None


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key and string in a parsed JSON body, with its path in dots (`employer.name`, `interests.0`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key)
            yield from _json_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}.{index}" if path else str(index))
