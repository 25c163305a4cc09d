"""The REST API's JSON shapes (Pydantic), so /api/v1/openapi.json says exactly what each resource carries.

Money is integer minor units plus an ISO currency; instants are UTC (ISO 8601); ids are integers. Output models
read the SQLModel rows (``from_attributes``) and name every field they expose: a new column is never published by
accident (no photo bytes, no login counters).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from client_profile.services.integrations.api_data import (
    AttendanceState,
    BookingStatus,
    ChargeStatus,
    MakeupCreditStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ProgrammeKind,
    SessionStatus,
)

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    updated_at: datetime | None = Field(
        description="When the row last changed (UTC); what updated_since filters"
    )


class Programme(Out):
    name: str
    description: str
    level: str
    kind: ProgrammeKind
    price_minor: int
    currency: str
    makeups_enabled: bool
    created_at: datetime


class ClassGroup(Out):
    programme_id: int
    name: str
    instructor: str
    venue: str
    is_online: bool
    weekday: int | None = Field(description="0 = Monday, in the provider's timezone")
    # "HH:MM", the provider's local wall-clock time: JSON Schema's "time" format would need a UTC offset.
    start_time: str | None = Field(
        pattern=r"^\d{2}:\d{2}$", description="local time in the provider's timezone"
    )
    duration_minutes: int
    starts_on: date | None
    ends_on: date | None
    capacity: int
    price_minor: int | None = Field(description="null: the programme's price")
    makeup_group: str | None
    created_at: datetime

    @field_validator("start_time", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        return value.strftime("%H:%M") if isinstance(value, time) else value


class ClassSession(Out):
    class_id: int
    starts_at: datetime
    ends_at: datetime
    venue: str
    status: SessionStatus
    note: str


class Family(Out):
    name: str
    created_at: datetime


class Client(Out):
    family_id: int | None
    email: str
    full_name: str
    phone: str
    language: str
    is_active: bool
    reminders_opt_out: bool
    created_at: datetime


class Attendee(Out):
    family_id: int
    first_name: str
    last_name: str
    birth_date: date | None
    created_at: datetime


class Booking(Out):
    attendee_id: int
    class_id: int
    status: BookingStatus
    starts_on: date | None
    ends_on: date | None
    price_minor: int
    currency: str
    created_at: datetime


class Attendance(Out):
    booking_id: int
    session_id: int
    state: AttendanceState
    cancel_reason: str
    changed_at: datetime


class Charge(Out):
    family_id: int
    booking_id: int | None
    order_id: int | None
    description: str
    amount_minor: int
    currency: str
    due_on: date | None
    status: ChargeStatus
    reference: str
    created_at: datetime
    paid_at: datetime | None


class Payment(Out):
    charge_id: int
    method: PaymentMethod
    status: PaymentStatus
    amount_minor: int
    currency: str
    created_at: datetime
    succeeded_at: datetime | None


class Order(Out):
    family_id: int
    number: str
    status: OrderStatus
    total_minor: int
    currency: str
    created_at: datetime
    paid_at: datetime | None


class EntryPass(Out):
    family_id: int
    attendee_id: int | None
    programme_id: int | None
    name: str
    entries_total: int
    valid_from: datetime
    expires_at: datetime
    created_at: datetime


class MakeupCredit(Out):
    attendee_id: int
    booking_id: int
    status: MakeupCreditStatus
    earned_at: datetime
    expires_at: datetime
    used_at: datetime | None


class ListOf(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class ErrorBody(BaseModel):
    code: str = Field(description="e.g. not_found, invalid, conflict, unauthorized, forbidden, rate_limited")
    message: str
    fields: dict[str, str] = Field(default_factory=dict, description="field name -> what is wrong with it")


class Error(BaseModel):
    error: ErrorBody


# ------------------------------------------------------------------------------------------------ writes

Text200 = Annotated[str, Field(max_length=200)]


class NewAttendee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Annotated[str, Field(max_length=100)]
    last_name: Annotated[str, Field(max_length=100)] = ""
    birth_date: date | None = None


class NewFamily(BaseModel):
    """A family, optionally with its first client (a login: ``email``) and attendees, made in one transaction."""

    model_config = ConfigDict(extra="forbid")

    name: Text200
    email: Annotated[str, Field(max_length=320)] = Field(default="", description="the first client's e-mail")
    full_name: Text200 = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    attendees: Annotated[list[NewAttendee], Field(max_length=20)] = []


class FamilyCreated(BaseModel):
    family: Family
    clients: list[Client]
    attendees: list[Attendee]


class NewBooking(BaseModel):
    """Enrol an attendee in a class from a day (the console's enrolment: attendances and the term fee)."""

    model_config = ConfigDict(extra="forbid")

    attendee_id: int
    class_id: int
    from_date: date


class AttendanceMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["attended", "missed", "scheduled"]
