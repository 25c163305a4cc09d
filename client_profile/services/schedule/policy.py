"""The provider's session policy, shared by every feature that changes a session: until when a session can be
excused in time (the cancellation deadline), with weekends and the provider's holidays.

Used by services.schedule.attendance (excusing, the booking page) and services.schedule.makeups (cancelling a
make-up): it lives
here so that neither feature imports the other for it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from client_profile.models import Provider, ProviderHoliday, as_utc


def _non_working(day: date, holidays: set[date]) -> bool:
    return day.weekday() >= 5 or day in holidays


def cancellation_deadline(
    provider: Provider, starts_at: datetime, holidays: set[date] = frozenset()
) -> datetime:
    """The last moment (aware UTC) a client may excuse a session starting at `starts_at` and still get what an
    in-time cancellation gives. Computed in the provider's local time, so it is right across DST changes."""
    tz = ZoneInfo(provider.timezone)
    start_local = as_utc(starts_at).astimezone(tz)
    if provider.cancellation_mode == "day_before_at":
        at = provider.cancellation_day_before_time or time(0, 0)
        day = start_local.date() - timedelta(days=1)
        deadline = datetime.combine(day, at, tzinfo=tz)
    else:
        # Subtract the hours in UTC (real elapsed time), then look at the local wall clock.
        deadline = (as_utc(starts_at) - timedelta(hours=provider.cancellation_deadline_hours)).astimezone(tz)
    if provider.cancellation_skip_weekends and _non_working(deadline.date(), holidays):
        # A deadline on a weekend or holiday moves back to the end (midnight) of the last working day before
        # it: Monday's 24-hour deadline falls on Sunday and becomes Friday midnight.
        day = deadline.date()
        while _non_working(day, holidays):
            day -= timedelta(days=1)
        deadline = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return deadline.astimezone(ZoneInfo("UTC"))


def provider_holidays(db: Session, provider: Provider) -> set[date]:
    if not provider.cancellation_skip_weekends:
        return set()
    return set(db.exec(select(ProviderHoliday.day).where(ProviderHoliday.provider_id == provider.id)).all())
