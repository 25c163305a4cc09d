"""A booking (an attendee registered in a class) and its attendance per session."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import updated_at_field, utcnow


class BookingStatus(str, enum.Enum):
    active = "active"
    ended = "ended"
    cancelled = "cancelled"


class Booking(SQLModel, table=True):
    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("attendee_id", "class_id", name="uq_booking_attendee_class"),
        CheckConstraint("price_minor >= 0", name="ck_booking_price"),
        CheckConstraint("length(currency) = 3", name="ck_booking_currency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    attendee_id: int = Field(
        sa_column=Column(Integer, ForeignKey("attendee.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    class_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("class_group.id", ondelete="RESTRICT"), index=True, nullable=False
        )
    )
    status: BookingStatus = Field(
        default=BookingStatus.active,
        sa_column=Column(Enum(BookingStatus, native_enum=False, length=16), nullable=False),
    )
    starts_on: date | None = None
    ends_on: date | None = None
    price_minor: int = 0
    currency: str = Field(default="EUR", max_length=3)
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class AttendanceState(str, enum.Enum):
    scheduled = "scheduled"
    attended = "attended"
    cancelled = "cancelled"  # excused in time: may earn a make-up
    late_cancelled = "late_cancelled"  # excused after the deadline: no make-up
    missed = "missed"  # did not come, not excused
    makeup = "makeup"  # a make-up booked into another session with a credit


class Attendance(SQLModel, table=True):
    """One row per booking x session. A make-up row points at the target session and its credit."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("booking_id", "session_id", name="uq_attendance_booking_session"),
        Index("ix_attendance_session_state", "session_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("class_session.id", ondelete="CASCADE"), nullable=False)
    )
    state: AttendanceState = Field(
        default=AttendanceState.scheduled,
        sa_column=Column(Enum(AttendanceState, native_enum=False, length=16), nullable=False),
    )
    makeup_credit_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(
                "makeup_credit.id", ondelete="SET NULL", use_alter=True, name="fk_attendance_makeup_credit"
            ),
            nullable=True,
            unique=True,
        ),
    )
    # Why the client excused the session: a preset key (services.schedule.attendance.CANCEL_REASONS) and free text.
    cancel_reason: str = Field(default="", max_length=32)
    cancel_note: str = Field(default="", max_length=500)
    changed_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()
    changed_by_client_id: int | None = Field(default=None, foreign_key="client.id")
    changed_by_staff_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_member.id", ondelete="SET NULL"), nullable=True),
    )
