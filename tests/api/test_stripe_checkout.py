"""Online payment against localstripe: Checkout with server-side amounts and idempotency, the return page that
re-reads the session, the webhook battery R3 (duplicates, shuffled, concurrent) and R4 (authenticity), declined
cards and expired sessions. SQLite by default, PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from client_profile.db import get_engine, unit_of_work
from client_profile.integrations.stripe_gateway import gateway
from client_profile.models import (
    Charge,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutStatus,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    Payment,
    ProcessedWebhookEvent,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import payments
from tests.payment_helpers import (
    WEBHOOK_SECRET,
    pay_on_hosted_page,
    principal,
    session_cookie,
    signed_event,
    unpaid_ids,
)

BASE = "http://localhost:3000"
ANNA, BEN = "anna@example.com", "ben@example.com"


def uow():
    return unit_of_work(immediate=True)


def _snapshot() -> tuple:
    """Everything a webhook may change, as comparable values."""
    with Session(get_engine()) as db:
        return (
            sorted((c.id, c.status.value) for c in db.exec(select(Charge)).all()),
            sorted((a.id, a.status.value) for a in db.exec(select(CheckoutAttempt)).all()),
            db.exec(select(func.count()).select_from(Payment)).one(),
            db.exec(select(func.count()).select_from(Invoice)).one(),
            db.exec(select(func.count()).select_from(ProcessedWebhookEvent)).one(),
            sorted((o.id, o.status.value) for o in db.exec(select(Order)).all()),
        )


def test_checkout_uses_server_amounts_and_one_session_per_attempt(demo, stripe_env):
    anna = principal(demo, ANNA)
    fee, gear = unpaid_ids(demo, ANNA)
    start = payments.start_checkout(uow, anna, [str(fee), gear], gateway(), BASE)
    with Session(get_engine()) as db:
        attempt = db.get(CheckoutAttempt, start.attempt_id)
        assert attempt.amount_minor == 10800 + 1800 and attempt.status == CheckoutStatus.open
        assert attempt.idempotency_key.startswith(f"cp-checkout-{attempt.provider_id}-{attempt.id}-")
        session = stripe_env.session(attempt.gateway_session_id)
    assert session["amount_total"] == 12600 and session["currency"] == "eur"
    assert session["customer_email"] == ANNA and session["client_reference_id"] == str(start.attempt_id)
    assert session["success_url"] == f"{BASE}/pay/return?session_id={{CHECKOUT_SESSION_ID}}"

    # A double click: the same session again. Another selection: a new attempt, and the old one is expired
    # at Stripe so the same item cannot be paid twice.
    again = payments.start_checkout(uow, anna, [gear, fee], gateway(), BASE)
    assert (again.attempt_id, again.url, again.reused) == (start.attempt_id, start.url, True)
    only_fee = payments.start_checkout(uow, anna, [fee], gateway(), BASE)
    assert only_fee.attempt_id != start.attempt_id and not only_fee.reused
    with Session(get_engine()) as db:
        assert db.get(CheckoutAttempt, start.attempt_id).status == CheckoutStatus.expired
        assert (
            stripe_env.session(db.get(CheckoutAttempt, start.attempt_id).gateway_session_id)["status"]
            == "expired"
        )


@pytest.mark.parametrize(
    "ids",
    [[], ["x"], [0], [-1], [1.5], [None], [True], ["1 OR 1=1"], [10**30], list(range(1, 30)), "1", {"id": 1}],
)
def test_checkout_refuses_bad_selections_and_changes_nothing(demo, stripe_env, ids):
    before = _snapshot()
    with pytest.raises(DomainError):
        payments.start_checkout(uow, principal(demo, ANNA), ids, gateway(), BASE)
    assert _snapshot() == before


def test_nobody_can_pay_or_see_another_familys_items(demo, stripe_env):
    with Session(get_engine()) as db:
        ben_paid = [
            c.id for c in db.exec(select(Charge).where(Charge.family_id == principal(db, BEN).family_id))
        ]
    anna_unpaid = unpaid_ids(demo, ANNA)
    before = _snapshot()
    for actor, ids in (
        (BEN, anna_unpaid[:1]),
        (ANNA, ben_paid[:1]),
        ("peter@example.com", anna_unpaid[:1]),
        (ANNA, [anna_unpaid[0], ben_paid[0]]),
    ):
        with pytest.raises(NotFound):
            payments.start_checkout(uow, principal(demo, actor), ids, gateway(), BASE)
        with pytest.raises(NotFound), Session(get_engine()) as db:
            payments.transfer_instructions(db, principal(db, actor), _provider(db), ids)
    assert _snapshot() == before


def _provider(db):
    from client_profile.services.providers import current_provider

    return current_provider(db)


def test_paying_online_marks_both_items_paid_once_with_documents(demo, stripe_env, api):
    anna = principal(demo, ANNA)
    fee, gear = unpaid_ids(demo, ANNA)
    start = payments.start_checkout(uow, anna, [fee, gear], gateway(), BASE)
    r = pay_on_hosted_page(start.url, "paid")
    assert r.status_code == 303 and "/pay/return?session_id=cs_test_" in r.headers["location"]
    path = r.headers["location"].removeprefix(BASE)
    cookies = session_cookie(demo, ANNA)
    with TestClient(api, base_url=BASE, cookies=cookies) as client:
        back = client.get(path, follow_redirects=False)  # the return page re-reads the session
        assert (
            back.status_code == 303 and back.headers["location"] == f"/payments?checkout={start.attempt_id}"
        )
        # The webhook arrives after the return page: nothing more happens.
        with Session(get_engine()) as db:
            session_id = db.get(CheckoutAttempt, start.attempt_id).gateway_session_id
        body, sig = signed_event("checkout.session.completed", session_id)
        hook = client.post("/stripe/webhook", content=body, headers={"Stripe-Signature": sig})
        assert (hook.status_code, hook.text) == (200, "already-paid")
        again = client.post("/stripe/webhook", content=body, headers={"Stripe-Signature": sig})
        assert (again.status_code, again.text) == (200, "duplicate")
    with Session(get_engine()) as db:
        for cid in (fee, gear):
            charge = db.get(Charge, cid)
            assert charge.status == ChargeStatus.paid
            pays = db.exec(select(Payment).where(Payment.charge_id == cid)).all()
            assert [(p.amount_minor, p.gateway_id) for p in pays] == [
                (charge.amount_minor, f"{session_id}:{cid}")
            ]
            kinds = sorted(d.kind.value for d in db.exec(select(Invoice).where(Invoice.charge_id == cid)))
            assert kinds == ["invoice", "receipt"]
        order = db.exec(select(Order).where(Order.id == db.get(Charge, gear).order_id)).one()
        assert order.status == OrderStatus.paid
        attempt = db.get(CheckoutAttempt, start.attempt_id)
        assert attempt.status == CheckoutStatus.paid and attempt.payment_intent_id.startswith("pi_")
        assert payments.checkout_message(attempt)[0] == "success"
        # "We received your payment" is queued once per payment and person (the webhook after it adds none).
        from client_profile.models import Client, OutboxMessage

        paid = {p.id for p in db.exec(select(Payment).where(Payment.charge_id.in_([fee, gear])))}
        rows = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "payment_received")).all()
        anna_id = db.exec(select(Client.id).where(Client.email == ANNA)).one()
        assert {r.payload["payment_id"] for r in rows if r.recipient_client_id == anna_id} == paid
        assert len([r for r in rows if r.recipient_client_id == anna_id]) == len(paid)


def test_return_page_with_someone_elses_session_changes_nothing(demo, stripe_env, api):
    start = payments.start_checkout(uow, principal(demo, ANNA), unpaid_ids(demo, ANNA), gateway(), BASE)
    pay_on_hosted_page(start.url, "paid")
    with Session(get_engine()) as db:
        session_id = db.get(CheckoutAttempt, start.attempt_id).gateway_session_id
    before = _snapshot()
    with TestClient(api, base_url=BASE, cookies=session_cookie(demo, BEN)) as client:
        r = client.get(f"/pay/return?session_id={session_id}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/payments"
        assert (
            client.get(f"/pay/cancel/{start.attempt_id}", follow_redirects=False).headers["location"]
            == "/payments"
        )
    with TestClient(api, base_url=BASE) as anonymous:
        assert (
            anonymous.get(f"/pay/return?session_id={session_id}", follow_redirects=False)
            .headers["location"]
            .startswith("/login?next=%2Fpay%2Freturn")
        )
    assert _snapshot() == before


def test_declined_card_leaves_items_unpaid_with_a_clear_message(demo, stripe_env, api):
    ids = unpaid_ids(demo, ANNA)
    start = payments.start_checkout(uow, principal(demo, ANNA), ids, gateway(), BASE)
    declined = pay_on_hosted_page(start.url, "declined")
    assert declined.status_code == 402 and "declined" in declined.text
    cancel = pay_on_hosted_page(start.url, "cancel")
    assert cancel.headers["location"] == f"{BASE}/pay/cancel/{start.attempt_id}"
    with TestClient(api, base_url=BASE, cookies=session_cookie(demo, ANNA)) as client:
        r = client.get(f"/pay/cancel/{start.attempt_id}", follow_redirects=False)
    assert r.headers["location"] == f"/payments?checkout={start.attempt_id}"
    with Session(get_engine()) as db:
        attempt = db.get(CheckoutAttempt, start.attempt_id)
        assert attempt.status == CheckoutStatus.expired
        assert all(db.get(Charge, i).status == ChargeStatus.unpaid for i in ids)
        assert (
            db.exec(
                select(func.count()).select_from(Payment).where(Payment.checkout_attempt_id == attempt.id)
            ).one()
            == 0
        )
        tone, text = payments.checkout_message(attempt)
    assert tone == "warning" and "Nothing was charged" in text and "still unpaid" in text


def test_expired_session_and_failed_bank_debit_leave_items_unpaid(demo, stripe_env):
    ids = unpaid_ids(demo, ANNA)
    gw = gateway()
    start = payments.start_checkout(uow, principal(demo, ANNA), ids, gw, BASE)
    with Session(get_engine()) as db:
        session_id = db.get(CheckoutAttempt, start.attempt_id).gateway_session_id
    gw.expire_checkout_session(session_id)
    body, sig = signed_event("checkout.session.expired", session_id)
    assert payments.handle_webhook(uow, gw, body, sig).outcome == "expired"

    second = payments.start_checkout(uow, principal(demo, ANNA), ids, gw, BASE)
    pay_on_hosted_page(second.url, "async_fail")  # SEPA debit: completed unpaid, then failed
    with Session(get_engine()) as db:
        second_session = db.get(CheckoutAttempt, second.attempt_id).gateway_session_id
    body, sig = signed_event("checkout.session.completed", second_session)
    assert payments.handle_webhook(uow, gw, body, sig).outcome == "processing"
    body, sig = signed_event("checkout.session.async_payment_failed", second_session)
    assert payments.handle_webhook(uow, gw, body, sig).outcome == "failed"
    with Session(get_engine()) as db:
        assert all(db.get(Charge, i).status == ChargeStatus.unpaid for i in ids)
        statuses = [db.get(CheckoutAttempt, a).status for a in (start.attempt_id, second.attempt_id)]
        assert statuses == [CheckoutStatus.expired, CheckoutStatus.failed]
        assert payments.checkout_message(db.get(CheckoutAttempt, second.attempt_id))[0] == "error"
        assert (
            db.exec(
                select(func.count()).select_from(Payment).where(Payment.checkout_attempt_id.is_not(None))
            ).one()
            == 0
        )


def _make_charges(db, family_id: int, provider_id: int, n: int) -> list[int]:
    ids = []
    for i in range(n):
        c = Charge(
            provider_id=provider_id,
            family_id=family_id,
            description=f"Extra {i}",
            amount_minor=1000 + i,
            currency="EUR",
            reference=f"R3-{i:03d}",
        )
        db.add(c)
        db.flush()
        ids.append(c.id)
    db.commit()
    return ids


def test_r3_duplicate_shuffled_concurrent_webhooks_have_exactly_one_effect(demo, stripe_env):
    """R3: 5 payments (3 card, 1 delayed success, 1 delayed failure) + 1 expired session; every event delivered
    1-5 times, shuffled, 10 at a time; then a redelivery days later. Exactly one payment row per item of each
    paid session, totals equal a single delivery, every delivery answered 2xx."""
    rng = random.Random(20261126)
    gw = gateway()
    anna = principal(demo, ANNA)
    extra = _make_charges(demo, anna.family_id, anna.provider_id, 6)
    plans = [
        ("paid", [extra[0]]),
        ("paid", [extra[1], extra[2]]),
        ("paid", unpaid_ids(demo, ANNA)[:2]),
        ("async_ok", [extra[3]]),
        ("async_fail", [extra[4]]),
        ("expire", [extra[5]]),
    ]
    corpus: list[tuple[str, str, str]] = []  # (event id, type, session id)
    expected_paid: dict[str, list[int]] = {}
    for n, (action, ids) in enumerate(plans):
        start = payments.start_checkout(uow, anna, ids, gw, BASE)
        with Session(get_engine()) as db:
            sid = db.get(CheckoutAttempt, start.attempt_id).gateway_session_id
        if action == "expire":
            gw.expire_checkout_session(sid)
            types = ["checkout.session.expired"]
        else:
            pay_on_hosted_page(start.url, action)
            types = ["checkout.session.completed"]
            if action == "async_ok":
                types.append("checkout.session.async_payment_succeeded")
            if action == "async_fail":
                types.append("checkout.session.async_payment_failed")
        if action in ("paid", "async_ok"):
            expected_paid[sid] = ids
        corpus += [(f"evt_r3_{n}_{i}", t, sid) for i, t in enumerate(types)]
    import time as _time

    _time.sleep(0.6)  # delayed methods settle at the stand-in

    deliveries = [ev for ev in corpus for _ in range(rng.randint(1, 5))]
    rng.shuffle(deliveries)

    def deliver(ev):
        body, sig = signed_event(ev[1], ev[2], event_id=ev[0])
        return payments.handle_webhook(uow, gw, body, sig)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(deliver, deliveries))
    assert all(r.status_code == 200 for r in results), [r for r in results if r.status_code != 200]
    assert sum(r.outcome == "duplicate" for r in results) == len(deliveries) - len(corpus)

    after = _snapshot()
    # A redelivery long after (Stripe retries for up to three days, re-signed each time): nothing changes.
    for ev in corpus:
        assert deliver(ev).outcome == "duplicate"
    assert _snapshot() == after

    with Session(get_engine()) as db:
        for sid, ids in expected_paid.items():
            attempt = db.exec(select(CheckoutAttempt).where(CheckoutAttempt.gateway_session_id == sid)).one()
            assert attempt.status == CheckoutStatus.paid
            for cid in ids:
                assert db.get(Charge, cid).status == ChargeStatus.paid
                rows = db.exec(select(Payment).where(Payment.charge_id == cid)).all()
                assert len(rows) == 1 and rows[0].gateway_id == f"{sid}:{cid}"
                assert (
                    len(
                        db.exec(
                            select(Invoice).where(
                                Invoice.charge_id == cid, Invoice.kind == InvoiceKind.invoice
                            )
                        ).all()
                    )
                    == 1
                )
        paid_total = sum(
            p.amount_minor for p in db.exec(select(Payment).where(Payment.checkout_attempt_id.is_not(None)))
        )
        attempts = db.exec(
            select(CheckoutAttempt).where(CheckoutAttempt.gateway_session_id.in_(list(expected_paid)))
        )
        assert paid_total == sum(a.amount_minor for a in attempts)  # ledger == Stripe amounts
        assert db.get(Charge, extra[4]).status == ChargeStatus.unpaid
        assert db.get(Charge, extra[5]).status == ChargeStatus.unpaid
        for kind in InvoiceKind:  # still gap-free, in each year's series (early in a year the demo spans two)
            by_year: dict[int, list[int]] = {}
            for d in db.exec(select(Invoice).where(Invoice.kind == kind)):
                by_year.setdefault(d.year, []).append(d.sequence)
            for seqs in by_year.values():
                assert sorted(seqs) == list(range(1, len(seqs) + 1))


def test_r4_unauthentic_webhooks_get_400_and_change_nothing(demo, stripe_env, api):
    start = payments.start_checkout(uow, principal(demo, ANNA), unpaid_ids(demo, ANNA), gateway(), BASE)
    pay_on_hosted_page(start.url, "paid")
    with Session(get_engine()) as db:
        sid = db.get(CheckoutAttempt, start.attempt_id).gateway_session_id
    before = _snapshot()
    import time as _time

    body, sig = signed_event("checkout.session.completed", sid)
    wrong_secret = signed_event("checkout.session.completed", sid, secret="whsec_wrong_secret_value")
    stale = signed_event("checkout.session.completed", sid, timestamp=int(_time.time()) - 301)
    altered = body.replace(b'"livemode": false', b'"livemode": true ')
    cases = [
        (body, sig.replace("v1=", "v1=0")),
        wrong_secret,
        stale,
        (altered, sig),
        (body, ""),
        (body, "t=1,v1=abc"),
        (b"not json", sig),
    ]
    with TestClient(api, base_url=BASE) as client:
        for raw, header in cases:
            r = client.post(
                "/stripe/webhook", content=raw, headers={"Stripe-Signature": header} if header else {}
            )
            assert r.status_code == 400, (raw[:40], header)
        assert _snapshot() == before
        good = client.post("/stripe/webhook", content=body, headers={"Stripe-Signature": sig})
        assert (good.status_code, good.text) == (200, "paid")


def test_webhook_without_stripe_configured_is_refused(demo, api):
    with TestClient(api, base_url=BASE) as client:
        body, sig = signed_event("checkout.session.completed", "cs_test_x")
        assert (
            client.post("/stripe/webhook", content=body, headers={"Stripe-Signature": sig}).status_code == 400
        )


def _signed(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    import hashlib
    import hmac
    import time as _time

    ts = int(_time.time())
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={sig}"}


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"event"',
        b"42",
        b"null",
        b"true",
        b'{"id": 5, "type": []}',
        b'{"type": "checkout.session.completed"}',
        b'{"id": "evt_1", "data": []}',
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": 7}}',
        b"\xff\xfe not utf-8",
    ],
)
def test_signed_webhook_that_is_not_an_event_object_gets_400_and_changes_nothing(demo, stripe_env, api, body):
    """docs/security.md finding 7b: a correctly signed body that is not a JSON object answered 500."""
    before = _snapshot()
    with TestClient(api, base_url=BASE, raise_server_exceptions=False) as client:
        r = client.post("/stripe/webhook", content=body, headers=_signed(body))
    assert r.status_code == 400, r.text
    assert _snapshot() == before
    with Session(get_engine()) as db:
        assert db.exec(select(func.count()).select_from(ProcessedWebhookEvent)).one() == 0


def _asgi_post(app, headers: list[tuple[bytes, bytes]], chunks: int, chunk_size: int = 64 * 1024):
    """POST /stripe/webhook through raw ASGI, feeding the body in chunks; returns (status, chunks read)."""
    import asyncio

    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read >= chunks:
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": b"x" * chunk_size, "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/stripe/webhook",
        "raw_path": b"/stripe/webhook",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost:3000"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 3000),
    }
    asyncio.run(app(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start"), read


def test_webhook_refuses_an_oversized_content_length_without_reading_the_body(demo, stripe_env):
    """docs/security.md finding 7d: the webhook read the whole body before its size check."""
    from fastapi import FastAPI

    from client_profile.api import payments as payments_api

    app = FastAPI()
    app.include_router(payments_api.router)
    status, read = _asgi_post(app, [(b"content-length", str(160 * 64 * 1024).encode())], chunks=160)
    assert (status, read) == (413, 0)
    # Without a Content-Length (chunked), reading stops just past the cap.
    status, read = _asgi_post(app, [(b"transfer-encoding", b"chunked")], chunks=160)
    assert status == 413 and read <= payments_api.MAX_WEBHOOK_BYTES // (64 * 1024) + 1
    status, _ = _asgi_post(app, [(b"content-length", b"12abc")], chunks=1)
    assert status == 400
