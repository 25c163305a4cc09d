"""The payments and order page handlers called as a hostile client can call them: never another family's items;
the transfer panel; a view-only sharer sees what is due and who pays it."""

from __future__ import annotations

import reflex as rx
from reflex.istate.data import HeaderData, RouterData
from sqlmodel import Session, select

from client_profile.db import get_engine
from client_profile.models import (
    Charge,
    ChargeStatus,
    Family,
    Order,
)
from client_profile.state.orders import OrderState
from client_profile.state.payments import PaymentsState
from tests.payment_helpers import principal, session_cookie

BASE = "http://localhost:3000"
ANNA, BEN, PETER = "anna@example.com", "ben@example.com", "peter@example.com"


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
    assert [list(p) for p in s.unpaid[0].discount_parts] == [  # the service's tuples
        ["Full price", "EUR 120.00"],
        ["Sibling discount 10%", "-EUR 12.00"],
    ]
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
        ema_fee = db.exec(
            select(Charge).where(
                Charge.description == "Autumn term fee", Charge.family_id == principal(db, ANNA).family_id
            )
        ).one()
        ben_booking = (
            db.exec(
                select(Charge).where(
                    Charge.family_id == principal(db, BEN).family_id, Charge.booking_id.is_not(None)
                )
            )
            .first()
            .booking_id
        )
        gear = db.exec(
            select(Order)
            .join(Charge, Charge.order_id == Order.id)
            .where(Charge.description == "Swim cap + goggles")
        ).one()
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments?booking={ema_fee.booking_id}")
    s.load_payments()
    assert [r.description for r in s.unpaid] == ["Autumn term fee"] and s.booking_filter.startswith(
        "Swimming"
    )
    s = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments?booking={ben_booking}")
    s.load_payments()
    assert "not found" in s.error and s.booking_filter == "" and len(s.unpaid) == 2

    o = _state(OrderState, _cookie(ANNA), f"{BASE}/orders/{gear.id}")
    o.load_order()
    assert (
        o.found
        and o.order.status == "unpaid"
        and o.has_bank
        and [x.description for x in o.order.lines] == ["Swim cap", "Swim goggles"]
    )
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
        ("Autumn term fee", "family", "The Novak family pays this")
    ]
    assert not s.has_payable and s.selected_total == "" and s.paid == []  # no history, no documents
    s.toggle_item(s.unpaid[0].charge_id)
    assert s._selected == [] and s.error
    s.show_bank_transfer()
    assert not s.transfer_open
    # Anna pays it as before.
    a = _state(PaymentsState, _cookie(ANNA), f"{BASE}/payments")
    a.load_payments()
    assert a.has_payable and all(r.status == "unpaid" and r.payer == "" for r in a.unpaid)
