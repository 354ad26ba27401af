"""API endpoints; each parses, calls a service and returns JSON."""
from __future__ import annotations

from flask import request

from ...extensions import db
from ...permissions import WORK_LEADS
from ...services import employers as employer_service
from . import bp
from .auth import api_roles
from .openapi import document
from .schemas import employer_json, page_args


@bp.get("/openapi.json")
def openapi():
    return document()


@bp.get("/employers")
@api_roles(*WORK_LEADS)
def list_employers():
    page, per_page = page_args()
    query = employer_service.search(q=request.args.get("q", ""), kvk=request.args.get("kvk", ""))
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return {
        "items": [employer_json(e) for e in result.items],
        "page": page, "per_page": per_page, "total": result.total,
    }
