"""The one clock of the app, the demo and the worker: every "now" and "today" comes from here.

``utcnow()`` is the real time, unless the development/test setting CLIENT_PROFILE_NOW names an instant: then
this process's clock starts at that instant (the first time it is read) and advances with real time, i.e. a
fixed offset from the wall clock. Production refuses that setting at start-up (settings.py), so there the
offset is always zero. Tests do not use the setting: they freeze or shift Python's own clock with
time-machine, which this module follows because it reads ``datetime.now``.

Only "what time is it for the business" lives here. Intervals (timeouts, polling, rate of retries) use
``time.monotonic``; values handed to a system with its own clock (Stripe's ``expires_at``) are converted back
with ``to_wall`` so they mean the same moment there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from client_profile.settings import get_settings

_ZERO = timedelta(0)
# (the settings object the offset was computed for, the offset): recomputed when the settings are reloaded.
_cached: tuple[object, timedelta] | None = None


def _offset() -> timedelta:
    global _cached
    settings = get_settings()
    if _cached is None or _cached[0] is not settings:
        start = settings.clock_start
        _cached = (settings, (start - datetime.now(UTC)) if start is not None else _ZERO)
    return _cached[1]


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    now = datetime.now(UTC)
    offset = _offset()
    return now + offset if offset else now


def today(tz: str | tzinfo) -> date:
    """Today's date in a timezone (a provider's, usually), by this clock."""
    return utcnow().astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).date()


def to_wall(instant: datetime) -> datetime:
    """The wall-clock instant that corresponds to an instant of this clock (they differ only under
    CLIENT_PROFILE_NOW), for timestamps read by a system that keeps real time."""
    return instant - _offset()
