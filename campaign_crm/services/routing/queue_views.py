"""Saved queue views: a user's named filters and sort order on a queue page, seen only by that user.

A view stores query parameters from a whitelist (`PARAMETERS`), each checked when the view is saved and again
when it is used, so a view made under older rules (a stage or sort key that no longer exists) simply loses that
part; the queue page reads the parameters as it reads any link."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import OPEN_STAGES, User
from ...models.queue_views import QUEUE_PAGES, QueueView
from ..errors import NotFound, ValidationError
from ..normalise import refuse_bsn
from .queues import ASCENDING, DESCENDING, SORT_KEYS

MAX_NAME = 60  # the column's length
MAX_VIEWS = 20  # per user and page: the links above a queue stay a short list
MAX_QUERY = 100  # the search text, as the queue pages read it


def _as_id(value: str) -> str | None:
    value = value.strip()
    return value if value.isdigit() and 0 < len(value) <= 9 else None


# The parameters a view may hold: each with the check that keeps (a clean form of) a value, or drops it.
PARAMETERS = {
    "q": lambda value: value.strip()[:MAX_QUERY] or None,
    "stage": lambda value: value if value in OPEN_STAGES else None,
    "channel": _as_id,
    "phase": _as_id,
    "te_laat": lambda value: "1" if value == "1" else None,
    "sorteer": lambda value: value if value in SORT_KEYS else None,
    "richting": lambda value: value if value in (ASCENDING, DESCENDING) else None,
}
TEAM_PARAMETER = "team"  # the team queue's team (a campaign user or admin switches between teams)


def clean_params(page: str, raw: Mapping[str, object]) -> dict[str, str]:
    """The whitelisted parameters of `raw` with a valid value; the rest is dropped."""
    checks = dict(PARAMETERS, **({TEAM_PARAMETER: _as_id} if page == "team" else {}))
    cleaned = {}
    for name, check in checks.items():
        value = raw.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            kept = check(str(value))
            if kept:
                cleaned[name] = kept
    return cleaned


def views_for(user: User, page: str) -> list[QueueView]:
    """The user's saved views of this page, by name; one statement."""
    return list(db.session.scalars(
        select(QueueView).where(QueueView.user_id == user.id, QueueView.page == page)
        .order_by(func.lower(QueueView.name), QueueView.id)))


def save_view(user: User, page: str, name: str, raw_params: Mapping[str, object]) -> QueueView:
    """Save the filters and sort order `raw_params` of a queue page under `name` for `user`.

    Refused, with a Dutch message on the field: an unknown page, an empty or too long name, a name this user
    already gave a view of this page (case ignored), a BSN-like number in the name, nothing to save, or more
    than MAX_VIEWS views on the page. Flushes; the caller commits."""
    if page not in QUEUE_PAGES:
        raise ValidationError("Onbekende wachtrij.", {"page": "Weergaven kunnen alleen bij een wachtrij."})
    name = " ".join((name or "").split())
    params = clean_params(page, raw_params)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Geef de weergave een naam."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Houd de naam onder {MAX_NAME + 1} tekens (nu {len(name)})."
    else:
        try:
            refuse_bsn(name, "name")
        except ValidationError as exc:
            errors.update(exc.fields)
    existing = views_for(user, page)
    if "name" not in errors and any(view.name.lower() == name.lower() for view in existing):
        errors["name"] = f"U heeft al een weergave “{name}” bij {QUEUE_PAGES[page]}; kies een andere naam."
    if not params:
        errors.setdefault("name", "Er zijn geen filters of sortering om te bewaren; filter of sorteer de "
                                  "wachtrij eerst.")
    if len(existing) >= MAX_VIEWS:
        errors["name"] = (f"U heeft al {MAX_VIEWS} weergaven bij {QUEUE_PAGES[page]}; verwijder er eerst een.")
    if errors:
        raise ValidationError("De weergave is niet bewaard: " + " ".join(errors.values()), errors)
    view = QueueView(user_id=user.id, page=page, name=name, params=params)
    try:
        with db.session.begin_nested():
            db.session.add(view)
    except IntegrityError:  # the same name saved at the same moment in another tab
        message = f"U heeft al een weergave “{name}” bij {QUEUE_PAGES[page]}; kies een andere naam."
        raise ValidationError("De weergave is niet bewaard: " + message, {"name": message}) from None
    return view


def own_view(user: User, view_id: int) -> QueueView:
    """The user's view with this id; another user's view does not exist for them (NotFound)."""
    view = db.session.scalar(select(QueueView).where(QueueView.id == view_id, QueueView.user_id == user.id))
    if view is None:
        raise NotFound("Deze weergave bestaat niet (meer).")
    return view


def delete_view(user: User, view_id: int) -> QueueView:
    """Delete one of the user's own views; flushes."""
    view = own_view(user, view_id)
    db.session.delete(view)
    db.session.flush()
    return view


def view_params(view: QueueView) -> dict[str, str]:
    """The view's parameters as the queue page reads them, checked again (a view never carries more)."""
    return clean_params(view.page, view.params or {})
