"""client_profile.clock: one clock for the app, the demo and the worker; CLIENT_PROFILE_NOW shifts it outside
production only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from pydantic import ValidationError

from client_profile import clock
from client_profile.models import utcnow as models_utcnow
from client_profile.settings import Settings, reset_settings_cache
from tests.unit.test_cli import cli  # noqa: F401 (fixture)

START = "2026-12-03T07:10:00+00:00"  # a Thursday morning
REAL = datetime(2031, 5, 6, 12, 0, tzinfo=UTC)  # "the wall clock", frozen by time-machine


@pytest.fixture
def shifted(monkeypatch):
    monkeypatch.setenv("CLIENT_PROFILE_NOW", START)
    reset_settings_cache()
    yield
    monkeypatch.delenv("CLIENT_PROFILE_NOW")
    reset_settings_cache()


def test_without_the_setting_the_clock_is_the_wall_clock():
    with time_machine.travel(REAL, tick=False):
        assert clock.utcnow() == REAL and models_utcnow() == REAL
        assert clock.today("Europe/Bratislava") == date(2031, 5, 6)
        assert clock.to_wall(REAL) == REAL


def test_the_setting_starts_the_clock_at_that_instant_and_it_then_advances_with_real_time(shifted):
    with time_machine.travel(REAL, tick=False) as traveller:
        assert clock.utcnow() == datetime.fromisoformat(START)  # the first reading starts it
        traveller.shift(timedelta(minutes=90))  # real time passes
        assert clock.utcnow() == datetime.fromisoformat(START) + timedelta(minutes=90)
        assert models_utcnow() == clock.utcnow()  # the models' and services' utcnow is the same clock
        # A moment of this clock, told to a system that keeps real time (Stripe's expires_at).
        assert clock.to_wall(clock.utcnow() + timedelta(hours=1)) == REAL + timedelta(minutes=150)


def test_today_is_the_local_date_of_the_shifted_clock(monkeypatch):
    monkeypatch.setenv("CLIENT_PROFILE_NOW", "2026-12-03T23:30:00+00:00")
    reset_settings_cache()
    try:
        # 23:30 UTC on 3 December is already 4 December in Bratislava.
        assert clock.today("Europe/Bratislava") == date(2026, 12, 4)
        assert clock.today(UTC) == date(2026, 12, 3)
    finally:
        monkeypatch.delenv("CLIENT_PROFILE_NOW")
        reset_settings_cache()


def test_production_refuses_the_setting_with_a_clear_message():
    prod = {"CLIENT_PROFILE_ENV": "production", "SECRET_KEY": "p" * 40, "SMTP_HOST": "smtp.example.org"}
    assert Settings(**prod).clock_start is None
    with pytest.raises(ValidationError, match="CLIENT_PROFILE_NOW .* refused in production"):
        Settings(**prod, CLIENT_PROFILE_NOW=START)
    for env in ("development", "test"):
        shifted = Settings(CLIENT_PROFILE_ENV=env, CLIENT_PROFILE_NOW=START)
        assert shifted.clock_start == datetime.fromisoformat(START)
    assert Settings(CLIENT_PROFILE_ENV="test", CLIENT_PROFILE_NOW="").clock_start is None
    with pytest.raises(ValidationError, match="UTC offset"):
        Settings(CLIENT_PROFILE_ENV="test", CLIENT_PROFILE_NOW="2026-12-03T07:10:00")  # which timezone?


def test_the_cli_refuses_it_in_production_and_loads_the_demo_at_it_elsewhere(cli):  # noqa: F811
    refused = cli(
        "migrate",
        CLIENT_PROFILE_ENV="production",
        SECRET_KEY="p" * 40,
        SMTP_HOST="smtp.example.org",
        CLIENT_PROFILE_NOW=START,
    )
    assert refused.returncode == 1
    assert "CLIENT_PROFILE_NOW" in refused.stderr and "refused in production" in refused.stderr
    assert cli("migrate").returncode == 0
    assert cli("demo", CLIENT_PROFILE_NOW=START).returncode == 0
    with sqlite3.connect(cli.db_file) as conn:
        [(due,)] = conn.execute(
            "SELECT due_on FROM charge WHERE description = 'Autumn term fee' AND status = 'unpaid'"
        ).fetchall()
    assert due == "2026-12-10"  # a week after the shifted "today", whatever the real date


def test_test_now_is_parsed_drawn_and_handed_to_child_processes(monkeypatch):
    from tests.clock_helpers import child_clock, draw, parse

    assert parse("2026-12-05T23:30:00+01:00") == datetime(2026, 12, 5, 22, 30, tzinfo=UTC)
    assert parse("2026-12-05T22:30:00Z") == datetime(2026, 12, 5, 22, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="UTC offset"):
        parse("2026-12-05T22:30:00")
    with time_machine.travel(REAL, tick=False):
        drawn = [parse(draw()) for _ in range(50)]
        assert all(abs(d - REAL) <= timedelta(days=365) and d.second == 0 for d in drawn)
        assert len(set(drawn)) > 1
        monkeypatch.setenv("TEST_NOW", REAL.isoformat())
        assert child_clock({"CLIENT_PROFILE_ENV": "test"}) == {"CLIENT_PROFILE_NOW": REAL.isoformat()}
        assert child_clock({"CLIENT_PROFILE_ENV": "production"}) == {}  # production refuses a shifted clock
        monkeypatch.delenv("TEST_NOW")
        assert child_clock({"CLIENT_PROFILE_ENV": "test"}) == {}


def test_under_test_now_the_suite_runs_at_that_instant():
    import os

    from tests.clock_helpers import parse

    if not os.environ.get("TEST_NOW"):
        pytest.skip("TEST_NOW is not set: the suite runs at the real time")
    TEST_NOW = parse(os.environ["TEST_NOW"])  # noqa: N806
    # Started at TEST_NOW when the run began, and running on since (no suite takes a day).
    assert TEST_NOW <= clock.utcnow() < TEST_NOW + timedelta(days=1)
