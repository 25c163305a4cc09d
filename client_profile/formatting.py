"""Display formatting shared by services, pages, e-mails and PDFs: money in minor units, local times, class
schedules, initials. Pure functions of their arguments: no database, no services (integrations use it too)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from client_profile.models.base import as_utc

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CZK": "Kč", "HUF": "Ft", "PLN": "zł", "CHF": "CHF"}
# Currencies whose amounts have no minor units (the one list, also used when parsing amounts).
NO_MINOR_CURRENCIES = frozenset({"HUF", "JPY", "KRW", "ISK"})
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def money(amount_minor: int, currency: str) -> str:
    """12000, "EUR" -> "EUR 120.00" (an unambiguous, locale-neutral form)."""
    sign = "-" if amount_minor < 0 else ""
    value = abs(amount_minor)
    if currency.upper() in NO_MINOR_CURRENCIES:
        return f"{sign}{currency.upper()} {value:,}"
    return f"{sign}{currency.upper()} {value // 100:,}.{value % 100:02d}"


def local(dt: datetime, tz: str) -> datetime:
    return as_utc(dt).astimezone(ZoneInfo(tz))


def session_label(dt: datetime, tz: str) -> str:
    """ "Tue 1 Dec, 16:00" in the provider's timezone."""
    d = local(dt, tz)
    return f"{d:%a} {d.day} {d:%b}, {d:%H:%M}"


def schedule_label(weekday: int | None, start_time: time | None) -> str:
    """A class's weekly slot, "Tuesdays 16:00" ("" when the class has no fixed slot)."""
    if weekday is None or start_time is None:
        return ""
    return f"{WEEKDAYS[weekday]}s {start_time:%H:%M}"


def short_day(d: date | datetime, today: date | datetime) -> str:
    """ "Tue 1 Dec" for a day in the current year (of ``today``), "Tue 5 Jan 2027" for any other year."""
    year = "" if d.year == today.year else f" {d.year}"
    return f"{d:%a} {d.day} {d:%b}{year}"


def from_label(at: datetime, now: datetime) -> str:
    """When something becomes possible, both in local time: "today at 16:00", "tomorrow at 09:00" or
    "on Tue 8 Dec" (with the year outside the current one)."""
    days = (at.date() - now.date()).days
    if days <= 0:
        return f"today at {at:%H:%M}"
    if days == 1:
        return f"tomorrow at {at:%H:%M}"
    return f"on {short_day(at, now)}"


def day_label(d: date) -> str:
    return f"{d.day} {d:%b} {d.year}"


def initials(first: str, last: str = "") -> str:
    parts = [p for p in (first.strip(), last.strip()) if p]
    return "".join(p[0].upper() for p in parts)[:2] or "?"


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
