"""Bearer-token authentication for the API; the token acts as its role and partner."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request

from ...errors import api_error
from ...extensions import db, limiter
from ...models import utcnow
from ...permissions import has_role
from ...services.accounts import auth as auth_service
from .blueprint import bp

PUBLIC_ENDPOINTS = {"api.openapi"}
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _limit_key() -> str:
    header = request.headers.get("Authorization", "")
    return header[-16:] if header.startswith("Bearer ") else (request.remote_addr or "unknown")


limiter.limit(_api_limit, key_func=_limit_key)(bp)


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return api_error(401, "Geef een API-token mee: Authorization: Bearer <token>.",
                         headers={"WWW-Authenticate": "Bearer"})
    token = auth_service.token_for_bearer(raw.strip())
    if token is None:
        return api_error(401, "Dit API-token is onbekend of ingetrokken.", headers={"WWW-Authenticate": "Bearer"})
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        # Its own small commit, before the request's work starts; at most once a minute per token.
        token.last_used_at = now
        db.session.commit()
    g.api_actor = token
    return None


def api_roles(*roles: str) -> Callable:
    """Allow only tokens acting as one of these roles; others get 403."""
    allowed = set(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not has_role(g.api_actor, allowed):
                return api_error(403, "Dit token heeft geen rechten voor deze gegevens.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
