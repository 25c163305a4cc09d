"""The make-ups page: each open credit with the sessions it can book (or why none), the waitlist."""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import DomainError
from client_profile.services.people.access import parse_id
from client_profile.services.schedule import makeups as makeups_service
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage


class MakeupsState(LivePage, rx.State):
    # The service's own view types (docs/decisions.md "View types are declared once").
    credits: list[makeups_service.CreditOffers] = []
    queue: list[makeups_service.QueueItem] = []
    no_credit: str = ""
    confirm_open: bool = False
    confirm_label: str = ""
    _pending: tuple[int, int] = (0, 0)

    @rx.event
    def load_makeups(self):
        self.message, self.error, self.confirm_open = "", "", False
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        view = makeups_service.makeups_view(ctx.db, ctx.principal, ctx.provider)
        self.credits = view.credits
        self.queue = view.queue
        self.no_credit = view.no_credit

    @rx.event
    def choose(self, credit_id: int, session_id: int):
        """Ask to confirm booking this session with this credit (the label comes from the server)."""
        return self._handle(lambda ctx: self._ask(parse_id(credit_id), parse_id(session_id)), reload=False)

    def _ask(self, cid: int | None, sid: int | None) -> None:
        for credit in self.credits:
            for offer in credit.offers:
                if credit.credit_id == cid and offer.session_id == sid:
                    self._pending = (cid, sid)
                    self.confirm_label = f"{credit.attendee}: {offer.class_name}, {offer.day} {offer.time}"
                    self.confirm_open = True
                    return
        raise DomainError("This session is not offered any more. Please look again.")

    @rx.event
    def close_confirm(self):
        self.confirm_open, self._pending = False, (0, 0)

    @rx.event
    def dialog_changed(self, is_open: bool):
        if is_open is not True:
            self.confirm_open, self._pending = False, (0, 0)

    @rx.event
    def confirm_booking(self):
        credit_id, session_id = self._pending
        self.confirm_open, self._pending = False, (0, 0)
        if not credit_id:
            return None
        label = self.confirm_label
        return self._handle(
            lambda ctx: makeups_service.book_makeup(
                ctx.db, ctx.principal, ctx.provider, credit_id, session_id
            ),
            done=f"Booked: {label}. It is in the booking's sessions now.",
            immediate=True,
        )

    @rx.event
    def join_waitlist(self, credit_id: int, session_id: int):
        cid, sid = parse_id(credit_id), parse_id(session_id)
        return self._handle(
            lambda ctx: makeups_service.join_waitlist(ctx.db, ctx.principal, ctx.provider, cid, sid),
            done="You are on the waiting list. If a place frees up we hold it for you and let you know.",
            immediate=True,
        )

    @rx.event
    def leave_waitlist(self, entry_id: int):
        eid = parse_id(entry_id)
        return self._handle(
            lambda ctx: makeups_service.leave_waitlist(ctx.db, ctx.principal, eid),
            done="You left the waiting list.",
            immediate=True,
        )

    @rx.event
    def accept_offer(self, entry_id: int):
        eid = parse_id(entry_id)
        return self._handle(
            lambda ctx: makeups_service.accept_offer(ctx.db, ctx.principal, ctx.provider, eid),
            done="Booked. The held place is yours.",
            immediate=True,
        )
