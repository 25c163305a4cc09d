"""The admin CLI, run as a subprocess against its own SQLite file from an unrelated working directory."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import types
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.cli_helpers import ROOT, cli_runner, rows


def _head() -> str:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    return ScriptDirectory.from_config(cfg).get_current_head()


@pytest.fixture
def cli(tmp_path):
    return cli_runner(tmp_path)


_rows = rows


def _table_counts(db_file: Path) -> dict[str, int]:
    tables = [
        r[0]
        for r in _rows(
            db_file, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: _rows(db_file, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def _booking_of(db_file: Path, first_name: str) -> int:
    return _rows(
        db_file,
        "SELECT b.id FROM booking b JOIN attendee a ON a.id = b.attendee_id "
        f"WHERE a.first_name = '{first_name}'",
    )[0][0]


def test_migrate_creates_the_schema_on_an_empty_file(cli):
    result = cli("migrate")
    assert result.returncode == 0, result.stderr
    assert _head() in result.stdout
    tables = set(_table_counts(cli.db_file))
    assert {"provider", "client", "booking", "attendance", "invoice", "booking_share"} <= tables
    assert _rows(cli.db_file, "SELECT version_num FROM alembic_version") == [(_head(),)]
    again = cli("migrate")
    assert again.returncode == 0, again.stderr
    assert _rows(cli.db_file, "SELECT count(*) FROM provider") == [(0,)]


def test_migrate_refuses_tables_without_history(cli):
    with sqlite3.connect(cli.db_file) as conn:
        conn.execute("CREATE TABLE provider (id INTEGER PRIMARY KEY)")
    result = cli("migrate")
    assert result.returncode == 1
    assert "no migration history" in result.stderr
    assert "alembic_version" not in _table_counts(cli.db_file)


def test_demo_loads_once_and_reset_rebuilds(cli):
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    for email in ("anna@example.com", "ben@example.com", "peter@example.com"):
        assert email in result.stdout
    assert "Loaded" in result.stdout
    counts = _table_counts(cli.db_file)
    assert counts["provider"] == 1 and counts["client"] == 3

    again = cli("demo")
    assert again.returncode == 0, again.stderr
    assert "Already loaded" in again.stdout
    assert _table_counts(cli.db_file) == counts

    with sqlite3.connect(cli.db_file) as conn:
        conn.execute("UPDATE charge SET status = 'paid' WHERE status = 'unpaid'")
    reset = cli("demo", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert _table_counts(cli.db_file) == counts
    assert _rows(cli.db_file, "SELECT count(*) FROM charge WHERE status = 'unpaid'") == [(2,)]


def test_prepare_loads_the_demo_only_into_an_empty_database(cli):
    first = cli("prepare")
    assert first.returncode == 0, first.stderr
    assert "demo was loaded" in first.stdout
    counts = _table_counts(cli.db_file)
    assert counts["provider"] == 1
    second = cli("prepare")
    assert second.returncode == 0, second.stderr
    assert "no demo loaded" in second.stdout
    assert _table_counts(cli.db_file) == counts


def test_prepare_and_demo_leave_a_real_provider_alone(cli):
    assert cli("migrate").returncode == 0
    with sqlite3.connect(cli.db_file) as conn:
        conn.execute(
            "INSERT INTO provider (slug, name, currency, timezone, language, contact_email, "
            "contact_phone, website, brand_color, logo_url, makeups_enabled, makeup_from_cancelled, "
            "makeup_from_missed, makeup_validity_days, makeup_window_days, makeup_min_hours_before, "
            "makeup_extra_capacity, cancellation_deadline_hours, online_payment_enabled, "
            "invoicing_enabled, bank_account_name, bank_iban, bank_bic, bank_reference_hint, "
            "invoice_address, livestream_enabled, created_at) VALUES ('real', 'Real Club', 'EUR', "
            "'UTC', 'en', '', '', '', '#000000', '', 1, 1, 1, 90, 4, 2, 0, 24, 0, 0, "
            "'', '', '', '', '', 1, '2026-01-01 00:00:00')"
        )
    before = _table_counts(cli.db_file)
    prepared = cli("prepare")
    assert prepared.returncode == 0, prepared.stderr
    assert "Real Club" in prepared.stdout
    demo = cli("demo")
    assert demo.returncode == 1
    assert "Real Club" in demo.stderr and "Nothing was changed" in demo.stderr
    assert _table_counts(cli.db_file) == before


def test_share_and_unshare(cli):
    assert cli("demo").returncode == 0
    booking_id = _booking_of(cli.db_file, "Lily")
    shared = cli("share", str(booking_id), "  Grandma@Example.COM ", "--pay", "--no-notify")
    assert shared.returncode == 0, shared.stderr
    assert "grandma@example.com" in shared.stdout and "pay" in shared.stdout
    row = _rows(
        cli.db_file,
        "SELECT s.notify, s.can_pay, s.can_manage, s.revoked_at, c.family_id "
        "FROM booking_share s JOIN client c ON c.id = s.grantee_client_id "
        f"WHERE s.booking_id = {booking_id} AND s.grantee_email = 'grandma@example.com'",
    )
    assert row == [(0, 1, 0, None, None)]

    unshared = cli("unshare", str(booking_id), "GRANDMA@example.com")
    assert unshared.returncode == 0, unshared.stderr
    assert _rows(
        cli.db_file,
        "SELECT revoked_at IS NOT NULL FROM booking_share WHERE grantee_email = 'grandma@example.com'",
    ) == [(1,)]
    twice = cli("unshare", str(booking_id), "grandma@example.com")
    assert twice.returncode == 1 and "not found" in twice.stderr


def test_share_validation(cli):
    assert cli("demo").returncode == 0
    ema = str(_booking_of(cli.db_file, "Ema"))
    before = _table_counts(cli.db_file)
    for args, code, message in (
        (("share", "abc", "x@example.com"), 2, "not a booking id"),
        (("share", "0", "x@example.com"), 2, "not a booking id"),
        (("share", "1"), 2, "EMAIL"),
        (("share", "99999", "x@example.com"), 1, "booking was not found"),
        (("share", ema, "not-an-email"), 1, "valid e-mail"),
        (("share", ema, "anna@example.com"), 1, "family"),
        (("unshare", ema, "nobody@example.com"), 1, "share was not found"),
        (("unshare", "-5", "nobody@example.com"), 2, "not a booking id"),
        (("share", "1", "x@example.com", "--bogus"), 2, "unrecognized"),
    ):
        result = cli(*args)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert _table_counts(cli.db_file) == before


def test_share_before_migrate_explains(cli):
    result = cli("share", "1", "x@example.com")
    assert result.returncode == 1
    assert "client-profile migrate" in result.stderr


def test_configuration_errors_exit_non_zero(cli):
    result = cli("migrate", CLIENT_PROFILE_ENV="production", SECRET_KEY="")
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr
    assert not cli.db_file.exists() or "provider" not in _table_counts(cli.db_file)


def test_no_command_is_a_usage_error(cli):
    result = cli()
    assert result.returncode == 2 and "COMMAND" in result.stderr


def test_worker_runs_until_sigterm(monkeypatch, capsys):
    """The worker command hands run_worker an Event that SIGTERM sets, with the poll interval given."""
    from client_profile import cli as cli_module

    seen: dict = {}

    async def run_worker(stop: asyncio.Event, poll_seconds: float) -> None:
        seen["poll"] = poll_seconds
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), timeout=10)
        seen["stopped"] = stop.is_set()

    fake = types.ModuleType("client_profile.worker")
    fake.run_worker = run_worker
    monkeypatch.setitem(sys.modules, "client_profile.worker", fake)
    assert cli_module.main(["worker", "--poll-seconds", "0.5"]) == 0
    assert seen == {"poll": 0.5, "stopped": True}
    assert "Outbox worker stopped" in capsys.readouterr().out


def test_worker_rejects_a_bad_poll_interval(capsys):
    from client_profile import cli as cli_module

    with pytest.raises(SystemExit) as exc:
        cli_module.main(["worker", "--poll-seconds", "0"])
    assert exc.value.code == 2
    assert "poll interval" in capsys.readouterr().err
