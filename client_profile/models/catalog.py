"""What a provider offers: Programme -> Class (a group with capacity) -> Session (one occurrence)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import updated_at_field, utcnow


class ProgrammeKind(str, enum.Enum):
    course = "course"
    camp = "camp"
    club = "club"
    event = "event"


class Programme(SQLModel, table=True):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="ck_programme_price"),
        CheckConstraint("length(currency) = 3", name="ck_programme_currency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    # Level or age group, shown to families and staff ("Beginners, 5-9 years"); "" = none.
    level: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    kind: ProgrammeKind = Field(
        default=ProgrammeKind.course,
        sa_column=Column(Enum(ProgrammeKind, native_enum=False, length=16), nullable=False),
    )
    # Price of one term/booking in minor units.
    price_minor: int = 0
    currency: str = Field(default="EUR", max_length=3)
    makeups_enabled: bool = True
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class ClassGroup(SQLModel, table=True):
    """A class: a group of a programme that meets regularly (``class`` is a Python keyword)."""

    __tablename__ = "class_group"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="ck_class_capacity"),
        CheckConstraint("price_minor IS NULL OR price_minor >= 0", name="ck_class_price"),
        CheckConstraint("extra_makeup_capacity >= 0", name="ck_class_extra_capacity"),
        CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)", name="ck_class_weekday"),
        CheckConstraint("duration_minutes > 0", name="ck_class_duration"),
        CheckConstraint(
            "extra_makeup_mode IS NULL OR extra_makeup_mode IN ('add', 'replace')", name="ck_class_extra_mode"
        ),
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ck_class_dates"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("programme.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    name: str = Field(max_length=200)
    instructor: str = Field(default="", max_length=200)  # the name families see
    # The staff member who teaches it: an instructor login sees and registers only its own classes.
    instructor_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("staff_member.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )
    venue: str = Field(default="", max_length=300)
    is_online: bool = False
    online_link: str = Field(default="", max_length=500)
    weekday: int | None = None  # 0 = Monday, in the provider's timezone
    start_time: time | None = None  # local time in the provider's timezone
    duration_minutes: int = 60
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int = 10
    # What a booking in this class costs (minor units, the programme's currency); NULL = the programme's price.
    price_minor: int | None = None
    extra_makeup_capacity: int = 0
    # How extra_makeup_capacity combines with the provider's global value: NULL = use the global value,
    # "add" = global + this class's, "replace" = only this class's (services.schedule.makeups).
    extra_makeup_mode: str | None = Field(default=None, max_length=8)
    # Compatibility key for make-ups within a programme (age band / level); NULL = compatible with all.
    makeup_group: str | None = Field(default=None, max_length=64)
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class SessionStatus(str, enum.Enum):
    scheduled = "scheduled"
    cancelled = "cancelled"  # cancelled by the provider
    completed = "completed"


class ClassSession(SQLModel, table=True):
    """One occurrence of a class. Times are aware UTC; the provider's timezone is for display only."""

    __tablename__ = "class_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_session_times"),
        UniqueConstraint("class_id", "starts_at", name="uq_session_class_start"),
        Index("ix_session_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("class_group.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    starts_at: datetime
    ends_at: datetime
    venue: str = Field(default="", max_length=300)  # overrides the class venue when set
    online_link: str = Field(default="", max_length=500)  # overrides the class link when set
    status: SessionStatus = Field(
        default=SessionStatus.scheduled,
        sa_column=Column(Enum(SessionStatus, native_enum=False, length=16), nullable=False),
    )
    note: str = Field(default="", max_length=500)
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime | None = updated_at_field()
