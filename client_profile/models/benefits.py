"""Benefits: make-up credits, discounts, entry passes and the prepaid credit ledger."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import updated_at_field, utcnow


class MakeupCreditStatus(str, enum.Enum):
    open = "open"
    used = "used"
    expired = "expired"
    void = "void"  # withdrawn, e.g. when the original cancellation was undone


class MakeupCredit(SQLModel, table=True):
    """Earned from one cancelled-in-time or missed attendance; spent by one make-up attendance."""

    __tablename__ = "makeup_credit"
    __table_args__ = (
        UniqueConstraint("source_attendance_id", name="uq_makeup_credit_source"),
        CheckConstraint("expires_at > earned_at", name="ck_makeup_credit_expiry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    attendee_id: int = Field(
        sa_column=Column(Integer, ForeignKey("attendee.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    source_attendance_id: int = Field(
        sa_column=Column(Integer, ForeignKey("attendance.id", ondelete="CASCADE"), nullable=False)
    )
    status: MakeupCreditStatus = Field(
        default=MakeupCreditStatus.open,
        sa_column=Column(Enum(MakeupCreditStatus, native_enum=False, length=16), nullable=False),
    )
    earned_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime  # the deadline to *book* the make-up
    used_at: datetime | None = None
    closed_reason: str = Field(default="", max_length=200)
    updated_at: datetime | None = updated_at_field()


class Discount(SQLModel, table=True):
    """A discount for one attendee, or for the whole family when attendee_id is NULL."""

    __tablename__ = "discount"
    __table_args__ = (
        CheckConstraint(
            "(percent IS NOT NULL AND amount_minor IS NULL AND percent > 0 AND percent <= 100)"
            " OR (percent IS NULL AND amount_minor IS NOT NULL AND amount_minor > 0)",
            name="ck_discount_kind",
        ),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name="ck_discount_validity",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    attendee_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("attendee.id", ondelete="CASCADE"), nullable=True)
    )
    name: str = Field(max_length=200)
    percent: int | None = None
    amount_minor: int | None = None
    currency: str = Field(default="EUR", max_length=3)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class EntryPass(SQLModel, table=True):
    """A prepaid pass of N entries. Status is derived: active / expired / used up (services.money.benefits)."""

    __tablename__ = "entry_pass"
    __table_args__ = (
        CheckConstraint("entries_total > 0", name="ck_entry_pass_total"),
        CheckConstraint("expires_at > valid_from", name="ck_entry_pass_validity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    attendee_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("attendee.id", ondelete="SET NULL"), nullable=True)
    )
    programme_id: int | None = Field(default=None, foreign_key="programme.id")
    order_item_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("order_item.id", ondelete="SET NULL"), nullable=True, unique=True
        ),
    )
    name: str = Field(max_length=200)
    entries_total: int
    valid_from: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class EntryPassEntry(SQLModel, table=True):
    """One entry used from a pass; returned (not deleted) when the session is cancelled in time."""

    __tablename__ = "entry_pass_entry"
    __table_args__ = (
        UniqueConstraint("entry_pass_id", "session_id", "attendee_id", name="uq_entry_pass_entry_session"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_pass_id: int = Field(
        sa_column=Column(Integer, ForeignKey("entry_pass.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    attendee_id: int | None = Field(default=None, foreign_key="attendee.id")
    session_id: int | None = Field(default=None, foreign_key="class_session.id")
    note: str = Field(default="", max_length=200)
    used_at: datetime = Field(default_factory=utcnow)
    returned_at: datetime | None = None


class CreditKind(str, enum.Enum):
    top_up = "top_up"
    use = "use"
    refund = "refund"
    adjustment = "adjustment"


class CreditEntry(SQLModel, table=True):
    """Append-only credit ledger: the balance is the sum of amount_minor (positive in, negative out)."""

    __tablename__ = "credit_entry"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="ck_credit_entry_amount"),
        CheckConstraint(
            "(kind = 'use' AND amount_minor < 0) OR (kind IN ('top_up', 'refund') AND amount_minor > 0)"
            " OR kind = 'adjustment'",
            name="ck_credit_entry_sign",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    kind: CreditKind = Field(sa_column=Column(Enum(CreditKind, native_enum=False, length=16), nullable=False))
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    description: str = Field(max_length=300)
    order_id: int | None = Field(default=None, foreign_key="shop_order.id")
    charge_id: int | None = Field(default=None, foreign_key="charge.id")
    created_at: datetime = Field(default_factory=utcnow)


class WaitlistStatus(str, enum.Enum):
    waiting = "waiting"
    offered = "offered"  # a place is held for this entry until offer_expires_at
    accepted = "accepted"
    expired = "expired"  # the offer ran out, or the session started
    withdrawn = "withdrawn"


class MakeupWaitlistEntry(SQLModel, table=True):
    """A parent queueing a make-up credit for one full session. When a place frees up, the first in the queue
    gets it held until offer_expires_at and must confirm it in the profile (the reminder links there)."""

    __tablename__ = "makeup_waitlist"
    __table_args__ = (UniqueConstraint("credit_id", "session_id", name="uq_waitlist_credit_session"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("makeup_credit.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    session_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("class_session.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    attendee_id: int = Field(foreign_key="attendee.id")
    status: WaitlistStatus = Field(
        default=WaitlistStatus.waiting,
        sa_column=Column(Enum(WaitlistStatus, native_enum=False, length=16), nullable=False),
    )
    created_at: datetime = Field(default_factory=utcnow)
    offered_at: datetime | None = None
    offer_expires_at: datetime | None = None
    closed_at: datetime | None = None
