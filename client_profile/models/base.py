"""Shared column helpers. Money is integer minor units + ISO currency; datetimes are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from client_profile.clock import utcnow  # the one clock; re-exported for the models and services

__all__ = ["as_utc", "utcnow"]


def as_utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes for some column types; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
