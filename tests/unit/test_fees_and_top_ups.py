"""services.money.fees (discounts on fees, frozen, on the invoice) and services.money.credit (a top-up is a
paid order with a receipt and a ledger entry, once). Times are relative to the test clock (utcnow)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeDiscount,
    ChargeStatus,
    ClassGroup,
    Client,
    CreditEntry,
    CreditKind,
    Discount,
    Invoice,
    InvoiceKind,
    Order,
    OrderItem,
    OrderItemKind,
    Payment,
    Programme,
    utcnow,
)
from client_profile.services.errors import DomainError
from client_profile.services.money import benefits, billing, fees, payments
from client_profile.services.providers import current_provider
from client_profile.services.schedule.attendance import booking_detail
from tests.login_helpers import principal_of


def _lily(db) -> tuple[Booking, int]:
    """Lily Carter's swimming booking (EUR 120.00) and her family, which has no discounts of its own."""
    ben = db.exec(select(Client).where(Client.email == "ben@example.com")).one()
    booking = db.exec(
        select(Booking)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendee.family_id == ben.family_id)
    ).one()
    return booking, ben.family_id


def _discount(
    db,
    family_id: int,
    name: str,
    *,
    percent=None,
    amount=None,
    currency="EUR",
    days=(-10, 10),
    attendee_id=None,
) -> Discount:
    now = utcnow()
    d = Discount(
        provider_id=current_provider(db).id,
        family_id=family_id,
        attendee_id=attendee_id,
        name=name,
        percent=percent,
        amount_minor=amount,
        currency=currency,
        valid_from=now + timedelta(days=days[0]) if days[0] is not None else None,
        valid_until=now + timedelta(days=days[1]) if days[1] is not None else None,
    )
    db.add(d)
    db.flush()
    return d


# --------------------------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("amount", "percent", "saving"),
    [
        (12000, 10, 1200),
        (1250, 10, 125),
        (1255, 10, 126),
        (1245, 10, 125),
        (999, 5, 50),
        (990, 5, 50),
        (989, 5, 49),
        (1, 50, 1),
        (1, 49, 0),
        (12000, 100, 12000),
    ],
)
def test_percent_of_rounds_half_up_to_a_minor_unit(amount, percent, saving):
    assert fees.percent_of(amount, percent) == saving


def _d(name, percent=None, amount=None, currency="EUR", id_=None):
    return Discount(
        id=id_, provider_id=1, family_id=1, name=name, percent=percent, amount_minor=amount, currency=currency
    )


def test_discounts_each_on_the_full_price_add_up_and_never_exceed_it():
    price = fees.price_with(9000, "EUR", [_d("Sibling 10%", 10), _d("Early bird 5%", 5)])
    assert [s.saving_minor for s in price.savings] == [900, 450] and price.due_minor == 7650
    # The same in the other order: each is on the full price, not on what the previous one left.
    assert fees.price_with(9000, "EUR", [_d("Early bird 5%", 5), _d("Sibling 10%", 10)]).due_minor == 7650
    capped = fees.price_with(1000, "EUR", [_d("Half", 50), _d("EUR 8 off", amount=800), _d("More", 10)])
    assert [s.saving_minor for s in capped.savings] == [500, 500] and capped.due_minor == 0
    other = fees.price_with(1000, "EUR", [_d("CZK 100 off", amount=10000, currency="CZK")])
    assert other.savings == () and other.due_minor == 1000


def test_a_fee_gets_the_discounts_valid_when_it_is_made_for_its_attendee(db, demo):
    booking, family_id = _lily(db)
    now = utcnow()
    _discount(db, family_id, "Sibling discount 10%", percent=10)
    _discount(db, family_id, "Loyalty EUR 5", amount=500, days=(None, None))
    _discount(db, family_id, "Ended", percent=50, days=(-30, -1))
    _discount(db, family_id, "Not yet", percent=50, days=(1, 30))
    _discount(db, family_id, "Lily's own 5%", percent=5, attendee_id=booking.attendee_id)
    sister = Attendee(family_id=family_id, first_name="Mia", last_name="Carter")
    db.add(sister)
    db.flush()
    _discount(db, family_id, "Mia's own 50%", percent=50, attendee_id=sister.id)

    fee = fees.create_booking_fee(db, booking, "Spring term fee", 12000, "T-1", None, now=now)
    assert fee.amount_minor == 12000 - 1200 - 500 - 600 and fee.status == ChargeStatus.unpaid
    rows = db.exec(
        select(ChargeDiscount).where(ChargeDiscount.charge_id == fee.id).order_by(ChargeDiscount.id)
    ).all()
    assert [(r.name, r.saving_minor) for r in rows] == [
        ("Sibling discount 10%", 1200),
        ("Loyalty EUR 5", 500),
        ("Lily's own 5%", 600),
    ]
    assert fees.discount_note(fee.amount_minor, "EUR", rows) == (
        "Full price EUR 120.00 · Sibling discount 10% -EUR 12.00 · Loyalty EUR 5 -EUR 5.00 · Lily's own 5% -EUR 6.00"
    )


def test_a_fee_discounted_to_nothing_is_not_charged_and_bad_prices_change_nothing(db, demo):
    booking, family_id = _lily(db)
    _discount(db, family_id, "Scholarship", percent=100)
    before = len(db.exec(select(Charge)).all())
    assert fees.create_booking_fee(db, booking, "Spring term fee", 12000, "T-2", None) is None
    for bad in (0, -100, 1.5, "120", True):
        with pytest.raises(ValueError):
            fees.create_booking_fee(db, booking, "Spring term fee", bad, "T-3", None)
    assert (
        len(db.exec(select(Charge)).all()) == before
        and db.exec(select(ChargeDiscount).where(ChargeDiscount.name == "Scholarship")).all() == []
    )


def test_the_invoice_shows_the_full_price_and_the_discount_and_stays_frozen(db, demo):
    booking, family_id = _lily(db)
    sibling = _discount(db, family_id, "Sibling discount 10%", percent=10)
    early = _discount(db, family_id, "Early bird 5%", percent=5)
    fee = fees.create_booking_fee(db, booking, "Spring term fee", 12345, "T-4", None)
    assert fee.amount_minor == 12345 - 1235 - 617  # 1234.5 -> 1235, 617.25 -> 617
    done = payments.record_bank_transfer(db, "T-4", fee.amount_minor)
    db.commit()
    invoice = db.exec(
        select(Invoice).where(Invoice.charge_id == fee.id, Invoice.kind == InvoiceKind.invoice)
    ).one()
    lines = invoice.content["lines"]
    assert [(line["description"], line["gross"], line["vat_rate_bp"]) for line in lines] == [
        ("Spring term fee (Lily Carter)", 12345, 2300),
        ("Sibling discount 10%", -1235, 2300),
        ("Early bird 5% (discount)", -617, 2300),
    ]
    assert sum(line["gross"] for line in lines) == invoice.content["total"] == fee.amount_minor == 10493
    (summary,) = invoice.content["vat_summary"]
    assert summary["gross"] == 10493 and (summary["net"], summary["vat"]) == billing.split_vat(10493, 2300)
    # The lines' nets and VAT add up to the summary's (the last discount line takes the rounding cent).
    assert (sum(line["net"] for line in lines), sum(line["vat"] for line in lines)) == (
        summary["net"],
        summary["vat"],
    )
    assert all(line["net"] + line["vat"] == line["gross"] for line in lines)
    assert invoice.number in done.documents

    # Later changes to the discounts change neither the fee, its note nor its invoice.
    sibling.name, sibling.percent, early.percent = "Renamed", 50, 1
    db.add_all([sibling, early])
    db.commit()
    assert db.get(Charge, fee.id).amount_minor == 10493
    saved = fees.savings_by_charge(db, [fee.id])[fee.id]
    assert [(s.name, s.saving_minor) for s in saved] == [
        ("Sibling discount 10%", 1235),
        ("Early bird 5%", 617),
    ]
    assert billing.document_content(db, invoice)["lines"] == lines

    from client_profile.integrations.invoice_pdf import render_pdf

    assert render_pdf(invoice.content).startswith(b"%PDF")


# ------------------------------------------------------------------------------------------- credit top-up


def _top_up_order(db, family_id: int, amount: int, reference: str) -> Charge:
    order = Order(
        provider_id=current_provider(db).id,
        family_id=family_id,
        number=f"O-T-{reference}",
        total_minor=amount,
    )
    db.add(order)
    db.flush()
    db.add(
        OrderItem(
            order_id=order.id,
            kind=OrderItemKind.credit_top_up,
            description="Prepaid credit",
            unit_price_minor=amount,
        )
    )
    charge = Charge(
        provider_id=order.provider_id,
        family_id=family_id,
        order_id=order.id,
        description="Credit top-up",
        amount_minor=amount,
        reference=reference,
    )
    db.add(charge)
    db.commit()
    return charge


def test_a_paid_top_up_credits_the_ledger_once_with_a_receipt_and_no_invoice(db, demo):
    _, family_id = _lily(db)
    charge = _top_up_order(db, family_id, 2500, "T-TOPUP")
    assert db.exec(select(CreditEntry).where(CreditEntry.family_id == family_id)).all() == []
    done = payments.record_bank_transfer(db, "T-TOPUP", 2500)
    db.commit()
    (entry,) = db.exec(select(CreditEntry).where(CreditEntry.family_id == family_id)).all()
    assert (entry.kind, entry.amount_minor, entry.charge_id) == (CreditKind.top_up, 2500, charge.id)
    assert entry.order_id == charge.order_id and entry.description == "Credit top-up, order O-T-T-TOPUP"
    payment = db.exec(select(Payment).where(Payment.charge_id == charge.id)).one()
    (receipt,) = db.exec(select(Invoice).where(Invoice.charge_id == charge.id)).all()
    assert (
        receipt.kind == InvoiceKind.receipt
        and receipt.payment_id == payment.id
        and done.documents == [receipt.number]
    )
    assert [(line["vat_rate_bp"], line["vat"]) for line in receipt.content["lines"]] == [(0, 0)]
    assert "Prepaid credit" in " ".join(receipt.content["notes_after"])

    # Again, by any path: nothing more is credited.
    with pytest.raises(DomainError, match="already paid"):
        payments.record_bank_transfer(db, "T-TOPUP", 2500)
    db.rollback()
    assert payments.mark_charge_paid(db, db.get(Charge, charge.id), utcnow()) is False
    db.commit()
    assert len(db.exec(select(CreditEntry).where(CreditEntry.family_id == family_id)).all()) == 1


def test_the_demo_top_up_is_in_the_payment_history_with_its_receipt(db, demo):
    view = payments.payments_view(db, principal_of(db, "anna@example.com"), current_provider(db), None)
    (top_up,) = [i for i in view.paid if i.description == "Credit top-up"]
    assert (top_up.amount, top_up.method, top_up.attendee) == ("EUR 50.00", "Bank transfer", "Whole family")
    assert top_up.receipt_id and top_up.receipt_number.startswith("R-") and not top_up.invoice_id
    football = next(i for i in view.paid if i.description == "Football Juniors - term fee")
    assert football.amount == "EUR 76.50"
    assert (
        football.discounts
        == "Full price EUR 90.00 · Sibling discount 10% -EUR 9.00 · Early bird 5% -EUR 4.50"
    )
    assert football.discount_parts == (
        ("Full price", "EUR 90.00"),
        ("Sibling discount 10%", "-EUR 9.00"),
        ("Early bird 5%", "-EUR 4.50"),
    )
    assert all(i.discount_parts == () for i in view.paid if i.order_id)  # orders get no discounts
    # The credit history on Benefits links the same receipt from the top-up's entry, and only from it.
    ledger = benefits.benefits_view(db, principal_of(db, "anna@example.com"), current_provider(db)).ledger
    (entry,) = [e for e in ledger if e.receipt_url]
    assert entry.is_credit and entry.amount == "EUR 50.00"
    assert (entry.receipt_url, entry.receipt_number) == (
        f"/documents/{top_up.receipt_id}.pdf",
        top_up.receipt_number,
    )


def test_the_booking_page_shows_what_the_fee_costs_after_its_discounts(db, demo):
    anna = principal_of(db, "anna@example.com")
    provider = current_provider(db)
    by_programme = {}
    for booking, programme in db.exec(
        select(Booking, Programme)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendee.family_id == anna.family_id)
    ).all():
        by_programme[programme.name] = booking_detail(db, anna, provider, booking.id)
    swim = by_programme["Swimming - Beginners"]
    assert swim.price == "EUR 108.00"
    assert swim.price_parts == [("Full price", "EUR 120.00"), ("Sibling discount 10%", "-EUR 12.00")]
    football = by_programme["Football Juniors"]
    assert football.price == "EUR 76.50" and [name for name, _ in football.price_parts] == [
        "Full price",
        "Sibling discount 10%",
        "Early bird 5%",
    ]
    # Ben's family has no discounts: the list price, nothing under it.
    ben = principal_of(db, "ben@example.com")
    lily_booking, _ = _lily(db)
    lily = booking_detail(db, ben, provider, lily_booking.id)
    assert lily.price == "EUR 120.00" and lily.price_parts == []
