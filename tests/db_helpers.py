"""A fresh database for a test run: a new SQLite file, or a new database on the TEST_DATABASE_URL server.
Imported by tests/conftest.py before the app's settings are read, so it imports nothing of the app."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def fresh_database_url(sqlite_file: Path, prefix: str) -> str:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{sqlite_file}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)
