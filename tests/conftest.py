"""Shared fixtures.

The suite runs on SQLite by default. With TEST_DATABASE_URL (a PostgreSQL server URL, e.g.
postgresql+psycopg://postgres@127.0.0.1/test) it creates a fresh database on that server for the run.
Each test gets an empty schema: tables are truncated between tests.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="cp-tests-"))
os.environ["CLIENT_PROFILE_ENV"] = "test"
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ["BASE_URL"] = "http://localhost:3000"
os.environ["DEV_MAILBOX_DIR"] = str(_TMP / "mailbox")
os.environ.pop("SMTP_HOST", None)
os.environ.pop("REFLEX_REDIS_URL", None)


def _database_url() -> str:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{_TMP / 'test.db'}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"cp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


os.environ["REFLEX_DB_URL"] = _database_url()

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import client_profile.models  # noqa: E402,F401
from client_profile.db import get_engine  # noqa: E402
from client_profile.settings import reset_settings_cache  # noqa: E402


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
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.exec_driver_sql("DELETE FROM sqlite_sequence") if _has_sqlite_sequence(conn) else None
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _has_sqlite_sequence(conn) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").first() is not None


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


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread until the
    session ends, which asyncio-based tests cannot share."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.fspath).replace("\\", "/"))
    for item in items:
        if "/tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
