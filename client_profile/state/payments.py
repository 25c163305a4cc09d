"""The payments page: unpaid items first, paid history with documents, pay online or by bank transfer.

Every handler re-derives the identity from the session cookie; charge ids from the browser are only ever
checked against the rows loaded for this identity and then again by the service; amounts come from the
database. The Checkout redirect is a full navigation to Stripe's URL.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import reflex as rx

from client_profile import formatting as fmt
from client_profile.clock import utcnow
from client_profile.db import unit_of_work
from client_profile.services import home as home_service
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import payments as payments_service
from client_profile.services.people.access import parse_id
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage


@dataclasses.dataclass(frozen=True)
class PayRow(payments_service.PaymentItem):
    """An unpaid item as the service gives it, plus what only the page has: whether it is ticked."""

    selected: bool = False


def _ticked(item: payments_service.PaymentItem, selected: bool) -> PayRow:
    return PayRow(**{f.name: getattr(item, f.name) for f in dataclasses.fields(item)}, selected=selected)


def go_to(url: str) -> rx.event.EventSpec:
    """A full navigation, in this tab, to an absolute URL we produced (Stripe Checkout). The front end assigns
    window.location for an address on another host; no rx.call_script (the CSP has no eval)."""
    return rx.redirect(url)


class PaymentsState(LivePage, rx.State):
    message_tone: str = "info"  # success | info | warning | error
    # The service's own view types (docs/decisions.md "View types are declared once").
    members: list[home_service.Member] = []
    selected_member_id: int = 0  # 0: everyone
    unpaid: list[PayRow] = []
    paid: list[payments_service.PaymentItem] = []
    online: bool = False
    online_note: str = ""
    invoicing: bool = False
    has_bank: bool = False
    selected_total: str = ""
    has_payable: bool = False  # any unpaid item this person may pay (shared view-only ones are not)
    booking_filter: str = ""  # "Swimming - Beginners (Ema)" when opened from a booking
    transfer_open: bool = False
    transfer: payments_service.TransferInstructions = payments_service.TransferInstructions()
    busy: bool = False

    # Backend-only: every visible row, so switching members is a lookup; the ids the user ticked.
    _all_unpaid: list[payments_service.PaymentItem] = []
    _all_paid: list[payments_service.PaymentItem] = []
    _amounts: dict[int, int] = {}
    _currency: str = "EUR"
    _selected: list[int] = []
    _booking_id: int = 0
    _checkout_id: int = 0

    @rx.event
    def load_payments(self):
        params = self.router.url.query_parameters
        self._booking_id = parse_id(params.get("booking", "")) or 0
        self._checkout_id = parse_id(params.get("checkout", "")) or 0
        self._selected = []
        # "Pay by bank transfer" (home, without card payment) opens the instructions straight away.
        self.transfer_open = params.get("pay", "") == "transfer"
        self.error = ""
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        db, principal = ctx.db, ctx.principal
        try:
            provider = ctx.provider
        except DomainError as exc:
            self.error = str(exc)
            return
        self.booking_filter = ""
        if self._booking_id:
            try:
                self.booking_filter = payments_service.booking_label(db, principal, self._booking_id)
            except NotFound:
                self._booking_id = 0
                self.error = "This booking was not found. Showing all payments."
        view = payments_service.payments_view(db, principal, provider, booking_id=self._booking_id or None)
        self.members = home_service.member_views(db, principal, fmt.local(utcnow(), provider.timezone).date())
        self._all_unpaid = view.unpaid
        self._all_paid = view.paid
        self._amounts = {i.charge_id: i.amount_minor for i in view.unpaid if i.status == "unpaid"}
        self._currency = view.unpaid[0].currency if view.unpaid else view.currency
        self.online = view.online
        self.online_note = view.online_note
        self.invoicing = view.invoicing
        self.has_bank = view.bank is not None
        payable = [r.charge_id for r in self._all_unpaid if r.status == "unpaid"]
        if self._client_id != principal.client_id:
            self._selected = []
        self._selected = [i for i in self._selected if i in payable] or payable
        if self.selected_member_id not in {m.id for m in self.members}:
            self.selected_member_id = 0
        self._checkout_message(ctx)
        self._show()
        if self.transfer_open:
            self._fill_transfer(ctx)

    def _checkout_message(self, ctx: Ctx) -> None:
        self.message, self.message_tone = "", "info"
        if self._checkout_id:
            try:
                attempt = payments_service.get_attempt(ctx.db, ctx.principal, self._checkout_id)
            except NotFound:
                self._checkout_id = 0
                return
            self.message_tone, self.message = payments_service.checkout_message(attempt)

    def _visible(self, row: payments_service.PaymentItem) -> bool:
        return row.attendee_id == 0 or self.selected_member_id in (0, row.attendee_id)

    def _show(self) -> None:
        visible_unpaid = [r for r in self._all_unpaid if self._visible(r)]
        visible_ids = {r.charge_id for r in visible_unpaid}
        self._selected = [i for i in self._selected if i in visible_ids]
        chosen = set(self._selected)
        self.unpaid = [_ticked(r, r.charge_id in chosen) for r in visible_unpaid]
        self.has_payable = any(r.status == "unpaid" for r in visible_unpaid)
        self.paid = [r for r in self._all_paid if self._visible(r)]
        total = sum(self._amounts.get(i, 0) for i in self._selected)
        self.selected_total = fmt.money(total, self._currency) if self._selected else ""

    def _fill_transfer(self, ctx: Ctx) -> None:
        ids = list(self._selected)  # nothing ticked: no amount, no reference, no QR
        if not ids:
            self.transfer_open = False
            return
        self.transfer = payments_service.transfer_instructions(ctx.db, ctx.principal, ctx.provider, ids)

    @rx.event
    def select_member(self, member_id: int):
        wanted = 0 if member_id in (0, "0") else parse_id(member_id)
        return self._handle(lambda ctx: self._switch_member(wanted), reload=False)

    def _switch_member(self, wanted: int | None) -> None:
        if wanted is None or (wanted and wanted not in {m.id for m in self.members}):
            raise DomainError("This family member was not found.")
        self.selected_member_id = wanted
        self.transfer_open = False
        self._show()

    @rx.event
    def toggle_item(self, charge_id: int):
        return self._handle(lambda ctx: self._toggle(parse_id(charge_id)), reload=False)

    def _toggle(self, cid: int | None) -> None:
        if cid is None or cid not in {r.charge_id for r in self.unpaid if r.status == "unpaid"}:
            raise DomainError("This payment item was not found.")
        self._selected = (
            [i for i in self._selected if i != cid] if cid in self._selected else self._selected + [cid]
        )
        self.transfer_open = False
        self._show()

    @rx.event
    def show_bank_transfer(self):
        return self._handle(self._open_transfer, reload=False)

    def _open_transfer(self, ctx: Ctx) -> None:
        try:
            self.transfer_open = True
            self._fill_transfer(ctx)
        except DomainError:
            self.transfer_open = False
            raise

    @rx.event
    def hide_bank_transfer(self):
        self.transfer_open = False

    @rx.event
    def pay_online(self):
        """Off to Stripe Checkout. The checkout opens its own short transactions (none is held open while Stripe
        is called); a refusal refreshes the page, whose items may have changed."""
        return self._handle(
            self._start_checkout,
            reload=False,
            transaction=False,
            then=lambda start: go_to(start.url) if start else PaymentsState.refresh,
        )

    def _start_checkout(self, ctx: Ctx):
        if not self._selected:
            raise DomainError("Choose at least one item to pay.")
        return payments_service.start_checkout(
            partial(unit_of_work, immediate=True), ctx.principal, list(self._selected)
        )
