"""Helpers shared by the login tests (unit, api, security). Not a test module."""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import event, select
from starlette.testclient import TestClient

from client_profile.db import get_engine, unit_of_work
from client_profile.integrations.crypto import unseal
from client_profile.models import Client, OutboxMessage, Provider
from client_profile.settings import reset_settings_cache

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@contextmanager
def override_env(**values: str | None):
    """Set (or with None, unset) environment variables and rebuild settings; restore both afterwards."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings_cache()
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings_cache()


def make_client(
    email: str = "ann@example.com",
    *,
    active: bool = True,
    provider_name: str = "Little Otters",
    brand: str = "#0d9488",
) -> tuple[int, int]:
    """A provider (created once) and a client. Returns (provider_id, client_id)."""
    with unit_of_work() as db:
        provider = db.execute(select(Provider).order_by(Provider.id)).scalars().first()
        if provider is None:
            provider = Provider(slug="otters", name=provider_name, brand_color=brand)
            db.add(provider)
            db.flush()
        client = Client(provider_id=provider.id, email=email, full_name="Ann Example", is_active=active)
        db.add(client)
        db.flush()
        return provider.id, client.id


def last_mail_secrets() -> dict:
    """The code and link token sealed into the newest login outbox row (before the worker wipes them)."""
    with unit_of_work() as db:
        row = (
            db.execute(
                select(OutboxMessage).where(OutboxMessage.kind == "login").order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert row is not None, "no login mail was queued"
        return json.loads(unseal(row.payload["_sealed"]))


def outbox_count() -> int:
    with unit_of_work() as db:
        return len(db.execute(select(OutboxMessage.id)).all())


def build_app() -> FastAPI:
    from client_profile.api import auth as auth_api
    from client_profile.api import dev_mailbox

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(auth_api.router)
    app.include_router(dev_mailbox.router)
    return app


def http_client(
    base_url: str = "http://localhost:3000", client: tuple[str, int] = ("203.0.113.7", 40000)
) -> TestClient:
    return TestClient(build_app(), base_url=base_url, follow_redirects=False, client=client)


def read_eml(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


_CODE_RE = re.compile(r"^\s+(\d{3}) (\d{3})\s*$", re.M)
_LINK_RE = re.compile(r"/auth/link/([A-Za-z0-9_-]{43})")


def secrets_from_text(text: str) -> tuple[str, str]:
    """(code, link token) from a login mail's plain text."""
    code = _CODE_RE.search(text)
    link = _LINK_RE.search(text)
    assert code and link, text
    return code.group(1) + code.group(2), link.group(1)


def newest_dev_mail(folder: Path):
    files = sorted(folder.glob("*.eml"))
    assert files, f"no mail in {folder}"
    return read_eml(files[-1])


class StatementCounter:
    """Counts SQL statements and the rows DML statements wrote, through an engine event listener."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.rows_written = 0

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            return
        self.statements.append(statement)
        if (
            verb == "INSERT"
        ):  # RETURNING makes sqlite3's rowcount 0 until fetched; our INSERTs write one row each
            self.rows_written += len(parameters) if executemany else 1
        elif verb in ("UPDATE", "DELETE") and cursor.rowcount and cursor.rowcount > 0:
            self.rows_written += cursor.rowcount

    def __enter__(self) -> StatementCounter:
        event.listen(get_engine(), "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(get_engine(), "after_cursor_execute", self._after)


def principal_of(db, email: str):
    """The Principal a logged-in client would have (session id 0: for service calls, never for a cookie)."""
    from sqlmodel import select as sql_select

    from client_profile.services.people.identity import Principal

    c = db.exec(sql_select(Client).where(Client.email == email)).one()
    return Principal(
        client_id=c.id,
        provider_id=c.provider_id,
        family_id=c.family_id,
        session_id=0,
        email=c.email,
        full_name=c.full_name,
    )
