"""Partner organisations and the teams that routing points at."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from .reference import Municipality
    from .users import User

PARTNER_KINDS = {
    "gemeente": "Gemeente",
    "uwv": "UWV",
    "roc": "ROC / onderwijs",
    "vakbond": "Vakbond",
    "werkgeversorganisatie": "Werkgeversorganisatie",
    "other": "Overig",
}


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="other")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    active: Mapped[bool] = mapped_column(default=True)

    municipality: Mapped[Municipality | None] = relationship()
    users: Mapped[list[User]] = relationship(back_populates="partner")

    @property
    def kind_label(self) -> str:
        return PARTNER_KINDS.get(self.kind, self.kind)


class Team(db.Model):
    """A group of advisors; a pool team catches what no other rule routes."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(400), default="")
    is_pool: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[User]] = relationship(back_populates="team")
