"""Saved queue views: a user's named filters and sort order for one queue page."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

# The queue pages a view can belong to, with their names for people.
QUEUE_PAGES = {"mine": "Mijn leads", "team": "Teamwachtrij", "overdue": "Te laat", "unrouted": "Zonder team"}


class QueueView(db.Model):
    """A named set of filters and a sort order on one queue page, seen only by the user who saved it.

    `params` holds whitelisted query parameters only (services.routing.queue_views checks them when a view is
    saved and again when it is used), never a statement."""

    __tablename__ = "queue_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    page: Mapped[str] = mapped_column(String(20), info=NOT_PERSONAL)
    name: Mapped[str] = mapped_column(String(60), info=personal("naam van een bewaarde weergave (vrije tekst)",
                                                                "zolang het account bestaat"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=personal(
        "bewaarde filters van een wachtrij (zoektekst werkgever)", "zolang het account bestaat"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
