"""Helpers of the payment tests: principals, cookies and unpaid items read through short sessions of their own,
documents of a family, and webhook events signed exactly as Stripe signs them. Not a test module."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import httpx
from sqlmodel import Session, select

from client_profile.db import get_engine
from client_profile.models import Charge, Client, Invoice
from client_profile.services.people import auth
from client_profile.services.people.identity import Principal
from tests.login_helpers import principal_of

WEBHOOK_SECRET = "whsec_test_" + "s" * 24


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
        return [
            c.id
            for c in db.exec(
                select(Charge).where(Charge.family_id == fam, Charge.status == "unpaid").order_by(Charge.id)
            ).all()
        ]


def pay_on_hosted_page(url: str, action: str = "paid") -> httpx.Response:
    return httpx.post(url, data={"action": action}, follow_redirects=False, timeout=10)


def signed_event(
    event_type: str,
    session_id: str,
    event_id: str | None = None,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> tuple[bytes, str]:
    """A Stripe event (snapshot payload) and its Stripe-Signature header (v1 = HMAC-SHA256 of "t.body")."""
    ts = int(time.time()) if timestamp is None else timestamp
    body = json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
            "object": "event",
            "type": event_type,
            "created": ts,
            "api_version": "2017-08-15",
            "livemode": False,
            "data": {"object": {"id": session_id, "object": "checkout.session"}},
        }
    ).encode()
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},v1={sig}"


def docs_of(family_email: str) -> list[Invoice]:
    """The family's invoices and receipts, oldest first."""
    fam = principal(None, family_email).family_id
    with Session(get_engine()) as db:
        return list(
            db.exec(
                select(Invoice)
                .join(Charge, Charge.id == Invoice.charge_id)
                .where(Charge.family_id == fam)
                .order_by(Invoice.id)
            ).all()
        )
