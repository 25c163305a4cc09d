"""Orders of the family: unpaid first, then paid history, each with its items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, select

from client_profile.models import Order, OrderItem, OrderStatus, Provider
from client_profile.services import formatting as fmt
from client_profile.services.identity import Principal


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
    items: list[ItemRow] = field(default_factory=list)


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
        select(Order).where(Order.family_id == principal.family_id, Order.provider_id == principal.provider_id,
                            Order.status != OrderStatus.cancelled)
        .order_by(Order.created_at.desc(), Order.id.desc())
    ).all()
    items: dict[int, list[ItemRow]] = defaultdict(list)
    if orders:
        for it in db.exec(select(OrderItem).where(OrderItem.order_id.in_([o.id for o in orders]))
                          .order_by(OrderItem.id)).all():
            items[it.order_id].append(ItemRow(it.description, it.quantity,
                                              fmt.money(it.quantity * it.unit_price_minor, provider.currency)))
    for o in orders:
        row = OrderRow(o.id, o.number, fmt.day_label(fmt.local(o.created_at, provider.timezone).date()),
                       o.status.value, fmt.money(o.total_minor, o.currency), items[o.id])
        (view.unpaid if o.status == OrderStatus.unpaid else view.paid).append(row)
    return view
