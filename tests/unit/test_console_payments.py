"""The console's money-in side (services/money/console_payments.py): recording a payment exactly once (two clerks,
a clerk and the Stripe webhook), refunds that never exceed what was paid (concurrent partial refunds), credit
notes in a gap-free series, card refunds through Stripe (localstripe), prepaid credit top-ups and corrections,
and ids that are refused."""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import partial

import pytest
import stripe
from sqlmodel import Session, func, select

from client_profile import clock
from client_profile.db import get_engine, unit_of_work
from client_profile.integrations.stripe_gateway import (
    CheckoutSessionInfo,
    GatewayError,
    GatewayRefused,
    StripeGateway,
)
from client_profile.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutAttemptItem,
    CheckoutStatus,
    Client,
    CreditEntry,
    CreditKind,
    Family,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    Provider,
    Refund,
    RefundStatus,
    StaffMember,
)
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound
from client_profile.services.money import console_payments as cp
from client_profile.services.money import payments
from client_profile.services.people.identity import StaffPrincipal
from tests.payment_helpers import principal

ANNA = "anna@example.com"
WRITE = partial(unit_of_work, immediate=True)


def _staff(email: str = "office@example.com") -> StaffPrincipal:
    with Session(get_engine()) as db:
        m = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
        return StaffPrincipal(m.id, m.provider_id, 1, m.email, m.full_name, m.role.value)


def _anna_unpaid() -> Charge:
    with Session(get_engine()) as db:
        fam = db.exec(select(Client.family_id).where(Client.email == ANNA)).one()
        return db.exec(
            select(Charge)
            .where(Charge.family_id == fam, Charge.status == ChargeStatus.unpaid, Charge.order_id.is_(None))
            .order_by(Charge.id)
        ).first()


def _today() -> str:
    with Session(get_engine()) as db:
        return payments.today_for(db.exec(select(Provider).order_by(Provider.id)).first()).isoformat()


def _count(model, *where) -> int:
    with Session(get_engine()) as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _race(n: int, work) -> tuple[list, list]:
    """Runs work(i) in n threads released at once; (results, DomainErrors)."""
    barrier = threading.Barrier(n)
    results, refused, crashed = [], [], []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        except DomainError as exc:
            refused.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not crashed, crashed
    return results, refused


def _record(charge_id: int, method: str = "cash", day: str | None = None):
    def work(db):
        return cp.record_payment(db, _staff(), charge_id, method, day or _today())

    return payments._with_retries(WRITE, work)


# -------------------------------------------------------------------------------------------- recording


def test_a_cash_payment_pays_the_charge_once_with_invoice_receipt_and_audit(demo):
    charge = _anna_unpaid()
    done = _record(charge.id)
    assert done.method == "Cash" and len(done.documents) == 2
    with Session(get_engine()) as db:
        assert db.get(Charge, charge.id).status == ChargeStatus.paid
        pay = db.exec(select(Payment).where(Payment.charge_id == charge.id)).one()
        assert pay.method == PaymentMethod.cash and pay.gateway_id == f"cash:{charge.id}"
        kinds = {d.kind for d in db.exec(select(Invoice).where(Invoice.charge_id == charge.id))}
        assert kinds == {InvoiceKind.invoice, InvoiceKind.receipt}
        row = db.exec(select(AuditEntry).where(AuditEntry.action == "payment.record")).one()
        assert row.entity_id == charge.id and row.actor == "office@example.com" and "Cash" in row.summary
        detail = cp.charge_detail(db, _staff(), charge.id)
    assert detail.status == "paid" and [p.method for p in detail.payments] == ["Cash"]
    assert {d.title for d in detail.documents} == {"Invoice", "Receipt"}
    assert all(d.url.startswith("/admin/documents/") for d in detail.documents)
    # Again: refused, nothing more; the CLI's path says the same.
    with pytest.raises(DomainError, match="already"):
        _record(charge.id)
    with pytest.raises(DomainError, match="already paid"), unit_of_work(immediate=True) as db:
        payments.record_bank_transfer(db, charge.reference, charge.amount_minor)
    assert _count(Payment, Payment.charge_id == charge.id) == 1


def test_bad_form_values_are_refused_by_field_and_change_nothing(demo):
    charge = _anna_unpaid()
    tomorrow = (clock.today("Europe/Bratislava") + timedelta(days=2)).isoformat()
    for method, day, fields in (
        ("gold", _today(), {"method"}),
        ("cash", "yesterday", {"received_on"}),
        ("cash", tomorrow, {"received_on"}),
        (None, None, {"method", "received_on"}),
    ):
        with pytest.raises(FieldErrors) as err, unit_of_work() as db:
            cp.record_payment(db, _staff(), charge.id, method, day)
        assert set(err.value.fields) == fields
    assert _count(Payment, Payment.charge_id == charge.id) == 0


def test_a_bank_transfer_recorded_in_the_console_takes_the_cli_path(demo):
    charge = _anna_unpaid()
    done = _record(charge.id, "bank_transfer")
    assert done.method == "Bank transfer"
    with Session(get_engine()) as db:
        pay = db.exec(select(Payment).where(Payment.charge_id == charge.id)).one()
    assert pay.gateway_id == f"bank-transfer:{charge.id}" and pay.method == PaymentMethod.bank_transfer


def test_two_clerks_pressing_at_once_make_one_payment_and_one_set_of_documents(demo):
    charge = _anna_unpaid()
    results, refused = _race(4, lambda i: _record(charge.id, ["cash", "card", "bank_transfer", "cash"][i]))
    assert len(results) == 1 and len(refused) == 3
    assert _count(Payment, Payment.charge_id == charge.id) == 1
    assert _count(Invoice, Invoice.charge_id == charge.id) == 2
    assert _count(AuditEntry, AuditEntry.action == "payment.record") == 1


def _open_attempt(charge: Charge) -> str:
    with unit_of_work() as db:
        client_id = db.exec(select(Client.id).where(Client.email == ANNA)).one()
        attempt = CheckoutAttempt(
            provider_id=charge.provider_id,
            client_id=client_id,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            idempotency_key=f"test-{charge.id}",
            gateway_session_id=f"cs_test_{charge.id}",
            payment_intent_id=None,
            expires_at=clock.utcnow() + timedelta(hours=1),
        )
        db.add(attempt)
        db.flush()
        db.add(
            CheckoutAttemptItem(attempt_id=attempt.id, charge_id=charge.id, amount_minor=charge.amount_minor)
        )
        return attempt.gateway_session_id


def test_a_clerk_and_the_stripe_webhook_at_once_make_one_payment(demo):
    charge = _anna_unpaid()
    session_id = _open_attempt(charge)
    paid = CheckoutSessionInfo(
        session_id, "", "complete", "paid", charge.amount_minor, charge.currency, f"pi_{charge.id}"
    )

    def work(i: int):
        if i == 0:
            return payments._with_retries(WRITE, lambda db: payments.apply_session(db, paid))
        return _record(charge.id)

    results, refused = _race(2, work)
    assert results == ["paid"] and len(refused) == 1
    with Session(get_engine()) as db:
        pays = db.exec(select(Payment).where(Payment.charge_id == charge.id)).all()
        assert [p.method for p in pays] == [PaymentMethod.card]
        assert db.get(Charge, charge.id).status == ChargeStatus.paid
    assert _count(Invoice, Invoice.charge_id == charge.id) == 2


# ---------------------------------------------------------------------------------------------- refunds


def _paid_in_cash() -> tuple[Charge, int]:
    charge = _anna_unpaid()
    _record(charge.id)
    with Session(get_engine()) as db:
        return charge, db.exec(select(Payment.id).where(Payment.charge_id == charge.id)).one()


def test_concurrent_partial_refunds_never_exceed_what_was_paid_and_credit_notes_stay_gap_free(demo):
    charge, payment_id = _paid_in_cash()  # EUR 108.00
    results, refused = _race(6, lambda i: cp.refund_payment(_staff(), payment_id, "30.00", f"Sessions {i}"))
    assert len(results) == 3 and len(refused) == 3  # 3 x 30 = 90 <= 108; a fourth would be 120
    assert all("can still be refunded" in str(e) for e in refused)
    with Session(get_engine()) as db:
        pay = db.get(Payment, payment_id)
        assert pay.refunded_minor == 9000
        assert db.get(Charge, charge.id).status == ChargeStatus.paid  # EUR 18.00 is still kept
        notes = db.exec(
            select(Invoice).where(Invoice.kind == InvoiceKind.credit_note).order_by(Invoice.sequence)
        ).all()
        assert [n.sequence for n in notes] == [1, 2, 3]
        assert all(n.number == f"CN-{n.year}-{n.sequence:04d}" for n in notes)
        assert {n.refund_id for n in notes} == {r.refund_id for r in results}
        assert all(n.content["total"] == -3000 and n.content["title"] == "Credit note" for n in notes)
    # The rest refunds it in full: the charge is refunded, and its family sees that.
    done = cp.refund_payment(_staff(), payment_id, "18.00", "Course cancelled")
    assert done.fully_refunded and done.credit_note.endswith("-0004")
    with pytest.raises(FieldErrors, match="in full already"):
        cp.refund_payment(_staff(), payment_id, "0.01", "Again")
    with Session(get_engine()) as db:
        assert db.get(Charge, charge.id).status == ChargeStatus.refunded
        view = payments.payments_view(db, principal(None, ANNA), db.get(Provider, charge.provider_id), None)
    item = next(p for p in view.paid if p.charge_id == charge.id)
    assert item.status == "refunded" and item.refunded == "EUR 108.00" and item.credit_note_url
    assert _count(AuditEntry, AuditEntry.action == "refund.record") == 4


def test_a_refund_needs_an_amount_and_a_reason_and_changes_nothing_otherwise(demo):
    _, payment_id = _paid_in_cash()
    for amount, reason, fields in (
        ("", "x", {"amount"}),
        ("10.00", " ", {"reason"}),
        ("-5", "", {"amount", "reason"}),
    ):
        with pytest.raises(FieldErrors) as err:
            cp.refund_payment(_staff(), payment_id, amount, reason)
        assert set(err.value.fields) == fields
    with pytest.raises(FieldErrors, match="can still be refunded"):
        cp.refund_payment(_staff(), payment_id, "108.01", "Too much")
    assert _count(Refund) == 0
    with Session(get_engine()) as db:
        assert db.get(Payment, payment_id).refunded_minor == 0


class _RefusingGateway:
    def refund(self, *a, **k):
        raise GatewayRefused("card expired")


class _SilentGateway:
    """Stripe did not answer (it may or may not have made the refund)."""

    def refund(self, *a, **k):
        raise GatewayError("timeout")


def _card_payment(db, charge: Charge, intent: str) -> int:
    client_id = db.exec(select(Client.id).where(Client.email == ANNA)).one()
    attempt = CheckoutAttempt(
        provider_id=charge.provider_id,
        client_id=client_id,
        status=CheckoutStatus.paid,
        amount_minor=charge.amount_minor,
        idempotency_key=f"card-{charge.id}",
        gateway_session_id=f"cs_card_{charge.id}",
        payment_intent_id=intent,
    )
    db.add(attempt)
    db.flush()
    pay = Payment(
        provider_id=charge.provider_id,
        charge_id=charge.id,
        method=PaymentMethod.card,
        status="succeeded",
        amount_minor=charge.amount_minor,
        gateway_id=f"cs_card_{charge.id}:{charge.id}",
        checkout_attempt_id=attempt.id,
        succeeded_at=clock.utcnow(),
    )
    db.add(pay)
    db.execute(Charge.__table__.update().where(Charge.id == charge.id).values(status="paid"))
    db.flush()
    return pay.id


def test_a_card_refund_goes_through_stripe_once_and_a_refusal_gives_the_amount_back(demo, stripe_env):
    charge = _anna_unpaid()
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": stripe_env.url})
    pm = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
        }
    )
    intent = client.v1.payment_intents.create(
        params={"amount": charge.amount_minor, "currency": "eur", "payment_method": pm.id, "confirm": True}
    )
    with unit_of_work() as db:
        payment_id = _card_payment(db, charge, intent.id)
    with pytest.raises(DomainError, match="Stripe refused the refund"):
        cp.refund_payment(_staff(), payment_id, "8.00", "Wrong size", gateway=_RefusingGateway())
    with Session(get_engine()) as db:
        assert db.get(Payment, payment_id).refunded_minor == 0  # given back
        assert [r.status for r in db.exec(select(Refund))] == [RefundStatus.failed]
    with pytest.raises(DomainError, match="stays pending"):
        cp.refund_payment(_staff(), payment_id, "8.00", "Wrong size", gateway=_SilentGateway())
    with Session(get_engine()) as db:
        assert db.get(Payment, payment_id).refunded_minor == 800  # still booked: it may have been made
        pending = db.exec(select(Refund).where(Refund.status == RefundStatus.pending)).one()
    gateway = StripeGateway("sk_test_localstripe", api_base=stripe_env.url)
    # Sent again by two clerks at once: one refund at Stripe (the same key), one credit note.
    results, refused = _race(2, lambda i: cp.resend_refund(_staff(), pending.id, gateway=gateway))
    assert len(results) == 1 and len(refused) == 1
    done = results[0]
    assert done.online and done.credit_note
    with Session(get_engine()) as db:
        refund = db.get(Refund, done.refund_id)
        assert refund.status == RefundStatus.succeeded and refund.gateway_id.startswith("re_")
        assert db.get(Payment, payment_id).refunded_minor == 800
    assert _count(Invoice, Invoice.kind == InvoiceKind.credit_note) == 1
    with pytest.raises(DomainError, match="succeeded already"):
        cp.resend_refund(_staff(), pending.id, gateway=gateway)
    at_stripe = client.v1.refunds.list(params={"payment_intent": intent.id}).data
    assert [r.amount for r in at_stripe] == [800]


# ----------------------------------------------------------------------------------------------- credit


def _novak() -> int:
    with Session(get_engine()) as db:
        return db.exec(select(Family.id).where(Family.name == "Novak")).one()


def _balance(family_id: int) -> int:
    with Session(get_engine()) as db:
        return db.exec(
            select(func.coalesce(func.sum(CreditEntry.amount_minor), 0)).where(
                CreditEntry.family_id == family_id
            )
        ).one()


def test_a_desk_top_up_adds_credit_with_a_receipt_and_the_family_sees_it(demo):
    fam = _novak()
    before = _balance(fam)
    with unit_of_work(immediate=True) as db:
        done = cp.top_up_credit(db, _staff(), fam, "20.00", "cash", _today())
    assert len(done.documents) == 1 and done.documents[0].startswith("R-")  # a receipt, no invoice
    assert _balance(fam) == before + 2000
    with Session(get_engine()) as db:
        view = cp.credit_view(db, _staff(), fam)
        top = view.ledger[0]
        assert (
            top.kind == "top_up"
            and top.amount == "EUR 20.00"
            and top.receipt_url.startswith("/admin/documents/")
        )
        assert db.exec(select(AuditEntry).where(AuditEntry.action == "credit.top_up")).one().family_id == fam
        from client_profile.services.money import benefits

        seen = benefits.benefits_view(db, principal(None, ANNA), db.exec(select(Provider)).one())
    assert seen.ledger[0].amount == "EUR 20.00" and seen.ledger[0].receipt_url


def test_a_correction_needs_a_reason_and_never_takes_the_balance_below_zero(demo):
    fam = _novak()
    balance = _balance(fam)
    with pytest.raises(FieldErrors) as err, unit_of_work() as db:
        cp.adjust_credit(db, _staff(), fam, "-1.00", "")
    assert set(err.value.fields) == {"reason"}
    too_much = f"-{(balance + 1) / 100:.2f}"
    with pytest.raises(FieldErrors, match="below zero"), unit_of_work() as db:
        cp.adjust_credit(db, _staff(), fam, too_much, "Typo")
    with unit_of_work(immediate=True) as db:
        entry = cp.adjust_credit(db, _staff(), fam, "-1.50", "Goggles lost")
    assert entry.kind == CreditKind.adjustment and _balance(fam) == balance - 150
    # Two clerks taking the rest at once: one of them only.
    rest = f"-{(balance - 150) / 100:.2f}"

    def work(i: int):
        def take(db):
            return cp.adjust_credit(db, _staff(), fam, rest, f"Payout {i}")

        return payments._with_retries(WRITE, take)

    results, refused = _race(3, work)
    assert len(results) == 1 and len(refused) == 2 and _balance(fam) == 0
    assert _count(AuditEntry, AuditEntry.action == "credit.adjust") == 2


# -------------------------------------------------------------------------------------------------- ids


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True, 999_999])
def test_junk_and_missing_ids_are_not_found(demo, junk):
    with unit_of_work() as db:
        for call in (
            lambda: cp.charge_detail(db, _staff(), junk),
            lambda: cp.record_payment(db, _staff(), junk, "cash", _today()),
            lambda: cp.credit_view(db, _staff(), junk),
            lambda: cp.adjust_credit(db, _staff(), junk, "1.00", "x"),
        ):
            with pytest.raises(NotFound):
                call()
    with pytest.raises(NotFound):
        cp.refund_payment(_staff(), junk, "1.00", "x")


def test_another_providers_charge_and_family_look_missing_and_roles_are_checked(demo):
    with unit_of_work() as db:
        other = Provider(slug="other", name="Other")
        db.add(other)
        db.flush()
        fam = Family(provider_id=other.id, name="Stranger")
        db.add(fam)
        db.flush()
        charge = Charge(
            provider_id=other.id, family_id=fam.id, description="Theirs", amount_minor=100, reference="X1"
        )
        db.add(charge)
        db.flush()
        ids = (charge.id, fam.id)
    with unit_of_work() as db:
        with pytest.raises(NotFound):
            cp.charge_detail(db, _staff(), ids[0])
        with pytest.raises(NotFound):
            cp.record_payment(db, _staff(), ids[0], "cash", _today())
        with pytest.raises(NotFound):
            cp.credit_view(db, _staff(), ids[1])
        with pytest.raises(Forbidden):
            cp.charge_detail(db, _staff("martina@example.com"), _anna_unpaid().id)
        with pytest.raises(NotFound):  # a client principal never reaches the console's services
            cp.charge_detail(db, principal(None, ANNA), _anna_unpaid().id)
    assert _count(Payment, Payment.charge_id == ids[0]) == 0


def test_money_paid_from_credit_goes_back_to_the_credit_and_a_top_up_is_corrected_instead(demo):
    with Session(get_engine()) as db:
        by_credit = db.exec(select(Payment).where(Payment.method == PaymentMethod.credit)).first()
        top_up = db.exec(
            select(Payment)
            .join(CreditEntry, CreditEntry.charge_id == Payment.charge_id)
            .where(CreditEntry.kind == CreditKind.top_up)
        ).first()
        family_id = db.get(Charge, by_credit.charge_id).family_id
    before = _balance(family_id)
    done = cp.refund_payment(_staff(), by_credit.id, "10.00", "Camp day shortened")
    assert done.credit_note and not done.online
    assert _balance(family_id) == before + 1000
    with Session(get_engine()) as db:
        entry = db.exec(select(CreditEntry).where(CreditEntry.kind == CreditKind.refund)).one()
        assert entry.amount_minor == 1000 and entry.charge_id == by_credit.charge_id
    with pytest.raises(DomainError, match="correct the family's credit"):
        cp.refund_payment(_staff(), top_up.id, "10.00", "Wants cash back")
    assert _count(Refund) == 1
