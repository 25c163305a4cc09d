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
    """Earned from one cancelled-in-time or missed attendance, or granted by the provider's office for one booking
    (no source attendance, a reason, the staff member); spent by one make-up attendance."""

    __tablename__ = "makeup_credit"
    __table_args__ = (
        UniqueConstraint("source_attendance_id", name="uq_makeup_credit_source"),
        CheckConstraint("expires_at > earned_at", name="ck_makeup_credit_expiry"),
        CheckConstraint(
            "source_attendance_id IS NOT NULL OR granted_reason <> ''", name="ck_makeup_credit_origin"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    attendee_id: int = Field(
        sa_column=Column(Integer, ForeignKey("attendee.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    # NULL for a credit the office granted (services.money.console_benefits): then granted_reason says why.
    source_attendance_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("attendance.id", ondelete="CASCADE"), nullable=True),
    )
    status: MakeupCreditStatus = Field(
        default=MakeupCreditStatus.open,
        sa_column=Column(Enum(MakeupCreditStatus, native_enum=False, length=16), nullable=False),
    )
    earned_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime  # the deadline to *book* the make-up
    used_at: datetime | None = None
    closed_reason: str = Field(default="", max_length=200)
    granted_reason: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    granted_by_staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_makeup_credit_granted_by"),
            nullable=True,
        ),
    )
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
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
    """A prepaid pass of N entries. Status is derived: active / expired / used up (services.money.benefits).
    Which sessions it covers (services.money.console_benefits pass_covers): the classes listed in
    entry_pass_class when there are any, else the programme's classes when programme_id is set, else any class."""

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
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime | None = updated_at_field()


class EntryPassClass(SQLModel, table=True):
    """One class an entry pass is accepted in (a pass with none of these: its programme, or any class)."""

    __tablename__ = "entry_pass_class"

    entry_pass_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("entry_pass.id", ondelete="CASCADE", name="fk_entry_pass_class_pass"),
            primary_key=True,
        )
    )
    class_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("class_group.id", ondelete="CASCADE", name="fk_entry_pass_class_class"),
            primary_key=True,
        )
    )


class BenefitEvent(SQLModel, table=True):
    """What happened to one entry pass or make-up credit, as its family sees it in Benefits ("History"):
    append-only, written by the console's benefit changes in the same transaction as the change. ``text`` is
    what the client reads (never the staff member's name); staff_id is kept for the provider."""

    __tablename__ = "benefit_event"
    __table_args__ = (
        CheckConstraint(
            "(entry_pass_id IS NULL) <> (makeup_credit_id IS NULL)", name="ck_benefit_event_subject"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_benefit_event_provider"), index=True, nullable=False
        )
    )
    family_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("family.id", ondelete="CASCADE", name="fk_benefit_event_family"),
            index=True,
            nullable=False,
        )
    )
    entry_pass_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("entry_pass.id", ondelete="CASCADE", name="fk_benefit_event_pass"),
            index=True,
            nullable=True,
        ),
    )
    makeup_credit_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("makeup_credit.id", ondelete="CASCADE", name="fk_benefit_event_credit"),
            index=True,
            nullable=True,
        ),
    )
    kind: str = Field(max_length=32)  # pass.create, pass.bonus, pass.extend, credit.grant, ...
    text: str = Field(max_length=300)
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_benefit_event_staff"),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)


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
