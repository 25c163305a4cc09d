"""The admin CLI's session commands (sessions, attendance, cancel-session, restore-session, set-link), run as a
subprocess against its own SQLite file from an unrelated working directory, like tests/unit/test_cli.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_profile.clock import utcnow
from tests.cli_helpers import cli_runner, rows


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    run = cli_runner(tmp_path_factory.mktemp("cli-sessions"))
    assert run("demo").returncode == 0
    return run


def snapshot(db_file: Path) -> tuple:
    return (
        rows(db_file, "SELECT id, state, changed_at FROM attendance ORDER BY id"),
        rows(db_file, "SELECT id, status, online_link, note FROM class_session ORDER BY id"),
        rows(db_file, "SELECT id, online_link FROM class_group ORDER BY id"),
        rows(db_file, "SELECT id, data_version FROM family ORDER BY id"),
    )


def now_sql() -> str:
    """The test clock's now as SQLite compares it (never SQLite's own datetime('now'): the wall clock)."""
    return "'" + utcnow().strftime("%Y-%m-%d %H:%M:%S") + "'"


def swim_session(db_file: Path, upcoming: bool) -> int:
    op, order = (">", "ASC") if upcoming else ("<", "DESC")
    return rows(
        db_file,
        "SELECT s.id FROM class_session s JOIN class_group g ON g.id = s.class_id "
        f"WHERE g.name = 'Beginners - Tuesday 16:00' AND s.starts_at {op} {now_sql()} "
        f"ORDER BY s.starts_at {order} LIMIT 1",
    )[0][0]


def attendee(db_file: Path, first: str) -> int:
    return rows(db_file, f"SELECT id FROM attendee WHERE first_name = '{first}'")[0][0]


def novak_version(db_file: Path) -> int:
    return rows(db_file, "SELECT data_version FROM family WHERE name = 'Novak'")[0][0]


def test_sessions_lists_ids_local_times_status_and_counts(cli):
    result = cli("sessions", "--days", "8", "--past", "0")
    assert result.returncode == 0, result.stderr
    nxt = swim_session(cli.db_file, upcoming=True)
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith(f"{nxt} "))
    assert "16:00" in line and "16:45" in line and "scheduled" in line and "2 scheduled" in line
    assert "Swimming - Beginners / Beginners - Tuesday 16:00" in line
    assert "link: https://meet.example.com/little-otters-chess" in result.stdout

    chess_class = rows(cli.db_file, "SELECT id FROM class_group WHERE is_online = 1")[0][0]
    only = cli("sessions", "--class", str(chess_class), "--days", "8", "--past", "0")
    assert only.returncode == 0 and "Chess Online" in only.stdout and "Swimming" not in only.stdout


def test_attendance_lists_marks_and_undoes(cli):
    past = swim_session(cli.db_file, upcoming=False)
    ema = attendee(cli.db_file, "Ema")
    listed = cli("attendance", str(past))
    assert listed.returncode == 0, listed.stderr
    assert f"{ema}" in listed.stdout and "Ema Novak" in listed.stdout and "Lily Carter" in listed.stdout

    version = novak_version(cli.db_file)
    marked = cli("attendance", str(past), str(ema), "missed")
    assert marked.returncode == 0, marked.stderr
    assert "attended -> missed" in marked.stdout
    assert novak_version(cli.db_file) == version + 1
    again = cli("attendance", str(past), str(ema), "missed")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert novak_version(cli.db_file) == version + 1
    back = cli("attendance", str(past), str(ema), "attended")
    assert back.returncode == 0 and "missed -> attended" in back.stdout


def test_cancel_and_restore_a_session(cli):
    nxt = swim_session(cli.db_file, upcoming=True)
    version = novak_version(cli.db_file)
    cancelled = cli("cancel-session", str(nxt), "--note", "Pool closed")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled" in cancelled.stdout and "Pool closed" in cancelled.stdout
    assert rows(cli.db_file, f"SELECT status, note FROM class_session WHERE id = {nxt}") == [
        ("cancelled", "Pool closed")
    ]
    assert novak_version(cli.db_file) == version + 1
    twice = cli("cancel-session", str(nxt))
    assert twice.returncode == 1 and "already cancelled" in twice.stderr
    restored = cli("restore-session", str(nxt))
    assert restored.returncode == 0 and "scheduled again" in restored.stdout
    assert rows(cli.db_file, f"SELECT status, note FROM class_session WHERE id = {nxt}") == [
        ("scheduled", "")
    ]


def test_set_link_for_a_session_and_a_class(cli):
    chess_class = rows(cli.db_file, "SELECT id FROM class_group WHERE is_online = 1")[0][0]
    session = rows(
        cli.db_file,
        f"SELECT id FROM class_session WHERE class_id = {chess_class} "
        f"AND starts_at > {now_sql()} ORDER BY starts_at LIMIT 1",
    )[0][0]
    result = cli("set-link", "--session", str(session), "https://meet.example.com/room-2")
    assert result.returncode == 0, result.stderr
    assert "https://meet.example.com/room-2" in result.stdout
    cleared = cli("set-link", "--session", str(session), "")
    assert cleared.returncode == 0 and "class's link" in cleared.stdout
    klass = cli("set-link", "--class", str(chess_class), "https://meet.example.com/chess-new")
    assert klass.returncode == 0, klass.stderr
    assert rows(cli.db_file, f"SELECT online_link FROM class_group WHERE id = {chess_class}") == [
        ("https://meet.example.com/chess-new",)
    ]


def test_bad_input_exits_non_zero_and_changes_nothing(cli):
    upcoming = swim_session(cli.db_file, upcoming=True)
    past = swim_session(cli.db_file, upcoming=False)
    ema, jakub = attendee(cli.db_file, "Ema"), attendee(cli.db_file, "Jakub")
    chess_class = rows(cli.db_file, "SELECT id FROM class_group WHERE is_online = 1")[0][0]
    before = snapshot(cli.db_file)
    for args, code, message in (
        (("attendance", str(upcoming), str(ema), "attended"), 1, "has not started"),
        (("attendance", str(past), str(jakub), "attended"), 1, "has no place"),
        (("attendance", str(past), str(ema), "cancelled"), 2, "invalid choice"),
        (("attendance", "abc"), 2, "not a session id"),
        (("attendance", "999999", str(ema), "attended"), 1, "session was not found"),
        (("attendance", str(past), str(ema)), 1, "give the new state"),
        (("cancel-session", "0"), 2, "not a session id"),
        (("cancel-session", "999999"), 1, "session was not found"),
        (("cancel-session", str(past)), 1, "attendance marked"),
        (("restore-session", str(upcoming)), 1, "not cancelled"),
        (("set-link", "--session", str(upcoming), "https://meet.example.com/x"), 1, "not an online class"),
        (("set-link", "--class", str(chess_class), "javascript:alert(1)"), 1, "https://"),
        (("set-link", "https://meet.example.com/x"), 2, "one of the arguments"),
        (("set-link", "--class", "1", "--session", "1", "https://meet.example.com/x"), 2, "not allowed"),
        (("sessions", "--days", "-1"), 2, "number of days"),
        (("sessions", "--class", "999999"), 1, "class was not found"),
    ):
        result = cli(*args)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert snapshot(cli.db_file) == before
