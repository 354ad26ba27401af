"""Import batches (uploaded files, their preview and result) and saved column mappings."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .types import NOT_PERSONAL, UTCDateTime, personal, utcnow

if TYPE_CHECKING:
    from .users import User

IMPORT_STATUSES = {"previewed": "Voorbeeld bekeken", "applied": "Ingelezen", "failed": "Mislukt"}


class ImportBatch(db.Model):
    """One uploaded file: kept until applied so the preview and the apply read the same bytes."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    preset: Mapped[str] = mapped_column(String(40), info=NOT_PERSONAL)
    filename: Mapped[str] = mapped_column(String(255), info=NOT_PERSONAL)
    sha256: Mapped[str] = mapped_column(String(64), index=True, info=NOT_PERSONAL)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=NOT_PERSONAL)
    status: Mapped[str] = mapped_column(String(20), default="previewed", info=NOT_PERSONAL)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=NOT_PERSONAL)
    errors: Mapped[list[dict[str, Any]]] = deferred(mapped_column(
        JSON, default=list,
        info=personal("importregels met fouten (kunnen contactgegevens bevatten)", "retention_import_file_months")))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()


class ImportMapping(db.Model):
    """A saved column mapping for the generic import (file column → field)."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, info=NOT_PERSONAL)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, info=NOT_PERSONAL)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
