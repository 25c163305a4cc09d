"""What other systems use to reach the provider's data: API keys (the REST API /api/v1)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class ApiKeyScope(str, enum.Enum):
    read = "read"  # GET only
    write = "write"  # read and the API's writes (families, enrolments, attendance)


class ApiKey(SQLModel, table=True):
    """A key of the REST API. Only a hash of its secret is stored (services.integrations.api_keys): the key is
    shown once, when it is made. ``prefix`` (the key's first characters) is shown in lists and finds the row;
    the hash is compared in constant time. Revoked, never deleted (the audit log keeps pointing at it).

    The rate limit counts in ``window_started_at`` / ``window_count`` (one conditional UPDATE per request, so it
    holds across processes)."""

    __tablename__ = "api_key"
    __table_args__ = (
        UniqueConstraint("prefix", name="uq_api_key_prefix"),
        CheckConstraint("window_count >= 0", name="ck_api_key_window_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_api_key_provider"), index=True, nullable=False
        )
    )
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64)  # hex SHA-256 of the whole key (256 random bits: no salt needed)
    scope: ApiKeyScope = Field(
        default=ApiKeyScope.read,
        sa_column=Column(Enum(ApiKeyScope, native_enum=False, length=8), nullable=False),
    )
    # NULL for a key made with the CLI (an operator).
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_api_key_created_by"),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    window_started_at: datetime | None = None
    window_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
