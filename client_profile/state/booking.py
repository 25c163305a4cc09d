"""A booking's page: programme details, next sessions, the sessions tab, excusing and signing back up."""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import NotFound
from client_profile.services.people.access import parse_id
from client_profile.services.schedule import attendance as attendance_service
from client_profile.services.schedule import makeups as makeups_service
from client_profile.state.base import Ctx
from client_profile.state.live import LivePage

# The preset reasons the excuse dialog offers (the page renders them; the service checks what is sent).
CANCEL_REASONS = attendance_service.CANCEL_REASONS

TABS = ("overview", "sessions")
FILTERS = ("upcoming", "attended", "missed")


class BookingState(LivePage, rx.State):
    not_found: bool = False
    tab: str = "overview"
    session_filter: str = "upcoming"

    attendee: str = ""
    programme: str = ""
    description: str = ""
    class_name: str = ""
    place: str = ""
    is_online: bool = False
    schedule: str = ""
    dates: str = ""
    instructor: str = ""
    price: str = ""
    price_parts: list[tuple[str, str]] = []
    shared_with_me: bool = False
    can_manage: bool = False
    open_credits: int = 0
    booking_id_value: int = 0
    # The service's own rows (docs/decisions.md "View types are declared once").
    upcoming: list[attendance_service.SessionRow] = []
    attended: list[attendance_service.SessionRow] = []
    missed: list[attendance_service.SessionRow] = []

    # The excuse dialog.
    cancel_open: bool = False
    cancel_allowed: bool = False
    cancel_session_label: str = ""
    cancel_message: str = ""
    cancel_outcome: str = ""
    _pending_attendance_id: int = 0

    @rx.var
    def next_sessions(self) -> list[attendance_service.SessionRow]:
        return self.upcoming[:3]

    @rx.var
    def shown_sessions(self) -> list[attendance_service.SessionRow]:
        return {"attended": self.attended, "missed": self.missed}.get(self.session_filter, self.upcoming)

    def _route_booking_id(self) -> int | None:
        path = (self.router.url.path or "").rstrip("/")
        return parse_id(path.rsplit("/", 1)[-1]) if path.startswith("/bookings/") else None

    @rx.event
    def load_booking(self):
        """The tab and the sessions filter come from the URL (?tab=sessions&filter=missed), so Back, a reload
        and a shared link show the same view."""
        params = self.router.url.query_parameters
        wanted_filter = params.get("filter", "")
        self.session_filter = wanted_filter if wanted_filter in FILTERS else "upcoming"
        wanted_tab = params.get("tab", "")
        self.tab = (
            wanted_tab if wanted_tab in TABS else ("sessions" if wanted_filter in FILTERS else "overview")
        )
        self.message, self.error = "", ""
        self.cancel_open = False
        return self._open()

    def _view_url(self) -> str:
        query = (
            ""
            if self.tab == "overview"
            else f"?tab={self.tab}"
            + (f"&filter={self.session_filter}" if self.session_filter != "upcoming" else "")
        )
        return f"/bookings/{self.booking_id_value}{query}"

    def _load(self, ctx: Ctx) -> None:
        booking_id = self._route_booking_id()
        try:
            detail = attendance_service.booking_detail(ctx.db, ctx.principal, ctx.provider, booking_id)
        except NotFound:
            self.not_found = True
            self.booking_id_value = 0
            self.upcoming, self.attended, self.missed = [], [], []
            return
        self.not_found = False
        self.booking_id_value = detail.id
        for name in (
            "attendee",
            "programme",
            "description",
            "class_name",
            "place",
            "is_online",
            "schedule",
            "dates",
            "instructor",
            "price",
            "price_parts",
            "shared_with_me",
            "can_manage",
            "open_credits",
        ):
            setattr(self, name, getattr(detail, name))
        self.upcoming = detail.upcoming
        self.attended = detail.attended
        self.missed = detail.missed
        self._reload_at = detail.reload_at.timestamp() if detail.reload_at else 0.0

    @rx.event
    def show_tab(self, tab: str):
        """Switch at once, and record the view in the URL (a history entry: Back returns to the previous tab)."""
        # Radix fires the change on pointer-down and again on focus: only a real change makes a history entry.
        if isinstance(tab, str) and tab in TABS and tab != self.tab and self.booking_id_value:
            self.tab = tab
            return rx.redirect(self._view_url())
        return None

    @rx.event
    def show_sessions(self, session_filter: str | list[str]):
        if (
            isinstance(session_filter, str)
            and session_filter in FILTERS
            and self.booking_id_value
            and (self.tab, self.session_filter) != ("sessions", session_filter)
        ):
            self.tab, self.session_filter = "sessions", session_filter
            return rx.redirect(self._view_url())
        return None

    @rx.event
    def start_cancel(self, attendance_id: int):
        """Open the dialog with what excusing this session would do (computed on the server)."""
        self.message = ""
        return self._handle(lambda ctx: self._preview(ctx, parse_id(attendance_id)), reload=False)

    def _preview(self, ctx: Ctx, attendance_id: int | None) -> None:
        preview = attendance_service.preview_cancel(ctx.db, ctx.principal, ctx.provider, attendance_id)
        self._pending_attendance_id = preview.attendance_id
        self.cancel_session_label = preview.session_label
        self.cancel_allowed = preview.allowed
        self.cancel_message = preview.message
        self.cancel_outcome = preview.outcome
        self.cancel_open = True

    def _close(self) -> None:
        self.cancel_open = False
        self._pending_attendance_id = 0

    @rx.event
    def close_cancel(self):
        self._close()

    @rx.event
    def dialog_changed(self, is_open: bool):
        if is_open is not True:
            self._close()

    @rx.event
    def confirm_cancel(self, form: dict):
        attendance_id = self._pending_attendance_id
        self._close()
        if not attendance_id:
            return None
        form = form if isinstance(form, dict) else {}
        reason = form.get("reason", "")
        reason = "" if reason == "none" else reason
        return self._handle(
            lambda ctx: attendance_service.excuse(
                ctx.db, ctx.principal, ctx.provider, attendance_id, reason, form.get("note", "")
            ),
            done=lambda result: {
                "makeup": "Excused. A make-up credit was added to Benefits.",
                "entry": "Excused. The entry went back to your pass.",
            }.get(result.outcome, "Excused. The place was freed."),
        )

    @rx.event
    def sign_back_up(self, attendance_id: int):
        wanted = parse_id(attendance_id)
        return self._handle(
            lambda ctx: attendance_service.sign_back_up(ctx.db, ctx.principal, ctx.provider, wanted),
            done="You are signed back up for this session.",
        )

    @rx.event
    def cancel_makeup(self, attendance_id: int):
        wanted = parse_id(attendance_id)
        return self._handle(
            lambda ctx: makeups_service.cancel_makeup(ctx.db, ctx.principal, ctx.provider, wanted),
            done=lambda came_back: (
                "Make-up cancelled. Your make-up credit is back."
                if came_back
                else "Make-up cancelled after the deadline: the place is freed, the credit stays used."
            ),
        )
