"""Invoices and receipts: gap-free numbers under concurrency, the PDFs and their frozen content, the payments view,
one transfer reference for several items, the order detail."""

from __future__ import annotations

import io
import re
import threading
from functools import partial

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from client_profile.db import get_engine, unit_of_work
from client_profile.models import (
    Charge,
    ChargeStatus,
    Client,
    Invoice,
    InvoiceKind,
    InvoiceProfile,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    PaymentStatus,
    utcnow,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import billing, documents, orders, payments
from client_profile.services.providers import current_provider
from tests.payment_helpers import docs_of, principal, unpaid_ids

BASE = "http://localhost:3000"
ANNA, BEN, PETER = "anna@example.com", "ben@example.com", "peter@example.com"


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ------------------------------------------------------------------------------------------- numbering


def _new_paid_charge(db, provider, family_id: int, n: int) -> tuple[Charge, Payment]:
    charge = Charge(
        provider_id=provider.id,
        family_id=family_id,
        description=f"Concurrent {n}",
        amount_minor=500 + n,
        currency="EUR",
        reference=f"C-{n:04d}",
        status=ChargeStatus.paid,
        paid_at=utcnow(),
    )
    db.add(charge)
    db.flush()
    payment = Payment(
        provider_id=provider.id,
        charge_id=charge.id,
        method=PaymentMethod.bank_transfer,
        status=PaymentStatus.succeeded,
        amount_minor=charge.amount_minor,
        succeeded_at=utcnow(),
    )
    db.add(payment)
    db.flush()
    return charge, payment


def test_invoice_numbers_stay_gap_free_under_concurrent_issuing(demo):
    family_id = principal(None, ANNA).family_id
    workers, per_worker = 8, 4
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(w: int) -> None:
        try:
            barrier.wait()
            for i in range(per_worker):

                def issue(db, n=w * 100 + i):
                    provider = current_provider(db)
                    charge, payment = _new_paid_charge(db, provider, family_id, n)
                    billing.issue_documents(db, provider, charge, payment, issue_invoice=True)
                    return "ok"

                payments._with_retries(partial(unit_of_work, immediate=True), issue)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with Session(get_engine()) as db:
        for kind, prefix in ((InvoiceKind.invoice, ""), (InvoiceKind.receipt, "R-")):
            for year in {d.year for d in db.exec(select(Invoice).where(Invoice.kind == kind))}:
                series = db.exec(
                    select(Invoice)
                    .where(Invoice.kind == kind, Invoice.year == year)
                    .order_by(Invoice.sequence)
                ).all()
                assert [d.sequence for d in series] == list(range(1, len(series) + 1))
                assert all(d.number == f"{prefix}{year}-{d.sequence:04d}" for d in series)
        assert (
            db.exec(
                select(Invoice).where(
                    Invoice.charge_id.in_(select(Charge.id).where(Charge.description.like("Concurrent %")))
                )
            )
            .all()
            .__len__()
            == 2 * workers * per_worker
        )


# ------------------------------------------------------------------------------------------- contents


def test_invoice_pdf_has_unicode_names_vat_per_rate_and_frozen_content(demo):
    with Session(get_engine()) as db:
        provider = current_provider(db)
        anna = db.exec(select(Client).where(Client.email == ANNA)).one()
        anna.full_name = "Anna Šťastný-Żółć"
        order = Order(
            provider_id=provider.id,
            family_id=anna.family_id,
            number="O-T-1",
            total_minor=3300,
            currency="EUR",
        )
        db.add(order)
        db.flush()
        db.add_all(
            [
                OrderItem(
                    order_id=order.id,
                    description="Plavecká čiapka",
                    quantity=2,
                    unit_price_minor=1000,
                    vat_rate_bp=2300,
                ),
                OrderItem(
                    order_id=order.id,
                    description="Kniha o plávaní",
                    quantity=1,
                    unit_price_minor=1300,
                    vat_rate_bp=500,
                ),
            ]
        )
        charge = Charge(
            provider_id=provider.id,
            family_id=anna.family_id,
            order_id=order.id,
            description="Order O-T-1",
            amount_minor=3300,
            currency="EUR",
            reference="T-1",
            status=ChargeStatus.paid,
            paid_at=utcnow(),
        )
        db.add(charge)
        db.flush()
        payment = Payment(
            provider_id=provider.id,
            charge_id=charge.id,
            method=PaymentMethod.card,
            status=PaymentStatus.succeeded,
            amount_minor=3300,
            succeeded_at=utcnow(),
        )
        db.add(payment)
        db.flush()
        invoice, receipt = billing.issue_documents(db, provider, charge, payment, issue_invoice=True)
        db.commit()
        summary = {r["rate_bp"]: (r["net"], r["vat"], r["gross"]) for r in invoice.content["vat_summary"]}
        assert summary == {2300: (1626, 374, 2000), 500: (1238, 62, 1300)}
        assert (
            invoice.content["total"] == 3300
            and invoice.content["total_net"] + invoice.content["total_vat"] == 3300
        )
        # The issued document does not change when the provider's data does.
        provider.name, provider.invoice_address = "Renamed Ltd", "Elsewhere 1, 000 00 Nowhere"
        db.commit()
        anna_p = principal(db, ANNA)
        _, pdf = documents.document_pdf(db, anna_p, invoice.id)
        _, receipt_pdf = documents.document_pdf(db, anna_p, receipt.id)
    text = _pdf_text(pdf)
    for expected in (
        "Invoice " + invoice.number,
        "Anna Šťastný-Żółć",
        "Plavecká čiapka",
        "Kniha o plávaní",
        "23 %",
        "5 %",
        "EUR 3.74",
        "EUR 0.62",
        "EUR 33.00",
        "Little Otters s.r.o.",
        "SK2121234567",
        "Date of supply",
    ):
        assert expected in text, expected
    assert "Renamed Ltd" not in text
    rtext = _pdf_text(receipt_pdf)
    assert (
        "Receipt " + receipt.number in rtext
        and f"invoice {invoice.number}" in rtext
        and "Amount received" in rtext
    )


def test_not_a_vat_payer_prints_the_exemption_note(demo):
    with Session(get_engine()) as db:
        profile = db.exec(select(InvoiceProfile)).one()
        profile.vat_payer = False
        db.commit()
        doc = docs_of(ANNA)[0]
        charge = db.get(Charge, doc.charge_id)
        payment = db.get(Payment, doc.payment_id)
        content = billing._content(
            db, current_provider(db), charge, InvoiceKind.invoice, "X-1", utcnow(), payment
        )
    assert content["vat_payer"] is False and content["total_vat"] == 0
    assert content["exemption_note"] == "Not a VAT payer: no VAT is charged."
    from client_profile.integrations.invoice_pdf import render_pdf

    assert "Not a VAT payer" in _pdf_text(render_pdf(content))


# ------------------------------------------------------------------------------------------- downloads


def test_document_service_scope(demo):
    ben_doc = docs_of(BEN)[0]
    with Session(get_engine()) as db:
        with pytest.raises(NotFound):
            documents.get_document(db, principal(db, ANNA), ben_doc.id)
        assert documents.get_document(db, principal(db, BEN), ben_doc.id).id == ben_doc.id


# ------------------------------------------------------------------------------------------- views


def test_payments_view_unpaid_first_then_paid_with_documents(demo):
    with Session(get_engine()) as db:
        view = payments.payments_view(db, principal(db, ANNA), current_provider(db), None)
    assert [(i.description, i.attendee, i.amount) for i in view.unpaid] == [
        ("Autumn term fee", "Ema", "EUR 108.00"),
        ("Swim cap + goggles", "Whole family", "EUR 18.00"),
    ]
    assert view.unpaid[1].order_number.startswith("O-")
    assert view.online is False  # no STRIPE_SECRET_KEY in this test: online payment is simply not offered
    assert {i.description for i in view.paid} >= {"Football Juniors - term fee", "Open Swim 10 entries"}
    # Every paid item has a receipt; each has an invoice except the credit top-up (credit is invoiced when used).
    assert all(i.receipt_id and i.paid_on and i.method for i in view.paid)
    assert [i.description for i in view.paid if not i.invoice_id] == ["Credit top-up"]
    assert "Lily" not in repr(view) and "Carter" not in repr(view)
    with Session(get_engine()) as db:
        peter = payments.payments_view(db, principal(db, PETER), current_provider(db), None)
    # A view-only share shows what is due on the shared booking and who pays it; no history, no documents.
    assert [(i.description, i.status, i.payer) for i in peter.unpaid] == [
        ("Autumn term fee", "family", "The Novak family pays this")
    ]
    assert peter.paid == [] and not peter.unpaid[0].invoice_id


def test_one_transfer_for_several_items_has_one_reference_and_carries_an_epc_qr(demo):
    """Issue: two items gave the reference "202600001 202600005" while the page said to use it as the variable
    symbol (one number). Several items now get one transfer request with its own reference and total."""
    ids = unpaid_ids(None, ANNA)
    with Session(get_engine()) as db:
        t = payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), ids)
        refs = [db.get(Charge, i).reference for i in ids]
        db.commit()
    assert t.amount == "EUR 126.00" and t.amount_value == "126.00"
    assert re.fullmatch(r"9\d{9}", t.reference) and t.reference not in refs
    assert t.iban == "SK31 1200 0000 1987 4263 7541" and t.account_name == "Little Otters s.r.o."
    assert t.qr_svg.startswith("data:image/svg+xml") and "one reference" in t.note
    with Session(get_engine()) as db:  # the same selection keeps its reference; one item uses its own
        again = payments.transfer_instructions(
            db, principal(db, ANNA), current_provider(db), list(reversed(ids))
        )
        single = payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), ids[:1])
    assert again.reference == t.reference and single.reference == refs[0] and single.note == ""
    with Session(get_engine()) as db, pytest.raises(DomainError):
        paid = db.exec(
            select(Charge).where(
                Charge.status == ChargeStatus.paid, Charge.family_id == principal(db, ANNA).family_id
            )
        ).first()
        payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), [paid.id])


def test_order_detail_shows_items_status_documents_and_entry_pass(demo):
    with Session(get_engine()) as db:
        anna = principal(db, ANNA)
        pass_order = db.exec(
            select(Order)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(OrderItem.description == "Open Swim 10 entries")
        ).one()
        d = orders.order_detail(db, anna, current_provider(db), str(pass_order.id))
        assert d.status == "paid" and d.invoice_id and d.receipt_id and not d.payable
        (line,) = d.lines
        assert line.kind == "Entry pass" and line.passes[0].total == 10 and line.passes[0].remaining == 6
        assert len(line.passes[0].used_entries) == 4
        ben_order = db.exec(select(Order).where(Order.family_id == principal(db, BEN).family_id)).first()
        for bad in ([ben_order.id] if ben_order else []) + [999999, "x", None, -1, True]:
            with pytest.raises(NotFound):
                orders.order_detail(db, anna, current_provider(db), bad)
        with pytest.raises(NotFound):
            orders.order_detail(db, principal(db, PETER), current_provider(db), pass_order.id)


# ------------------------------------------------------------------------------------------- handlers
