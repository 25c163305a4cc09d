"""A CSV file a staff member uploaded for import (services.people.csv_import): kept server-side between the dry
run and "Import", bound to the staff member and the provider, and deleted after it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class ImportUpload(SQLModel, table=True):
    __tablename__ = "import_upload"
    __table_args__ = (Index("ix_import_upload_expires", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # The random id in the page's address (/admin/import/<token>); useless without the staff member's session.
    token: str = Field(max_length=64, unique=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_member.id", ondelete="CASCADE"), nullable=False)
    )
    filename: str = Field(default="", max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the file as uploaded (capped)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    applied_at: datetime | None = None  # imported (then the page shows the result; it cannot run twice)
    summary: str = Field(default="", max_length=300)
