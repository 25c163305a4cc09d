"""`client-profile import FILE [--dry-run]` as a self-hoster runs it: the dry run prints every row's outcome and
every error (exit 1 on errors, nothing written), the import is all or nothing, and importing again changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_profile.clock import today
from client_profile.services.people.csv_import import COLUMNS
from tests.cli_helpers import cli_runner, rows


@pytest.fixture
def cli(tmp_path):
    run = cli_runner(tmp_path)
    result = run("demo")
    assert result.returncode == 0, result.stderr
    return run


def _counts(db_file: Path) -> dict[str, int]:
    tables = [
        r[0]
        for r in rows(
            db_file, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: rows(db_file, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def _file(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(";".join(COLUMNS) + "\n" + body, encoding="utf-8-sig")
    return str(path)


def _good(cli) -> str:
    juniors = rows(cli.db_file, "SELECT id FROM class_group WHERE name = 'Juniors - Saturday 10:00'")[0][0]
    start = today("Europe/Bratislava").isoformat()
    return (
        f"Horvat;eva.horvat@example.com;Eva Horvat;;;;Tomas;Horvat;12.4.2018;{juniors};{start}\n"
        "Kral;peter.kral@example.com;Peter Kral;;;;Filip;Kral;2017-11-30;;\n"
    )


def test_the_cli_dry_run_lists_errors_and_writes_nothing(cli, tmp_path):
    assert "import_upload" in _counts(cli.db_file)  # the migration made the uploads' table
    before = _counts(cli.db_file)
    path = _file(tmp_path, "broken.csv", _good(cli) + "Bielik;not-an-email;;;;;Adam;Bielik;2017-31-01;;\n")
    result = cli("import", path, "--dry-run")
    assert result.returncode == 1, result.stdout
    assert (
        "row    2  new        Horvat / Tomas Horvat: New family, new attendee, enrolled in" in result.stdout
    )
    assert "row 4, column client_email: Please enter a valid e-mail address." in result.stdout
    assert "row 4, column birth_date: Enter the date as YYYY-MM-DD or D.M.YYYY" in result.stdout
    assert "Dry run, nothing was written: 3 rows" in result.stdout
    assert _counts(cli.db_file) == before
    refused = cli("import", path)
    assert refused.returncode == 1
    assert "client-profile import: Nothing was imported: the file has 2 errors." in refused.stderr
    assert _counts(cli.db_file) == before


def test_the_cli_imports_once(cli, tmp_path):
    path = _file(tmp_path, "good.csv", _good(cli))
    dry = cli("import", path, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    done = cli("import", path)
    assert done.returncode == 0, done.stderr
    assert "Imported good.csv: 2 rows: 2 new families" in done.stdout
    assert rows(cli.db_file, "SELECT actor FROM audit_entry WHERE action = 'families.import'") == [
        ("operator (client-profile import)",)
    ]
    after = _counts(cli.db_file)
    again = cli("import", path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged") >= 2 and "2 unchanged, 0 errors" in again.stdout
    assert _counts(cli.db_file) == after
    missing = cli("import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "Cannot read" in missing.stderr
