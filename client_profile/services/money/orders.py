"""Orders of the family: unpaid first, then paid history, each with its items; one order with its payment
status, documents and, for entry-pass items, the pass and its entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.integrations.stripe_gateway import gateway
from client_profile.models import (
    Attendee,
    Charge,
    ChargeStatus,
    EntryPass,
    EntryPassEntry,
    Invoice,
    InvoiceKind,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentStatus,
    Provider,
    utcnow,
)
from client_profile.services.errors import NotFound
from client_profile.services.money.benefits import pass_status
from client_profile.services.money.billing import METHOD_LABEL
from client_profile.services.money.documents import document_url
from client_profile.services.money.payments import online_payment_available
from client_profile.services.people.access import parse_id
from client_profile.services.people.identity import Principal


@dataclass(frozen=True)
class ItemRow:
    description: str
    quantity: int
    total: str


@dataclass(frozen=True)
class OrderRow:
    id: int
    number: str
    created: str
    status: str
    total: str
    # Not `items`: a state var of these rows is an object var in the page, where `.items` is the dict method.
    lines: list[ItemRow] = field(default_factory=list)


@dataclass
class OrdersView:
    unpaid: list[OrderRow] = field(default_factory=list)
    paid: list[OrderRow] = field(default_factory=list)
    has_family: bool = False


def orders_view(db: Session, principal: Principal, provider: Provider) -> OrdersView:
    view = OrdersView(has_family=principal.family_id is not None)
    if principal.family_id is None:
        return view
    orders = db.exec(
        select(Order)
        .where(
            Order.family_id == principal.family_id,
            Order.provider_id == principal.provider_id,
            Order.status != OrderStatus.cancelled,
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
    ).all()
    items: dict[int, list[ItemRow]] = defaultdict(list)
    if orders:
        for it in db.exec(
            select(OrderItem).where(OrderItem.order_id.in_([o.id for o in orders])).order_by(OrderItem.id)
        ).all():
            items[it.order_id].append(
                ItemRow(
                    it.description,
                    it.quantity,
                    fmt.money(it.quantity * it.unit_price_minor, provider.currency),
                )
            )
    for o in orders:
        row = OrderRow(
            o.id,
            o.number,
            fmt.day_label(fmt.local(o.created_at, provider.timezone).date()),
            o.status.value,
            fmt.money(o.total_minor, o.currency),
            items[o.id],
        )
        (view.unpaid if o.status == OrderStatus.unpaid else view.paid).append(row)
    return view


# ------------------------------------------------------------------------------------------------ one order


@dataclass(frozen=True)
class EntryRow:
    when: str
    who: str
    note: str
    returned: bool


@dataclass(frozen=True)
class OrderPass:
    name: str
    remaining: int
    total: int
    expires: str
    status: str
    # Not `entries`: a state var of these is an object var in the page, where `.entries` is the dict method.
    used_entries: list[EntryRow] = field(default_factory=list)


@dataclass(frozen=True)
class OrderLine:
    description: str
    kind: str  # "Product", "Entry pass", "Service", "Credit top-up"
    quantity: int
    unit_price: str
    total: str
    passes: list[OrderPass] = field(default_factory=list)


@dataclass
class OrderDetail:
    # Every field has a default: OrderDetail() is the order page's empty value (state/orders.py OrderState.order).
    id: int = 0
    number: str = ""
    created: str = ""
    status: str = ""  # unpaid | paid | cancelled
    total: str = ""
    lines: list[OrderLine] = field(default_factory=list)
    charge_id: int = 0  # the charge that pays this order (0: none)
    due: str = ""
    overdue: bool = False
    reference: str = ""
    paid_on: str = ""
    payment_method: str = ""
    payable: bool = False
    invoice_id: int = 0
    invoice_number: str = ""
    invoice_url: str = ""  # documents.document_url ("" for none)
    receipt_id: int = 0
    receipt_number: str = ""
    receipt_url: str = ""
    online: bool = False  # payable online now (the provider offers it and a gateway is configured)
    has_bank: bool = False  # payable by bank transfer (the provider has bank details)


KIND_LABELS = {
    "product": "Product",
    "entry_pass": "Entry pass",
    "service": "Service",
    "credit_top_up": "Credit top-up",
}


def order_detail(
    db: Session, principal: Principal, provider: Provider, order_id: object, now: datetime | None = None
) -> OrderDetail:
    """One order of the principal's family with its items, payment status, documents, and for entry-pass items
    the pass and its entries. NotFound for another family's order, a missing one or a malformed id."""
    now = now or utcnow()
    oid = parse_id(order_id)
    order = None
    if oid is not None and principal.family_id is not None:
        order = db.exec(
            select(Order).where(
                Order.id == oid,
                Order.family_id == principal.family_id,
                Order.provider_id == principal.provider_id,
            )
        ).first()
    if order is None:
        raise NotFound("order")
    tz = provider.timezone
    items = db.exec(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)).all()
    passes = db.exec(
        select(EntryPass)
        .where(
            EntryPass.order_item_id.in_([i.id for i in items] or [0]), EntryPass.family_id == order.family_id
        )
        .order_by(EntryPass.id)
    ).all()
    entries = db.exec(
        select(EntryPassEntry, Attendee.first_name)
        .outerjoin(Attendee, Attendee.id == EntryPassEntry.attendee_id)
        .where(EntryPassEntry.entry_pass_id.in_([p.id for p in passes] or [0]))
        .order_by(EntryPassEntry.used_at.desc(), EntryPassEntry.id.desc())
    ).all()
    by_pass: dict[int, list[EntryRow]] = defaultdict(list)
    used: dict[int, int] = defaultdict(int)
    for entry, first_name in entries:
        by_pass[entry.entry_pass_id].append(
            EntryRow(
                fmt.day_label(fmt.local(entry.used_at, tz).date()),
                first_name or "",
                entry.note,
                entry.returned_at is not None,
            )
        )
        if entry.returned_at is None:
            used[entry.entry_pass_id] += 1
    passes_by_item: dict[int, list[OrderPass]] = defaultdict(list)
    for p in passes:
        passes_by_item[p.order_item_id].append(
            OrderPass(
                p.name,
                max(p.entries_total - used[p.id], 0),
                p.entries_total,
                fmt.day_label(fmt.local(p.expires_at, tz).date()),
                pass_status(p, used[p.id], now),
                by_pass[p.id],
            )
        )
    lines = [
        OrderLine(
            i.description,
            KIND_LABELS.get(i.kind.value, i.kind.value),
            i.quantity,
            fmt.money(i.unit_price_minor, order.currency),
            fmt.money(i.quantity * i.unit_price_minor, order.currency),
            passes_by_item[i.id],
        )
        for i in items
    ]
    detail = OrderDetail(
        order.id,
        order.number,
        fmt.day_label(fmt.local(order.created_at, tz).date()),
        order.status.value,
        fmt.money(order.total_minor, order.currency),
        lines,
    )
    charge = db.exec(select(Charge).where(Charge.order_id == order.id)).first()
    if charge is not None:
        today = fmt.local(now, tz).date()
        detail.charge_id = charge.id
        detail.due = fmt.day_label(charge.due_on) if charge.due_on else ""
        detail.overdue = bool(
            charge.status == ChargeStatus.unpaid and charge.due_on and charge.due_on < today
        )
        detail.reference = charge.reference
        detail.payable = charge.status == ChargeStatus.unpaid
        detail.online = detail.payable and online_payment_available(provider, gateway())
        detail.has_bank = detail.payable and bool(provider.bank_iban)
        if charge.paid_at is not None:
            detail.paid_on = fmt.day_label(fmt.local(charge.paid_at, tz).date())
        payment = db.exec(
            select(Payment)
            .where(Payment.charge_id == charge.id, Payment.status == PaymentStatus.succeeded)
            .order_by(Payment.id.desc())
        ).first()
        if payment is not None:
            detail.payment_method = METHOD_LABEL.get(payment.method, payment.method.value)
        for doc in db.exec(select(Invoice).where(Invoice.charge_id == charge.id).order_by(Invoice.id)).all():
            if doc.kind == InvoiceKind.invoice:
                detail.invoice_id, detail.invoice_number = doc.id, doc.number
            else:
                detail.receipt_id, detail.receipt_number = doc.id, doc.number
        detail.invoice_url = document_url(detail.invoice_id)
        detail.receipt_url = document_url(detail.receipt_id)
    return detail
