"""Fixtures for the payment tests: localstripe (+ Checkout) on loopback, Stripe settings, the demo, helpers
that sign webhook events exactly as Stripe does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import httpx
import pytest
from sqlmodel import Session, select

from client_profile.db import get_engine

from client_profile.models import Charge, Client
from client_profile.services import auth
from client_profile.services.demo import load_demo
from client_profile.services.identity import Principal
from client_profile.settings import reset_settings_cache
from tests.login_helpers import principal_of
from tests.stripe_stub.localstripe_ext import shared_localstripe

WEBHOOK_SECRET = "whsec_test_" + "s" * 24


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe():
    yield shared_localstripe(_free_port())  # a daemon thread; ends with the test process


@pytest.fixture
def stripe_env(localstripe, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_localstripe")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", localstripe.url)
    reset_settings_cache()
    yield localstripe
    monkeypatch.undo()
    reset_settings_cache()


@pytest.fixture
def demo(db):
    load_demo(db)
    db.commit()
    db.close()  # tests read through fresh sessions (see below)
    return db


# The helpers use short sessions of their own: a test's long-lived session holding a read snapshot would make
# SQLite refuse its next write once the code under test has committed.


def principal(_db, email: str) -> Principal:
    with Session(get_engine()) as db:
        return principal_of(db, email)


def session_cookie(_db, email: str) -> dict[str, str]:
    with Session(get_engine()) as db:
        client = db.exec(select(Client).where(Client.email == email)).one()
        token, _ = auth.create_session(db, client.id, client.session_epoch)
        db.commit()
    return {auth.session_cookie_name(): token}


def unpaid_ids(_db, email: str) -> list[int]:
    fam = principal(None, email).family_id
    with Session(get_engine()) as db:
        return [c.id for c in db.exec(select(Charge).where(Charge.family_id == fam, Charge.status == "unpaid")
                                      .order_by(Charge.id)).all()]


def pay_on_hosted_page(url: str, action: str = "paid") -> httpx.Response:
    return httpx.post(url, data={"action": action}, follow_redirects=False, timeout=10)


def signed_event(event_type: str, session_id: str, event_id: str | None = None, secret: str = WEBHOOK_SECRET,
                 timestamp: int | None = None) -> tuple[bytes, str]:
    """A Stripe event (snapshot payload) and its Stripe-Signature header (v1 = HMAC-SHA256 of "t.body")."""
    ts = int(time.time()) if timestamp is None else timestamp
    body = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex[:20]}", "object": "event", "type": event_type,
                       "created": ts, "api_version": "2017-08-15", "livemode": False,
                       "data": {"object": {"id": session_id, "object": "checkout.session"}}}).encode()
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},v1={sig}"
