"""Shared access: a booking shared with another person (by e-mail) with a scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class BookingShare(SQLModel, table=True):
    __tablename__ = "booking_share"
    __table_args__ = (UniqueConstraint("booking_id", "grantee_email", name="uq_booking_share_grantee"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    grantee_email: str = Field(max_length=320, index=True)  # normalised, like Client.email
    grantee_client_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), index=True, nullable=True),
    )
    # Scope: viewing is implied by any share.
    notify: bool = True
    can_pay: bool = False
    can_manage: bool = False
    created_by_client_id: int | None = Field(default=None, foreign_key="client.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
