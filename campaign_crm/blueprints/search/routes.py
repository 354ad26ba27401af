"""The results page of the header search, and whether the header shows the box."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...extensions import db
from ...permissions import WORK_LEADS, acting_user, has_role, roles_required
from ...services.errors import ValidationError
from ...services.search import finder
from ...services.search.terms import KIND_LABELS, MAX_LENGTH
from .blueprint import bp


@bp.app_template_global()
def may_search() -> bool:
    """The header shows the search box to everyone who may see leads (not to management)."""
    return has_role(current_user, WORK_LEADS)


@bp.route("")
@roles_required(*WORK_LEADS)
def show_results():
    query = request.args.get("q")
    if query is None:  # the page itself, before a search: how to search, no error
        return render_template("search/show_results.html", query="", results=None, search_error=None)
    try:
        results = finder.search(query, acting_user())
    except ValidationError as exc:
        return render_template("search/show_results.html", query=query[:MAX_LENGTH], results=None,
                               search_error=exc.message), 422
    html = render_template("search/show_results.html", query=query, results=results,
                           searched_as=[KIND_LABELS[kind] for kind in results.terms.kinds])
    db.session.commit()  # the audit entries of the search and of the contacts shown
    return html
