"""Shared fixtures.

The suite runs on SQLite by default. With TEST_DATABASE_URL (a PostgreSQL server URL, e.g.
postgresql+psycopg://postgres@127.0.0.1/test) it creates a fresh database on that server for the run.
Each test gets an empty schema: tables are truncated between tests.

The clock: with TEST_NOW (an ISO instant, e.g. TEST_NOW=2026-12-03T07:10:00+00:00) the run starts at that
instant and time then runs on (time-machine, tick=True: sleeps and timeouts still work), and the browser tests
start the app with CLIENT_PROFILE_NOW at it. Without TEST_NOW the tests run at the real time. `make test` and
.ci/run draw a random TEST_NOW when none is given and print it; the header of every run says how to replay it.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tests.db_helpers import fresh_database_url

_TMP = Path(tempfile.mkdtemp(prefix="cp-tests-"))
os.environ["CLIENT_PROFILE_ENV"] = "test"
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ["BASE_URL"] = "http://localhost:3000"
os.environ["DEV_MAILBOX_DIR"] = str(_TMP / "mailbox")
os.environ.pop("SMTP_HOST", None)
os.environ.pop("REFLEX_REDIS_URL", None)
# The test process's clock is set with TEST_NOW (below), never by the app's development setting.
os.environ.pop("CLIENT_PROFILE_NOW", None)


os.environ["REFLEX_DB_URL"] = fresh_database_url(_TMP / "test.db", "cp_test")

import pytest  # noqa: E402
import time_machine  # noqa: E402

from tests.clock_helpers import parse as _parse_instant  # noqa: E402

# Started here, before the test modules are imported, so that module-level constants see TEST_NOW too.
TEST_NOW = _parse_instant(os.environ["TEST_NOW"]) if os.environ.get("TEST_NOW") else None
_TRAVEL = time_machine.travel(TEST_NOW, tick=True) if TEST_NOW else None
if _TRAVEL is not None:
    _TRAVEL.start()
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import client_profile.models  # noqa: E402,F401
from client_profile.db import get_engine  # noqa: E402
from client_profile.settings import reset_settings_cache  # noqa: E402
from tests.payment_helpers import WEBHOOK_SECRET  # noqa: E402
from tests.smtp_helpers import free_port  # noqa: E402
from tests.stripe_stub.localstripe_ext import shared_localstripe  # noqa: E402


@pytest.fixture(scope="session")
def engine():
    reset_settings_cache()
    eng = get_engine()
    SQLModel.metadata.drop_all(eng)
    SQLModel.metadata.create_all(eng)
    yield eng


def _truncate(eng) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.exec_driver_sql("DELETE FROM sqlite_sequence") if _has_sqlite_sequence(conn) else None
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _has_sqlite_sequence(conn) -> bool:
    return (
        conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").first() is not None
    )


@pytest.fixture
def clean_db(engine):
    """An empty schema for this test."""
    _truncate(engine)
    yield engine


@pytest.fixture
def db(clean_db):
    """A session on an empty schema; the test commits what it needs."""
    with Session(clean_db, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def demo(db):
    """The demo provider loaded (at the clock's now) and committed; the session to read it. A test module that
    needs more (photos, particular rows) defines its own `demo`, which takes precedence."""
    from client_profile.services.demo import load_demo

    load_demo(db)
    db.commit()
    return db


# The Stripe stand-in (localstripe + the test-only Checkout extension, GPL, never a runtime dependency): started
# once per run on loopback when a test asks for it; `stripe_env` points the app's settings at it.
@pytest.fixture(scope="session")
def localstripe():
    yield shared_localstripe(free_port())  # a daemon thread; ends with the test process


@pytest.fixture
def stripe_env(localstripe, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_localstripe")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", localstripe.url)
    reset_settings_cache()
    yield localstripe
    monkeypatch.undo()
    reset_settings_cache()


@pytest.fixture(scope="module")
def api():
    """The app's HTTP API (FastAPI, with the Reflex app mounted), for a TestClient."""
    from client_profile.client_profile import api as app_api  # builds the whole app: only when asked for

    return app_api


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread until the
    session ends, which asyncio-based tests cannot share."""
    items.sort(key=_is_e2e)
    for item in items:
        if _is_e2e(item):
            item.add_marker(pytest.mark.e2e)


def _is_e2e(item) -> bool:
    return "/tests/e2e/" in str(item.fspath).replace("\\", "/")


def _replay() -> str:
    return f"TEST_NOW={TEST_NOW.isoformat()} make test" if TEST_NOW else ""


def pytest_report_header(config):
    if TEST_NOW is None:
        start = datetime.now(UTC).replace(microsecond=0).isoformat()
        return f"clock: real time, started {start} (to replay about then: TEST_NOW={start} make test)"
    return f"clock: TEST_NOW={TEST_NOW.isoformat()} (replay: {_replay()})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under TEST_NOW the clock started at that instant when the run began and runs on, never back (module
    constants and fixtures made earlier stay in the past). A failing test's report says when it started.

    Browser tests run on the real clock in this process: the app they drive runs in its own process with
    CLIENT_PROFILE_NOW (tests/e2e/conftest.py), and what this process serves them must keep real time: the
    Stripe stand-in signs webhooks with time.time(), and the app's stripe library rejects a signature more
    than 5 minutes away from its own (real) time.time(); the SMTP server and Chromium keep real time anyway.
    """
    global _TRAVEL
    if _TRAVEL is not None and _is_e2e(item):
        _TRAVEL.stop()
        _TRAVEL = None
    item.stash[_STARTED] = datetime.now(UTC)
    return (yield)


_STARTED = pytest.StashKey[datetime]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and TEST_NOW is not None and _STARTED in item.stash and not _is_e2e(item):
        at = item.stash[_STARTED].replace(microsecond=0).isoformat()
        report.sections.append(
            (
                "clock",
                f"this test started at {at}; replay it alone: "
                f"TEST_NOW={at} .venv/bin/python -m pytest '{item.nodeid}'",
            )
        )
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TEST_NOW is not None and exitstatus not in (0, 5):
        terminalreporter.write_line(f"Ran at TEST_NOW={TEST_NOW.isoformat()}; replay: {_replay()}", red=True)
