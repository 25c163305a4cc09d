"""The Orders tab (unpaid count and details, paid history) and one order's page (/orders/[order_id])."""

from __future__ import annotations

import dataclasses
from functools import partial

import reflex as rx

from client_profile.db import unit_of_work
from client_profile.services.errors import NotFound
from client_profile.services.money import orders as orders_service
from client_profile.services.money import payments as payments_service
from client_profile.services.money.documents import document_url
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage
from client_profile.state.payments import Transfer, go_to, transfer_of


class OrdersState(LivePage, rx.State):
    has_family: bool = False
    # The service's own rows (docs/decisions.md "View types are declared once").
    unpaid: list[orders_service.OrderRow] = []
    paid: list[orders_service.OrderRow] = []

    @rx.event
    def load_orders(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        view = orders_service.orders_view(ctx.db, ctx.principal, ctx.provider)
        self.has_family = view.has_family
        self.unpaid = view.unpaid
        self.paid = view.paid


@dataclasses.dataclass
class EntryView:
    when: str = ""
    who: str = ""
    note: str = ""
    returned: bool = False


@dataclasses.dataclass
class PassView:
    name: str = ""
    remaining: int = 0
    total: int = 0
    expires: str = ""
    status: str = ""
    used_entries: list[EntryView] = dataclasses.field(
        default_factory=list
    )  # not "entries": an ObjectVar method


@dataclasses.dataclass
class LineView:
    description: str = ""
    kind: str = ""
    quantity: int = 1
    unit_price: str = ""
    total: str = ""
    passes: list[PassView] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class OrderView:
    id: int = 0
    number: str = ""
    created: str = ""
    status: str = ""
    total: str = ""
    due: str = ""
    overdue: bool = False
    reference: str = ""
    paid_on: str = ""
    payment_method: str = ""
    payable: bool = False
    invoice_url: str = ""
    invoice_number: str = ""
    receipt_url: str = ""
    receipt_number: str = ""
    lines: list[LineView] = dataclasses.field(default_factory=list)


def _order_view(d: orders_service.OrderDetail) -> OrderView:
    return OrderView(
        id=d.id,
        number=d.number,
        created=d.created,
        status=d.status,
        total=d.total,
        due=d.due,
        overdue=d.overdue,
        reference=d.reference,
        paid_on=d.paid_on,
        payment_method=d.payment_method,
        payable=d.payable,
        invoice_url=document_url(d.invoice_id),
        invoice_number=d.invoice_number,
        receipt_url=document_url(d.receipt_id),
        receipt_number=d.receipt_number,
        lines=[
            LineView(
                description=line.description,
                kind=line.kind,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.total,
                passes=[
                    PassView(
                        name=p.name,
                        remaining=p.remaining,
                        total=p.total,
                        expires=p.expires,
                        status=p.status,
                        used_entries=[EntryView(**dataclasses.asdict(e)) for e in p.entries],
                    )
                    for p in line.passes
                ],
            )
            for line in d.lines
        ],
    )


def _order_id_from_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) == 2 and parts[0] == "orders" else ""


class OrderState(LivePage, rx.State):
    found: bool = False
    order: OrderView = OrderView()
    online: bool = False
    has_bank: bool = False
    transfer_open: bool = False
    transfer: Transfer = Transfer()

    # Backend-only: which order (from the URL) and which charge pays it, for this identity.
    _order_id: str = ""
    _charge_id: int = 0

    @rx.event
    def load_order(self):
        self._order_id = _order_id_from_path(self.router.url.path)
        self.transfer_open = False
        self.error = ""
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        try:
            detail = orders_service.order_detail(ctx.db, ctx.principal, ctx.provider, self._order_id)
        except NotFound as exc:
            self.found, self.order, self._charge_id = False, OrderView(), 0
            self.error = str(exc)
            return
        self.found = True
        self.order = _order_view(detail)
        self._charge_id = detail.charge_id if detail.payable else 0
        self.online = detail.online
        self.has_bank = detail.has_bank
        if self.transfer_open and self._charge_id:
            self._fill_transfer(ctx)
        elif not self._charge_id:
            self.transfer_open = False

    def _fill_transfer(self, ctx: Ctx) -> None:
        self.transfer = transfer_of(
            payments_service.transfer_instructions(ctx.db, ctx.principal, ctx.provider, [self._charge_id])
        )

    @rx.event
    def show_bank_transfer(self):
        return self._handle(self._open_transfer, reload=False, then=lambda event: event)

    def _open_transfer(self, ctx: Ctx):
        if not self._charge_id:
            return OrderState.load_order  # nothing payable was loaded: look again
        self._fill_transfer(ctx)
        self.transfer_open = True
        return None

    @rx.event
    def pay_online(self):
        """Off to Stripe Checkout (see PaymentsState.pay_online); nothing payable loaded: look again."""
        return self._handle(
            self._start_checkout,
            reload=False,
            transaction=False,
            then=lambda start: (
                go_to(start.url)
                if start
                else (OrderState.refresh if self._charge_id else OrderState.load_order)
            ),
        )

    def _start_checkout(self, ctx: Ctx):
        if not self._charge_id:
            return None
        return payments_service.start_checkout(
            partial(unit_of_work, immediate=True), ctx.principal, [self._charge_id]
        )
