"""GET /account/my-data.zip: the session cookie plus a fresh step-up grant; a zip, never cached."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import time_machine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from client_profile.db import get_engine
from client_profile.models import Client, utcnow
from client_profile.services.people import auth, my_data
from tests.unit.test_my_data import step_up_code

BASE = "http://localhost:3000"
PATH = "/account/my-data.zip"


def _session(email: str, *, step_up: bool) -> dict[str, str]:
    with Session(get_engine()) as db:
        client = db.exec(select(Client).where(Client.email == email)).one()
        token, _ = auth.create_session(db, client.id, client.session_epoch)
        db.commit()
        if step_up:
            principal = auth.principal_for_token(db, token)
            auth.request_step_up(db, principal)
            db.commit()
            auth.verify_step_up(db, principal, step_up_code(db))
            db.commit()
    return {auth.session_cookie_name(): token}


def test_anna_downloads_her_familys_zip_after_a_fresh_code(demo, api):
    with TestClient(api, base_url=BASE, cookies=_session("anna@example.com", step_up=True)) as client:
        r = client.get(PATH)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"].startswith('attachment; filename="my-data-')
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert set(my_data.JSON_FILES) <= set(names) and any(n.startswith("invoices/") for n in names)
    text = b"".join(zipfile.ZipFile(io.BytesIO(r.content)).read(n) for n in names if n.endswith(".json"))
    assert b"Jakub" in text and b"Ema" in text and b"Lily" not in text and b"Carter" not in text


def test_without_step_up_expired_or_without_a_session_it_is_refused(demo, api):
    with TestClient(api, base_url=BASE, cookies=_session("anna@example.com", step_up=False)) as client:
        r = client.get(PATH)
        assert r.status_code == 403 and b"fresh code" in r.content and b"PK" not in r.content[:2]
        assert r.headers["cache-control"] == "no-store"
    cookies = _session("anna@example.com", step_up=True)
    with (
        time_machine.travel(utcnow() + timedelta(minutes=6), tick=False),
        TestClient(api, base_url=BASE, cookies=cookies) as client,
    ):
        assert client.get(PATH).status_code == 403
    with TestClient(api, base_url=BASE) as anonymous:
        r = anonymous.get(PATH, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with TestClient(api, base_url=BASE, cookies={auth.session_cookie_name(): "A" * 43}) as forged:
        assert forged.get(PATH, follow_redirects=False).status_code == 303
