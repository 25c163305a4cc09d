"""Alembic environment: our SQLModel metadata, the URL from client_profile.settings."""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlmodel import SQLModel

import client_profile.models  # noqa: F401  (registers every table)
from alembic import context
from client_profile.db import engine_for
from client_profile.settings import get_settings

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
        with _migration_engine(url).connect() as connection:
            _run(connection)
            connection.commit()
    else:
        _run(connectable)


def _migration_engine(url: str):
    """SQLite rebuilds tables to alter them ("batch" mode); foreign keys must be off while it does."""
    if not url.startswith("sqlite"):
        return engine_for(url)
    engine = create_engine(url)
    event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA foreign_keys=OFF"))
    return engine


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations()
