"""Which sessions a class's schedule makes: pure date and time arithmetic, no database.

Rules (docs/decisions.md "The schedule in the console"):
- A weekly class meets on its weekday (0 = Monday, in the provider's timezone) on every week of its term, the
  term's first and last day included; a class with explicit dates meets on exactly those days.
- The provider's holidays are skipped (and reported back, so the console can say which days were left out).
- A session starts at the class's local wall-clock time on its day, whatever the UTC offset that day (so a
  16:00 class stays at 16:00 across the DST change) and lasts ``duration_minutes`` of real time.
- A local time that does not exist (the hour the clocks skip in spring) is moved forward by the gap: 02:30 on
  that night is 03:30 summer time. A local time that happens twice (the hour repeated in autumn) is its first
  occurrence (summer time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_SESSIONS = 400  # per class and schedule: a term of 7 years of weekly sessions is a typo, not a term


@dataclass(frozen=True, slots=True)
class Occurrence:
    day: date  # the local day
    starts_at: datetime  # aware UTC
    ends_at: datetime  # aware UTC


def local_instant(day: date, clock: time, tz: str) -> datetime:
    """The aware UTC instant of the local wall-clock time ``clock`` on ``day`` in ``tz`` (rules above)."""
    # fold=0: in the spring gap Python applies the offset from before the change, which lands after the gap by
    # its length; in the repeated autumn hour it picks the first occurrence. Both are the rules above.
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).replace(fold=0).astimezone(UTC)


def weekly_days(weekday: int, starts_on: date, ends_on: date) -> list[date]:
    """Every ``weekday`` from ``starts_on`` to ``ends_on``, both included."""
    first = starts_on + timedelta(days=(weekday - starts_on.weekday()) % 7)
    days = []
    day = first
    while day <= ends_on:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def occurrences(
    days: Iterable[date], start: time, duration_minutes: int, tz: str, holidays: Iterable[date] = ()
) -> tuple[list[Occurrence], list[date]]:
    """The sessions on ``days`` (each once, in order) that are not holidays, and the holidays left out."""
    closed = set(holidays)
    kept: list[Occurrence] = []
    skipped: list[date] = []
    length = timedelta(minutes=duration_minutes)
    for day in sorted(set(days)):
        if day in closed:
            skipped.append(day)
            continue
        starts = local_instant(day, start, tz)
        kept.append(Occurrence(day, starts, starts + length))
    return kept, skipped
