"""Shared access: a booking shared with another person (by e-mail) with a scope, and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class BookingShare(SQLModel, table=True):
    """One person's access to one booking. Active: grantee_client_id set and not revoked. Pending (a family's
    invitation not yet accepted): grantee_client_id None, not revoked; it grants nothing. Ended: revoked_at set
    (revoked, left, declined or withdrawn; the history says which)."""

    __tablename__ = "booking_share"
    __table_args__ = (
        UniqueConstraint("booking_id", "grantee_email", name="uq_booking_share_grantee"),
        UniqueConstraint("invite_token_hash", name="uq_booking_share_invite_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    grantee_email: str = Field(max_length=320, index=True)  # normalised, like Client.email
    grantee_name: str = Field(default="", max_length=200)  # as the owner typed it (optional)
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
    # A pending invitation: the SHA-256 of its single-use token (never the token) and when it stops working.
    invite_token_hash: str | None = Field(default=None, max_length=64)
    invite_expires_at: datetime | None = None
    accepted_at: datetime | None = None


class BookingShareEvent(SQLModel, table=True):
    """The append-only history of a share (granted, changed, accepted, declined, revoked, left, resent,
    withdrawn), shown to the booking's family."""

    __tablename__ = "booking_share_event"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("booking_share.id", ondelete="CASCADE", name="fk_booking_share_event_share"),
            index=True,
            nullable=False,
        )
    )
    booking_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("booking.id", ondelete="CASCADE", name="fk_booking_share_event_booking"),
            index=True,
            nullable=False,
        )
    )
    action: str = Field(max_length=20)
    actor: str = Field(default="", max_length=320)  # the e-mail of who did it ("" for the provider)
    detail: str = Field(default="", max_length=200)  # e.g. "can pay, cannot manage"
    at: datetime = Field(default_factory=utcnow)
