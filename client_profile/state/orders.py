"""The Orders tab (unpaid count and details, paid history) and one order's page (/orders/[order_id])."""

from __future__ import annotations

from functools import partial

import reflex as rx

from client_profile.db import unit_of_work
from client_profile.services.errors import NotFound
from client_profile.services.money import orders as orders_service
from client_profile.services.money import payments as payments_service
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage
from client_profile.state.payments import go_to


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


def _order_id_from_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) == 2 and parts[0] == "orders" else ""


class OrderState(LivePage, rx.State):
    found: bool = False
    # The service's own view types (docs/decisions.md "View types are declared once").
    order: orders_service.OrderDetail = orders_service.OrderDetail()
    online: bool = False
    has_bank: bool = False
    transfer_open: bool = False
    transfer: payments_service.TransferInstructions = payments_service.TransferInstructions()

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
            self.found, self.order, self._charge_id = False, orders_service.OrderDetail(), 0
            self.error = str(exc)
            return
        self.found = True
        self.order = detail
        self._charge_id = detail.charge_id if detail.payable else 0
        self.online = detail.online
        self.has_bank = detail.has_bank
        if self.transfer_open and self._charge_id:
            self._fill_transfer(ctx)
        elif not self._charge_id:
            self.transfer_open = False

    def _fill_transfer(self, ctx: Ctx) -> None:
        self.transfer = payments_service.transfer_instructions(
            ctx.db, ctx.principal, ctx.provider, [self._charge_id]
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
