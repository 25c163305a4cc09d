"""Shared column helpers. Money is integer minor units + ISO currency; datetimes are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Field

from client_profile.clock import utcnow  # the one clock; re-exported for the models and services

__all__ = ["as_utc", "updated_at_field", "utcnow"]


def updated_at_field() -> Any:
    """``updated_at``: set on insert and by SQLAlchemy on every UPDATE of the row (ORM flush or Core ``update()``,
    e.g. audit.claim_version) that does not set it itself. The REST API's ``updated_since`` filters on it
    (docs/api.md). Nullable only so the migration could add it to filled tables (it backfilled every row)."""
    return Field(default_factory=utcnow, index=True, sa_column_kwargs={"onupdate": utcnow})


def as_utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes for some column types; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
