"""Prepaid credit bought as an order: a top-up is an order item of kind credit_top_up. When the order's charge
turns paid (card, bank transfer, the desk: services.money.payments.mark_charge_paid, the one place a charge turns
paid) the ledger gets the top-up entry, linked to the order and the charge, so it has a payment in the payment
history and a receipt like any paid item. Applied once: only the call that turned the charge paid adds it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from client_profile.models import Charge, CreditEntry, CreditKind, Order, OrderItem, OrderItemKind


def top_up_minor(db: Session, charge: Charge) -> int:
    """How much prepaid credit a charge buys (0: none)."""
    if charge.order_id is None:
        return 0
    items = db.exec(
        select(OrderItem).where(
            OrderItem.order_id == charge.order_id, OrderItem.kind == OrderItemKind.credit_top_up
        )
    ).all()
    return sum(i.quantity * i.unit_price_minor for i in items)


def is_credit_top_up(db: Session, charge: Charge) -> bool:
    """A charge that only buys prepaid credit (every item of its order is a top-up)."""
    if charge.order_id is None:
        return False
    kinds = set(db.exec(select(OrderItem.kind).where(OrderItem.order_id == charge.order_id)).all())
    return kinds == {OrderItemKind.credit_top_up}


def credit_paid_top_up(db: Session, charge: Charge, when: datetime) -> CreditEntry | None:
    """The ledger entry for the credit a just-paid charge bought. Only the caller that turned the charge paid
    calls this (mark_charge_paid), so it happens once."""
    amount = top_up_minor(db, charge)
    if amount <= 0:
        return None
    order = db.get(Order, charge.order_id)
    entry = CreditEntry(
        provider_id=charge.provider_id,
        family_id=charge.family_id,
        kind=CreditKind.top_up,
        amount_minor=amount,
        currency=charge.currency,
        description=f"Credit top-up, order {order.number}" if order else "Credit top-up",
        order_id=charge.order_id,
        charge_id=charge.id,
        created_at=when,
    )
    db.add(entry)
    db.flush()
    return entry
