"""The provider (the business running the classes) and its policies."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class Provider(SQLModel, table=True):
    __tablename__ = "provider"
    __table_args__ = (
        UniqueConstraint("slug"),
        CheckConstraint("length(currency) = 3", name="ck_provider_currency"),
        CheckConstraint("makeup_validity_days > 0", name="ck_provider_makeup_validity"),
        CheckConstraint("makeup_window_days >= 0", name="ck_provider_makeup_window"),
        CheckConstraint("makeup_min_hours_before >= 0", name="ck_provider_makeup_min_hours"),
        CheckConstraint("cancellation_deadline_hours >= 0", name="ck_provider_cancel_deadline"),
        CheckConstraint("makeup_extra_capacity >= 0", name="ck_provider_makeup_extra"),
        CheckConstraint(
            "cancellation_mode IN ('hours_before', 'day_before_at')", name="ck_provider_cancel_mode"
        ),
        CheckConstraint(
            "makeup_expiry_mode IN ('days', 'class_end', 'carry_over')", name="ck_provider_makeup_expiry_mode"
        ),
        CheckConstraint("makeup_carry_over_max >= 0", name="ck_provider_carry_over"),
        CheckConstraint("makeup_waitlist_offer_hours > 0", name="ck_provider_waitlist_hours"),
        CheckConstraint("attendance_edit_days >= 0", name="ck_provider_attendance_edit_days"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64)
    name: str = Field(max_length=200)
    currency: str = Field(default="EUR", max_length=3)
    timezone: str = Field(default="UTC", max_length=64)
    language: str = Field(default="en", max_length=8)
    contact_email: str = Field(default="", max_length=320)
    contact_phone: str = Field(default="", max_length=40)
    website: str = Field(default="", max_length=300)
    brand_color: str = Field(default="#0d9488", max_length=16)
    logo_url: str = Field(default="", max_length=500)

    # Make-up policy (docs/domain.md "Make-ups", docs/decisions.md "Make-ups").
    makeups_enabled: bool = True
    makeup_from_cancelled: bool = True
    makeup_from_missed: bool = True
    makeup_validity_days: int = 90
    makeup_window_days: int = 4
    makeup_min_hours_before: int = 2
    makeup_extra_capacity: int = 0
    # When a credit's booking deadline falls (services.schedule.makeups): "days" after it was earned
    # (makeup_validity_days), "class_end" (the end of its class), or "carry_over" (days, and at most
    # makeup_carry_over_max open credits per booking: the oldest are closed beyond that).
    makeup_expiry_mode: str = Field(default="days", max_length=16)
    makeup_carry_over_max: int = 2
    makeup_waitlist_enabled: bool = True
    makeup_waitlist_offer_hours: int = 12  # how long a freed place is held for the first in the queue
    # Excusing (cancelling) a session from the client side (services.schedule.attendance):
    # "hours_before": until cancellation_deadline_hours before the start;
    # "day_before_at": until cancellation_day_before_time (local) on the day before.
    cancellation_mode: str = Field(default="hours_before", max_length=16)
    cancellation_deadline_hours: int = 24
    cancellation_day_before_time: time | None = None
    # After the deadline: allowed (the place is freed, nothing is earned: "late-cancelled") or refused.
    allow_late_cancellation: bool = True
    # Deadlines never fall on a weekend or a provider holiday: they move back to the previous working day.
    cancellation_skip_weekends: bool = False

    online_payment_enabled: bool = False
    invoicing_enabled: bool = False
    bank_account_name: str = Field(default="", max_length=200)
    bank_iban: str = Field(default="", max_length=64)
    bank_bic: str = Field(default="", max_length=16)
    bank_reference_hint: str = Field(default="", max_length=200)
    invoice_address: str = Field(default="", max_length=500)
    livestream_enabled: bool = True
    # How many days after a session staff may still change its register (later changes are refused; every
    # change is audited).
    attendance_edit_days: int = Field(default=7, sa_column_kwargs={"server_default": "7"})
    # Bumped by every change of the settings in the console; a settings form opened before it is refused
    # (services.people.audit.claim_version).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    created_at: datetime = Field(default_factory=utcnow)


class ProviderHoliday(SQLModel, table=True):
    """A day the provider is closed; cancellation deadlines skip it when the policy says so."""

    __tablename__ = "provider_holiday"
    __table_args__ = (UniqueConstraint("provider_id", "day", name="uq_provider_holiday_day"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    day: date
    name: str = Field(default="", max_length=100)
