"""States of the Bookings, Benefits and Orders tabs: each loads its view once per page load."""

from __future__ import annotations

import dataclasses

import reflex as rx

from client_profile.models import utcnow
from client_profile.services import benefits as benefits_service
from client_profile.services import formatting as fmt
from client_profile.services import home as home_service
from client_profile.services import orders as orders_service
from client_profile.services.identity import Principal
from client_profile.services.providers import current_provider
from client_profile.state.live import LivePage


@dataclasses.dataclass
class ListBookingRow:
    id: int = 0
    member: str = ""
    programme: str = ""
    class_name: str = ""
    schedule: str = ""
    place: str = ""
    is_online: bool = False
    next_session: str = ""
    shared_with_me: bool = False


class BookingsState(LivePage, rx.State):
    active: list[ListBookingRow] = []
    past: list[ListBookingRow] = []

    @rx.event
    def load_bookings(self):
        return self._run(only_if_changed=False)

    def _load(self, db, principal: Principal):
        provider = current_provider(db)
        now = utcnow()
        names = {m.id: m.first_name for m in home_service.visible_members(db, principal)}
        rows = home_service.booking_summaries(db, principal, provider, fmt.local(now, provider.timezone).date(), now)
        active, past = [], []
        for b in rows:
            row = ListBookingRow(id=b.id, member=names.get(b.attendee_id, ""), programme=b.programme,
                                 class_name=b.class_name, schedule=b.schedule, place=b.place, is_online=b.is_online,
                                 next_session=b.next_session, shared_with_me=b.shared_with_me)
            (active if b.is_active else past).append(row)
        self.active, self.past = active, past


@dataclasses.dataclass
class MakeupItem:
    id: int = 0
    attendee: str = ""
    programme: str = ""
    earned_from: str = ""
    status: str = ""
    detail: str = ""


@dataclasses.dataclass
class DiscountItem:
    id: int = 0
    name: str = ""
    value: str = ""
    scope: str = ""
    status: str = ""
    validity: str = ""


@dataclasses.dataclass
class PassItem:
    id: int = 0
    name: str = ""
    remaining: int = 0
    total: int = 0
    expires: str = ""
    status: str = ""


@dataclasses.dataclass
class LedgerItem:
    id: int = 0
    when: str = ""
    description: str = ""
    amount: str = ""
    is_credit: bool = False


class BenefitsState(LivePage, rx.State):
    has_family: bool = False
    makeups: list[MakeupItem] = []
    discounts: list[DiscountItem] = []
    passes: list[PassItem] = []
    ledger: list[LedgerItem] = []
    credit_balance: str = ""

    @rx.event
    def load_benefits(self):
        return self._run(only_if_changed=False)

    def _load(self, db, principal: Principal):
        view = benefits_service.benefits_view(db, principal, current_provider(db))
        self.has_family = view.has_family
        self.makeups = [MakeupItem(**dataclasses.asdict(m)) for m in view.makeups]
        self.discounts = [DiscountItem(**dataclasses.asdict(d)) for d in view.discounts]
        self.passes = [PassItem(**dataclasses.asdict(p)) for p in view.passes]
        self.ledger = [LedgerItem(**dataclasses.asdict(e)) for e in view.ledger]
        self.credit_balance = view.credit_balance


@dataclasses.dataclass
class OrderItemRow:
    description: str = ""
    quantity: int = 1
    total: str = ""


@dataclasses.dataclass
class OrderListRow:
    id: int = 0
    number: str = ""
    created: str = ""
    status: str = ""
    total: str = ""
    lines: list[OrderItemRow] = dataclasses.field(default_factory=list)


def _order_row(o: orders_service.OrderRow) -> OrderListRow:
    return OrderListRow(id=o.id, number=o.number, created=o.created, status=o.status, total=o.total,
                        lines=[OrderItemRow(i.description, i.quantity, i.total) for i in o.items])


class OrdersState(LivePage, rx.State):
    has_family: bool = False
    unpaid: list[OrderListRow] = []
    paid: list[OrderListRow] = []

    @rx.event
    def load_orders(self):
        return self._run(only_if_changed=False)

    def _load(self, db, principal: Principal):
        view = orders_service.orders_view(db, principal, current_provider(db))
        self.has_family = view.has_family
        self.unpaid = [_order_row(o) for o in view.unpaid]
        self.paid = [_order_row(o) for o in view.paid]
