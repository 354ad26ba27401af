"""Reference codes an admin can extend: municipalities, sectors, SBI mapping, size classes,
interests, lost reasons and settings."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Municipality(db.Model):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class Sector(db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class SbiMapping(db.Model):
    """Maps an SBI code prefix (a two-digit division, or a longer group) to a sector.

    The longest matching prefix wins, so division 81 (cleaning) can send group 81.3
    (landscaping) to `groen`.
    """

    __tablename__ = "sbi_mappings"

    prefix: Mapped[str] = mapped_column(String(5), primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id"))

    sector: Mapped[Sector] = relationship()


class SizeClass(db.Model):
    __tablename__ = "size_classes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    min_employees: Mapped[int]
    sort_order: Mapped[int] = mapped_column(default=0)


class Interest(db.Model):
    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class LostReason(db.Model):
    __tablename__ = "lost_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Setting(db.Model):
    """A tunable value (SLA days, targets, schedules) kept as JSON, with its Dutch label."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(200))
