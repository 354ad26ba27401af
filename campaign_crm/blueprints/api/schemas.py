"""JSON shapes of API resources, and query argument parsing."""
from __future__ import annotations

from flask import abort, request

from ...models import Employer

MAX_PER_PAGE = 200


def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string; a bad value is a 400."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        abort(400)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        abort(400)
    return page, per_page


def employer_json(employer: Employer) -> dict:
    return {
        "id": employer.id,
        "name": employer.name,
        "kvk": employer.kvk,
        "vestigingsnummer": employer.vestigingsnummer,
        "sector": employer.sector.code if employer.sector else None,
        "size": employer.size_class,
        "municipality": employer.municipality.name if employer.municipality else None,
        "postcode": employer.postcode,
        "website": employer.website,
        "account_manager": (
            {"id": employer.account_manager.id, "name": employer.account_manager.name}
            if employer.account_manager else None
        ),
    }
