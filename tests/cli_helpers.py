"""Run the `client-profile` command as a self-hoster would: a subprocess on its own SQLite file, started from
another directory, on the suite's clock. Not a test module."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.clock_helpers import child_clock

ROOT = Path(__file__).resolve().parents[1]


def cli_runner(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """`run(*args, **env_overrides)` runs the CLI on `tmp_path/cli.db`; `run.db_file` is that file."""
    db_file = tmp_path / "cli.db"
    drop = ("TEST_DATABASE_URL", "SMTP_HOST", "REFLEX_REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        CLIENT_PROFILE_ENV="test",
        SECRET_KEY="cli-test-" + uuid.uuid4().hex * 2,
        REFLEX_DB_URL=f"sqlite:///{db_file}",
        DEV_MAILBOX_DIR=str(tmp_path / "mailbox"),
        PYTHONPATH=str(ROOT),
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()

    def run(*args: str, **overrides: str) -> subprocess.CompletedProcess:
        child = {**env, **overrides}
        return subprocess.run(
            [sys.executable, "-m", "client_profile.cli", *args],
            check=False,
            cwd=workdir,
            env={**child_clock(child), **child},
            capture_output=True,
            text=True,
            timeout=120,
        )

    run.db_file = db_file
    return run


def rows(db_file: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()
