"""States of the Bookings and Benefits tabs: each loads its view once per page load (Orders: state/orders.py)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from client_profile import formatting as fmt
from client_profile.clock import utcnow
from client_profile.services import benefits as benefits_service
from client_profile.services import home as home_service
from client_profile.state.base import Ctx
from client_profile.state.home import BookingRow
from client_profile.state.live import LivePage


class BookingsState(LivePage, rx.State):
    active: list[BookingRow] = []
    past: list[BookingRow] = []

    @rx.event
    def load_bookings(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        db, principal, provider = ctx.db, ctx.principal, ctx.provider
        now = utcnow()
        names = {m.id: m.first_name for m in home_service.visible_members(db, principal)}
        rows = home_service.booking_summaries(db, principal, provider, fmt.local(now, provider.timezone).date(), now)
        active, past = [], []
        for b in rows:
            row = BookingRow(id=b.id, member=names.get(b.attendee_id, ""), programme=b.programme,
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
    note: str = ""


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
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        view = benefits_service.benefits_view(ctx.db, ctx.principal, ctx.provider)
        self.has_family = view.has_family
        self.makeups = [MakeupItem(**dataclasses.asdict(m)) for m in view.makeups]
        self.discounts = [DiscountItem(**dataclasses.asdict(d)) for d in view.discounts]
        self.passes = [PassItem(**dataclasses.asdict(p)) for p in view.passes]
        self.ledger = [LedgerItem(**dataclasses.asdict(e)) for e in view.ledger]
        self.credit_balance = view.credit_balance
