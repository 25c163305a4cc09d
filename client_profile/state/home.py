"""Home: family members to switch between, the selected member's bookings, what is unpaid, family sections."""

from __future__ import annotations

import reflex as rx

from client_profile.services import home as home_service
from client_profile.services.errors import DomainError
from client_profile.services.people import sharing as sharing_service
from client_profile.services.people.access import parse_id
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage


class HomeState(LivePage, rx.State):
    provider_name: str = ""
    open_invitations: int = 0  # bookings shared with this address, waiting to be accepted (/invitations)
    client_name: str = ""
    # The service's own view types (docs/decisions.md "View types are declared once").
    members: list[home_service.Member] = []
    selected_member_id: int = 0
    active_bookings: list[home_service.BookingSummary] = []
    past_bookings: list[home_service.BookingSummary] = []
    unpaid: list[home_service.UnpaidItem] = []
    unpaid_total: str = ""
    bank_account_name: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_hint: str = ""
    has_family: bool = False
    family_discounts: list[str] = []
    unpaid_orders: int = 0
    credit_balance: str = ""
    open_makeups: int = 0
    online_payment: bool = False

    # Backend-only: every member's bookings, loaded once per page load under the client id below, so that a
    # switch is a lookup. They never reach the browser.
    _bookings_by_member: dict[
        int, tuple[list[home_service.BookingSummary], list[home_service.BookingSummary]]
    ] = {}
    _makeups_by_member: dict[int, int] = {}

    @rx.var
    def selected_member_name(self) -> str:
        for m in self.members:
            if m.id == self.selected_member_id:
                return m.first_name
        return ""

    @rx.var
    def has_unpaid(self) -> bool:
        return len(self.unpaid) > 0

    @rx.event
    def load_home(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        try:
            provider = ctx.provider
        except DomainError as exc:
            self.error = str(exc)
            return
        self._apply(home_service.home_view(ctx.db, ctx.principal, provider))
        self.open_invitations = len(sharing_service.my_invitations(ctx.db, ctx.principal))

    def _apply(self, view: home_service.HomeView) -> None:
        self.provider_name = view.provider_name
        self.client_name = view.client_name
        self.members = view.members
        by_member: dict[int, tuple[list[home_service.BookingSummary], list[home_service.BookingSummary]]] = {
            m.id: ([], []) for m in view.members
        }
        for b in view.bookings:
            active, past = by_member.setdefault(b.attendee_id, ([], []))
            (active if b.is_active else past).append(b)
        self._bookings_by_member = by_member
        self.unpaid = view.unpaid
        self.unpaid_total = view.unpaid_total
        bank = view.bank
        self.bank_account_name, self.bank_iban, self.bank_bic, self.bank_hint = (
            (bank.account_name, bank.iban, bank.bic, bank.hint) if bank else ("", "", "", "")
        )
        self.has_family = view.has_family
        self.family_discounts = view.family_discounts
        self.unpaid_orders = view.unpaid_orders
        self.credit_balance = view.credit_balance
        self._makeups_by_member = view.makeups_by_member
        self.online_payment = view.online_payment
        self.error = ""
        keep = self.selected_member_id if self.selected_member_id in by_member else 0
        self._show(keep or (view.members[0].id if view.members else 0))

    def _show(self, member_id: int) -> None:
        self.selected_member_id = member_id
        active, past = self._bookings_by_member.get(member_id, ([], []))
        self.active_bookings = active
        self.past_bookings = past
        self.open_makeups = self._makeups_by_member.get(member_id, 0)

    @rx.event
    def select_member(self, member_id: int):
        """Switch member from what this page loaded: one query (the session lookup returns the data version).
        If anything the family can see changed since (including a revoked share), reload instead."""
        wanted = parse_id(member_id)
        return self._handle(lambda ctx: self._switch(ctx, wanted), reload=False, then=lambda reload: reload)

    def _switch(self, ctx: Ctx, wanted: int | None):
        if ctx.principal.data_version != self._seen_version:
            # The family's data changed (e.g. a revoked share): reload; _apply keeps the wish only if still valid.
            if wanted in self._bookings_by_member:
                self.selected_member_id = wanted
            return HomeState.load_home
        if wanted is None or wanted not in self._bookings_by_member:
            raise DomainError("This family member was not found.")
        self._show(wanted)
        return None
