"""A booking's page: programme details, next sessions, the sessions tab, excusing and signing back up."""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import NotFound
from client_profile.services.people import sharing as sharing_service
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

    # Sharing (the family's own bookings only): who has access, the history, and the share dialog.
    may_share: bool = False
    shares: list[sharing_service.ShareRow] = []
    share_history: list[sharing_service.ShareEventRow] = []
    share_open: bool = False
    share_editing: str = ""  # the address whose access the dialog changes ("": a new share)
    share_pay: bool = False
    share_manage: bool = False
    _share_edit_id: int = 0

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
            self.shares, self.share_history, self.may_share = [], [], False
            self._close_share()
            self.upcoming, self.attended, self.missed = [], [], []
            return
        self.not_found = False
        self.booking_id_value = detail.id
        try:
            self.shares, self.share_history = sharing_service.booking_shares(ctx.db, ctx.principal, detail.id)
            self.may_share = True
        except NotFound:  # shared with this person: only its family shares it
            self.shares, self.share_history, self.may_share = [], [], False
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

    # -- sharing (services.people.sharing decides who may do what)

    def _close_share(self) -> None:
        self.share_open = False
        self.share_editing = ""
        self._share_edit_id = 0

    @rx.event
    def open_share(self):
        """The dialog for a new share (what the page shows only; saving checks everything)."""
        self.message = ""
        self._close_share()
        self.share_pay, self.share_manage = False, False
        self.share_open = self.may_share

    @rx.event
    def edit_share(self, share_id: int):
        """The dialog for an existing share, from what the page loaded for this client."""
        wanted = parse_id(share_id)
        return self._handle(lambda ctx: self._edit(wanted), reload=False)

    def _edit(self, share_id: int | None) -> None:
        row = next((r for r in self.shares if r.id == share_id), None)
        if row is None:
            raise NotFound("share")
        self._share_edit_id = row.id
        self.share_editing = row.email
        self.share_pay, self.share_manage = row.can_pay, row.can_manage
        self.share_open = True

    @rx.event
    def close_share(self):
        self._close_share()

    @rx.event
    def share_dialog_changed(self, is_open: bool):
        if is_open is not True:
            self._close_share()

    @rx.event
    def save_share(self, form: dict):
        """Invite someone (a new share) or change what an existing share allows. Checkboxes send "on"."""
        form = form if isinstance(form, dict) else {}
        pay, manage = form.get("can_pay") == "on", form.get("can_manage") == "on"
        share_id, booking_id = self._share_edit_id, self._route_booking_id()
        if share_id:
            return self._handle(
                lambda ctx: sharing_service.change_share(ctx.db, ctx.principal, share_id, pay, manage),
                done=lambda share: f"Saved: {share.grantee_email} may now do what you chose.",
                then=lambda share: self._close_share() if share is not None else None,
            )
        return self._handle(
            lambda ctx: sharing_service.invite(
                ctx.db, ctx.principal, booking_id, form.get("email", ""), form.get("name", ""), pay, manage
            ),
            done=lambda result: {
                "invited": f"Invitation sent to {result[0].grantee_email}. It is valid for 7 days.",
                "updated": f"Already shared with {result[0].grantee_email}: its settings are updated.",
            }.get(result[1], f"Already shared with {result[0].grantee_email}."),
            then=lambda result: self._close_share() if result is not None else None,
        )

    @rx.event
    def revoke_share(self, share_id: int):
        """End someone's access (or withdraw a pending invitation)."""
        wanted = parse_id(share_id)
        return self._handle(
            lambda ctx: sharing_service.revoke(ctx.db, ctx.principal, wanted),
            done=lambda share: (
                f"Invitation to {share.grantee_email} withdrawn."
                if share.grantee_client_id is None
                else f"{share.grantee_email} no longer has access."
            ),
        )

    @rx.event
    def resend_invitation(self, share_id: int):
        wanted = parse_id(share_id)
        return self._handle(
            lambda ctx: sharing_service.resend(ctx.db, ctx.principal, wanted),
            done=lambda share: f"A new invitation was sent to {share.grantee_email}, valid for 7 days.",
        )

    @rx.event
    def leave_share(self):
        """The shared person ends their own access to this booking."""
        booking_id = self._route_booking_id()
        return self._handle(
            lambda ctx: sharing_service.leave(ctx.db, ctx.principal, booking_id),
            done="You left this booking: it is no longer shared with you.",
            then=lambda share: rx.redirect("/bookings") if share is not None else None,
        )
