"""Invoice/receipt numbering, contents and downloads; the payments and order views and their handlers."""

from __future__ import annotations

import re

import io
import threading
from functools import partial

import pytest
import reflex as rx
from pypdf import PdfReader
from reflex.istate.data import HeaderData, RouterData
from sqlmodel import Session, select
from starlette.testclient import TestClient

from client_profile.db import get_engine, unit_of_work
from client_profile.models import (
    Charge,
    ChargeStatus,
    Client,
    Family,
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
from client_profile.services import billing, documents, orders, payments
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.providers import current_provider
from client_profile.state.orders import OrderState
from client_profile.state.payments import PaymentsState
from tests.payments.conftest import principal, session_cookie, unpaid_ids

BASE = "http://localhost:3000"
ANNA, BEN, PETER = "anna@example.com", "ben@example.com", "peter@example.com"


@pytest.fixture(scope="module")
def api():
    from client_profile.client_profile import api as app_api

    return app_api


def _docs(family_email: str) -> list[Invoice]:
    fam = principal(None, family_email).family_id
    with Session(get_engine()) as db:
        return list(db.exec(select(Invoice).join(Charge, Charge.id == Invoice.charge_id)
                            .where(Charge.family_id == fam).order_by(Invoice.id)).all())


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ------------------------------------------------------------------------------------------- numbering


def _new_paid_charge(db, provider, family_id: int, n: int) -> tuple[Charge, Payment]:
    charge = Charge(provider_id=provider.id, family_id=family_id, description=f"Concurrent {n}", amount_minor=500 + n,
                    currency="EUR", reference=f"C-{n:04d}", status=ChargeStatus.paid, paid_at=utcnow())
    db.add(charge)
    db.flush()
    payment = Payment(provider_id=provider.id, charge_id=charge.id, method=PaymentMethod.bank_transfer,
                      status=PaymentStatus.succeeded, amount_minor=charge.amount_minor, succeeded_at=utcnow())
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
                series = db.exec(select(Invoice).where(Invoice.kind == kind, Invoice.year == year)
                                 .order_by(Invoice.sequence)).all()
                assert [d.sequence for d in series] == list(range(1, len(series) + 1))
                assert all(d.number == f"{prefix}{year}-{d.sequence:04d}" for d in series)
        assert db.exec(select(Invoice).where(Invoice.charge_id.in_(
            select(Charge.id).where(Charge.description.like("Concurrent %"))))).all().__len__() == 2 * workers * per_worker


# ------------------------------------------------------------------------------------------- contents


def test_invoice_pdf_has_unicode_names_vat_per_rate_and_frozen_content(demo):
    with Session(get_engine()) as db:
        provider = current_provider(db)
        anna = db.exec(select(Client).where(Client.email == ANNA)).one()
        anna.full_name = "Anna Šťastný-Żółć"
        order = Order(provider_id=provider.id, family_id=anna.family_id, number="O-T-1", total_minor=3300,
                      currency="EUR")
        db.add(order)
        db.flush()
        db.add_all([OrderItem(order_id=order.id, description="Plavecká čiapka", quantity=2, unit_price_minor=1000,
                              vat_rate_bp=2300),
                    OrderItem(order_id=order.id, description="Kniha o plávaní", quantity=1, unit_price_minor=1300,
                              vat_rate_bp=500)])
        charge = Charge(provider_id=provider.id, family_id=anna.family_id, order_id=order.id, description="Order O-T-1",
                        amount_minor=3300, currency="EUR", reference="T-1", status=ChargeStatus.paid,
                        paid_at=utcnow())
        db.add(charge)
        db.flush()
        payment = Payment(provider_id=provider.id, charge_id=charge.id, method=PaymentMethod.card,
                          status=PaymentStatus.succeeded, amount_minor=3300, succeeded_at=utcnow())
        db.add(payment)
        db.flush()
        invoice, receipt = billing.issue_documents(db, provider, charge, payment, issue_invoice=True)
        db.commit()
        summary = {r["rate_bp"]: (r["net"], r["vat"], r["gross"]) for r in invoice.content["vat_summary"]}
        assert summary == {2300: (1626, 374, 2000), 500: (1238, 62, 1300)}
        assert invoice.content["total"] == 3300 and invoice.content["total_net"] + invoice.content["total_vat"] == 3300
        # The issued document does not change when the provider's data does.
        provider.name, provider.invoice_address = "Renamed Ltd", "Elsewhere 1, 000 00 Nowhere"
        db.commit()
        anna_p = principal(db, ANNA)
        _, pdf = documents.document_pdf(db, anna_p, invoice.id)
        _, receipt_pdf = documents.document_pdf(db, anna_p, receipt.id)
    text = _pdf_text(pdf)
    for expected in ("Invoice " + invoice.number, "Anna Šťastný-Żółć", "Plavecká čiapka", "Kniha o plávaní",
                     "23 %", "5 %", "EUR 3.74", "EUR 0.62", "EUR 33.00", "Little Otters s.r.o.", "SK2121234567",
                     "Date of supply"):
        assert expected in text, expected
    assert "Renamed Ltd" not in text
    rtext = _pdf_text(receipt_pdf)
    assert "Receipt " + receipt.number in rtext and f"invoice {invoice.number}" in rtext and "Amount received" in rtext


def test_not_a_vat_payer_prints_the_exemption_note(demo):
    with Session(get_engine()) as db:
        profile = db.exec(select(InvoiceProfile)).one()
        profile.vat_payer = False
        db.commit()
        doc = _docs(ANNA)[0]
        charge = db.get(Charge, doc.charge_id)
        payment = db.get(Payment, doc.payment_id)
        content = billing._content(db, current_provider(db), charge, InvoiceKind.invoice, "X-1", utcnow(), payment)
    assert content["vat_payer"] is False and content["total_vat"] == 0
    assert content["exemption_note"] == "Not a VAT payer: no VAT is charged."
    from client_profile.integrations.invoice_pdf import render_pdf

    assert "Not a VAT payer" in _pdf_text(render_pdf(content))


# ------------------------------------------------------------------------------------------- downloads


def test_document_downloads_are_private_and_uncached(demo, api):
    anna_docs, ben_docs = _docs(ANNA), _docs(BEN)
    assert anna_docs and ben_docs
    with TestClient(api, base_url=BASE, cookies=session_cookie(None, ANNA)) as client:
        own = client.get(f"/documents/{anna_docs[0].id}.pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
        assert own.headers["cache-control"] == "no-store" and own.headers["x-content-type-options"] == "nosniff"
        assert own.headers["content-disposition"] == f'attachment; filename="{billing.document_filename(anna_docs[0])}"'
        other = client.get(f"/documents/{ben_docs[0].id}.pdf")
        missing = client.get("/documents/999999.pdf")
        assert other.status_code == missing.status_code == 404 and other.content == missing.content
        assert other.headers["cache-control"] == "no-store"
        for junk in ("0", "-1", "abc", "1%20OR%201=1", "99999999999999999999999", "1.5"):
            assert client.get(f"/documents/{junk}.pdf").status_code == 404
    with TestClient(api, base_url=BASE, cookies=session_cookie(None, PETER)) as client:  # view-only share
        assert client.get(f"/documents/{anna_docs[0].id}.pdf").status_code == 404
    with TestClient(api, base_url=BASE) as anonymous:
        r = anonymous.get(f"/documents/{anna_docs[0].id}.pdf")
        assert r.status_code == 401 and b"%PDF" not in r.content


def test_document_service_scope(demo):
    ben_doc = _docs(BEN)[0]
    with Session(get_engine()) as db:
        with pytest.raises(NotFound):
            documents.get_document(db, principal(db, ANNA), ben_doc.id)
        assert documents.get_document(db, principal(db, BEN), ben_doc.id).id == ben_doc.id


# ------------------------------------------------------------------------------------------- views


def test_payments_view_unpaid_first_then_paid_with_documents(demo):
    with Session(get_engine()) as db:
        view = payments.payments_view(db, principal(db, ANNA), current_provider(db), None)
    assert [(i.description, i.attendee, i.amount) for i in view.unpaid] == [
        ("Autumn term fee", "Ema", "EUR 108.00"), ("Swim cap + goggles", "Whole family", "EUR 18.00")]
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
        ("Autumn term fee", "family", "The Novak family pays this")]
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
        again = payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), list(reversed(ids)))
        single = payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), ids[:1])
    assert again.reference == t.reference and single.reference == refs[0] and single.note == ""
    with Session(get_engine()) as db, pytest.raises(DomainError):
        paid = db.exec(select(Charge).where(Charge.status == ChargeStatus.paid,
                                            Charge.family_id == principal(db, ANNA).family_id)).first()
        payments.transfer_instructions(db, principal(db, ANNA), current_provider(db), [paid.id])


def test_order_detail_shows_items_status_documents_and_entry_pass(demo):
    with Session(get_engine()) as db:
        anna = principal(db, ANNA)
        pass_order = db.exec(select(Order).join(OrderItem, OrderItem.order_id == Order.id)
                             .where(OrderItem.description == "Open Swim 10 entries")).one()
        d = orders.order_detail(db, anna, current_provider(db), str(pass_order.id))
        assert d.status == "paid" and d.invoice_id and d.receipt_id and not d.payable
        (line,) = d.lines
        assert line.kind == "Entry pass" and line.passes[0].total == 10 and line.passes[0].remaining == 6
        assert len(line.passes[0].entries) == 4
        ben_order = db.exec(select(Order).where(Order.family_id == principal(db, BEN).family_id)).first()
        for bad in ([ben_order.id] if ben_order else []) + [999999, "x", None, -1, True]:
            with pytest.raises(NotFound):
                orders.order_detail(db, anna, current_provider(db), bad)
        with pytest.raises(NotFound):
            orders.order_detail(db, principal(db, PETER), current_provider(db), pass_order.id)


# ------------------------------------------------------------------------------------------- handlers


def _state(cls, cookie: str, url: str):
    from reflex.istate.data import ReflexURL

    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData(headers=HeaderData(cookie=cookie), url=ReflexURL(url))
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _cookie(email: str) -> str:
    return "; ".join(f"{k}={v}" for k, v in session_cookie(None, email).items())


HOSTILE = [0, -1, 2**63, 1.5, "1 OR 1=1", None, [], {}, True, "", "x" * 5000]


def test_payments_handlers_never_touch_another_familys_items(demo):
    ben_charge = next(c for c in _ben_charges())
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments")
    assert s.load_payments() is None
    assert [r.description for r in s.unpaid] == ["Autumn term fee", "Swim cap + goggles"]
    assert all(r.selected for r in s.unpaid) and s.selected_total == "EUR 126.00"
    # The fee says what it saved; the paid top-up is in the history with its receipt.
    assert s.unpaid[0].discount_parts == [["Full price", "EUR 120.00"], ["Sibling discount 10%", "-EUR 12.00"]]
    top_up = next(r for r in s.paid if r.description == "Credit top-up")
    assert top_up.receipt_url.startswith("/documents/") and top_up.invoice_url == "" and top_up.method
    ema = next(m.id for m in s.members if m.first_name == "Ema")
    jakub = next(m.id for m in s.members if m.first_name == "Jakub")
    s.select_member(jakub)  # per-attendee items follow the member; family-level ones stay
    assert [r.description for r in s.unpaid] == ["Swim cap + goggles"]
    s.select_member(ema)
    assert [r.description for r in s.unpaid] == ["Autumn term fee", "Swim cap + goggles"]
    assert s.selected_total == "EUR 18.00"  # Ema's fee was hidden while Jakub was shown, so it was unticked
    before = (list(s._selected), s.selected_total)
    for bad in [ben_charge] + HOSTILE:
        s.toggle_item(bad)
        assert (list(s._selected), s.selected_total) == before
        s.select_member(bad) if bad not in (0,) else None
    s.toggle_item(s.unpaid[1].charge_id)
    s.toggle_item(s.unpaid[0].charge_id)
    assert s.selected_total == "EUR 108.00"
    s.show_bank_transfer()
    assert s.transfer_open and s.transfer.amount == "EUR 108.00" and s.transfer.qr_svg
    assert not any(x in repr(s.dict()) for x in ("Lily", "Carter", "ben@example.com"))
    # Online payment is off without a Stripe key: the handler refuses and nothing is created.
    s.pay_online()
    assert "not available" in s.error


def test_pay_by_bank_transfer_opens_the_instructions_straight_away(demo):
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments?pay=transfer")
    s.load_payments()
    assert s.transfer_open and s.transfer.amount == "EUR 126.00" and s.transfer.iban
    plain = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments")
    plain.load_payments()
    assert not plain.transfer_open
    # Nothing ticked: no amount, no reference, no QR.
    for row in list(plain.unpaid):
        plain.toggle_item(row.charge_id)
    assert plain.selected_total == ""
    plain.show_bank_transfer()
    assert not plain.transfer_open


def _ben_charges() -> list[int]:
    fam = principal(None, BEN).family_id
    with Session(get_engine()) as db:
        return [c.id for c in db.exec(select(Charge).where(Charge.family_id == fam))]


def test_payments_page_for_a_booking_and_the_order_page_handlers(demo):
    with Session(get_engine()) as db:
        ema_fee = db.exec(select(Charge).where(Charge.description == "Autumn term fee",
                                               Charge.family_id == principal(db, ANNA).family_id)).one()
        ben_booking = db.exec(select(Charge).where(Charge.family_id == principal(db, BEN).family_id,
                                                   Charge.booking_id.is_not(None))).first().booking_id
        gear = db.exec(select(Order).join(Charge, Charge.order_id == Order.id)
                       .where(Charge.description == "Swim cap + goggles")).one()
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments?booking={ema_fee.booking_id}")
    s.load_payments()
    assert [r.description for r in s.unpaid] == ["Autumn term fee"] and s.booking_filter.startswith("Swimming")
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments?booking={ben_booking}")
    s.load_payments()
    assert "not found" in s.error and s.booking_filter == "" and len(s.unpaid) == 2

    o = _state(OrderState, _cookie(ANNA), f"{BASE}/orders/{gear.id}")
    o.load_order()
    assert o.found and o.order.status == "unpaid" and o.has_bank and [x.description for x in o.order.lines] == [
        "Swim cap", "Swim goggles"]
    o.show_bank_transfer()
    assert o.transfer.amount == "EUR 18.00"
    b = _state(OrderState, _cookie(BEN), f"{BASE}/orders/{gear.id}")
    b.load_order()
    assert not b.found and b.order.lines == [] and "not found" in b.error
    b.show_bank_transfer()
    b.pay_online()
    assert b.transfer.amount == ""
    with Session(get_engine()) as db:
        assert db.get(Family, principal(db, ANNA).family_id) is not None
        assert db.get(Charge, ema_fee.id).status == ChargeStatus.unpaid


def test_a_view_only_sharer_sees_what_is_due_and_who_pays_it(demo):
    """Issue: Peter saw "Nothing to pay. Thank you!" while EUR 120 was unpaid on the booking shared with him."""
    s = _state(PaymentsState, _cookie("peter@example.com"), f"{BASE}/payments")
    s.load_payments()
    assert [(r.description, r.status, r.payer) for r in s.unpaid] == [
        ("Autumn term fee", "family", "The Novak family pays this")]
    assert not s.has_payable and s.selected_total == "" and s.paid == []  # no history, no documents
    s.toggle_item(s.unpaid[0].charge_id)
    assert s._selected == [] and s.error
    s.show_bank_transfer()
    assert not s.transfer_open
    # Anna pays it as before.
    a = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments")
    a.load_payments()
    assert a.has_payable and all(r.status == "unpaid" and r.payer == "" for r in a.unpaid)
