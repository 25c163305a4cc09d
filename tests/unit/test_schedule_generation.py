"""Schedule generation (services.schedule.generation): term edges, holidays, DST weeks. Pure functions, fixed
days: nothing here depends on the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from client_profile.services.schedule.generation import local_instant, occurrences, weekly_days

TZ = "Europe/Bratislava"


def test_term_edges_are_included_when_they_fall_on_the_weekday():
    # 2026-09-01 and 2026-12-29 are Tuesdays.
    days = weekly_days(1, date(2026, 9, 1), date(2026, 12, 29))
    assert days[0] == date(2026, 9, 1) and days[-1] == date(2026, 12, 29)
    assert len(days) == 18
    assert all(d.weekday() == 1 for d in days)


def test_term_starting_midweek_begins_on_the_next_weekday():
    days = weekly_days(1, date(2026, 9, 2), date(2026, 9, 14))  # Wed .. Mon
    assert days == [date(2026, 9, 8)]


def test_a_term_without_that_weekday_has_no_sessions():
    assert weekly_days(0, date(2026, 9, 1), date(2026, 9, 6)) == []  # Tue .. Sun
    assert weekly_days(1, date(2026, 9, 1), date(2026, 9, 1)) == [date(2026, 9, 1)]  # one-day term


def test_holidays_are_skipped_and_reported():
    days = weekly_days(1, date(2026, 12, 15), date(2027, 1, 12))
    kept, skipped = occurrences(days, time(16, 0), 45, TZ, {date(2026, 12, 22), date(2026, 12, 29)})
    assert [o.day for o in kept] == [date(2026, 12, 15), date(2027, 1, 5), date(2027, 1, 12)]
    assert skipped == [date(2026, 12, 22), date(2026, 12, 29)]


def test_local_time_is_kept_across_the_dst_change():
    # Europe/Bratislava: summer time ends 2026-10-25, starts 2027-03-28.
    days = weekly_days(1, date(2026, 10, 20), date(2026, 11, 3))
    kept, _ = occurrences(days, time(16, 0), 45, TZ)
    assert [o.starts_at for o in kept] == [
        datetime(2026, 10, 20, 14, 0, tzinfo=UTC),  # CEST, +02:00
        datetime(2026, 10, 27, 15, 0, tzinfo=UTC),  # CET, +01:00
        datetime(2026, 11, 3, 15, 0, tzinfo=UTC),
    ]
    assert all(o.ends_at - o.starts_at == timedelta(minutes=45) for o in kept)
    spring, _ = occurrences([date(2027, 3, 23), date(2027, 3, 30)], time(16, 0), 45, TZ)
    assert [o.starts_at.hour for o in spring] == [15, 14]


def test_a_session_over_the_changeover_night_lasts_its_real_duration():
    kept, _ = occurrences([date(2026, 10, 24)], time(23, 0), 240, TZ)  # 23:00 CEST for 4 hours
    (occ,) = kept
    assert occ.ends_at - occ.starts_at == timedelta(hours=4)
    assert occ.ends_at.astimezone(occ.starts_at.tzinfo) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


def test_a_time_in_the_spring_gap_moves_forward_and_a_repeated_time_is_the_first():
    gap = local_instant(date(2027, 3, 28), time(2, 30), TZ)  # 02:00-03:00 does not exist that night
    assert gap == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # = 03:30 CEST
    twice = local_instant(date(2026, 10, 25), time(2, 30), TZ)  # 02:00-03:00 happens twice
    assert twice == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first one, CEST


def test_dates_are_made_once_and_in_order():
    kept, skipped = occurrences(
        [date(2026, 7, 8), date(2026, 7, 6), date(2026, 7, 8)], time(9, 0), 360, TZ, {date(2026, 7, 7)}
    )
    assert [o.day for o in kept] == [date(2026, 7, 6), date(2026, 7, 8)]
    assert skipped == []
