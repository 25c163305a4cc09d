"""States of the Bookings and Benefits tabs: each loads its view once per page load (Orders: state/orders.py)."""

from __future__ import annotations

import reflex as rx

from client_profile import formatting as fmt
from client_profile.clock import utcnow
from client_profile.services import home as home_service
from client_profile.services.money import benefits as benefits_service
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage


class BookingsState(LivePage, rx.State):
    # The service's own rows (docs/decisions.md "View types are declared once").
    active: list[home_service.BookingSummary] = []
    past: list[home_service.BookingSummary] = []

    @rx.event
    def load_bookings(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        db, principal, provider = ctx.db, ctx.principal, ctx.provider
        now = utcnow()
        rows = home_service.booking_summaries(
            db, principal, provider, fmt.local(now, provider.timezone).date(), now
        )
        active, past = [], []
        for b in rows:
            (active if b.is_active else past).append(b)
        self.active, self.past = active, past


class BenefitsState(LivePage, rx.State):
    has_family: bool = False
    # The service's own view types (frozen dataclasses), not copies: docs/decisions.md "View types are declared
    # once".
    makeups: list[benefits_service.MakeupRow] = []
    discounts: list[benefits_service.DiscountRow] = []
    passes: list[benefits_service.PassRow] = []
    ledger: list[benefits_service.LedgerRow] = []
    history: list[
        benefits_service.HistoryRow
    ] = []  # the provider's changes to passes and credits, newest first
    credit_balance: str = ""

    @rx.event
    def load_benefits(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        view = benefits_service.benefits_view(ctx.db, ctx.principal, ctx.provider)
        self.has_family = view.has_family
        self.makeups = view.makeups
        self.discounts = view.discounts
        self.passes = view.passes
        self.ledger = view.ledger
        self.history = view.history
        self.credit_balance = view.credit_balance
