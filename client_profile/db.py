"""The one way to reach the database: an engine per URL and a unit-of-work helper.

State handlers and API routes open exactly one unit of work per request and hand the session to services.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from client_profile.settings import get_settings


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # pysqlite issues no BEGIN before SELECTs; start the transaction ourselves so read-then-write is atomic
    # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL" for pysqlite). A unit of work
    # that must not lose a race (the last place in a class) asks for IMMEDIATE: it takes the write lock first,
    # so no other writer can commit between its reads and its writes.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin)
    else:
        eng = create_engine(url, pool_pre_ping=True)
    return eng


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def unit_of_work(immediate: bool = False) -> Iterator[Session]:
    """One transaction: commits when the block ends normally, rolls back on any exception.

    `immediate=True` is for read-check-write transactions that race (capacity): on SQLite the transaction
    takes the write lock at BEGIN; on PostgreSQL the service locks the rows it depends on (FOR UPDATE).
    """
    engine = get_engine()
    if immediate and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
