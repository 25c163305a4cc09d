"""The invitation page (/invitation/<token>): a booking shared with the logged-in person, to accept or decline.

The token in the address identifies the invitation only; the login is the normal one (the page guard sends a
browser without a session to /login first). services.people.sharing checks the address, the expiry and that the
link is still unused.
"""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import sharing as sharing_service
from client_profile.services.people.access import parse_id
from client_profile.state.base import Ctx, PageState


class InvitationState(PageState, rx.State):
    status: str = ""  # "open", "expired", "wrong_address", "gone"
    attendee: str = ""
    class_name: str = ""
    shared_by: str = ""
    access: str = ""
    invited_email: str = ""

    def _token(self) -> str:
        path = (self.router.url.path or "").rstrip("/")
        return path.rsplit("/", 1)[-1] if path.startswith("/invitation/") else ""

    @rx.event
    def load_invitation(self):
        self.message, self.error = "", ""
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        view = sharing_service.invitation(ctx.db, ctx.principal, self._token())
        self.status = view.status
        self.attendee, self.class_name, self.shared_by = view.attendee, view.class_name, view.shared_by
        self.access = view.access
        self.invited_email = view.email if view.status == "wrong_address" else ""

    def _answer(self, accept: bool):
        token = self._token()
        return self._handle(
            lambda ctx: sharing_service.answer_invitation(ctx.db, ctx.principal, token, accept),
            done="Accepted." if accept else "Invitation declined. Nothing was shared with you.",
            then=lambda share: (
                rx.redirect(f"/bookings/{share.booking_id}") if share is not None and accept else None
            ),
        )

    @rx.event
    def accept_invitation(self):
        return self._answer(True)

    @rx.event
    def decline_invitation(self):
        return self._answer(False)


class InvitationsState(PageState, rx.State):
    """/invitations: every open invitation to the logged-in address (also when they logged in without the link)."""

    invitations: list[sharing_service.InvitationView] = []

    @rx.event
    def load_invitations(self):
        self.message, self.error = "", ""
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        self.invitations = sharing_service.my_invitations(ctx.db, ctx.principal)

    def _answer(self, share_id: object, accept: bool):
        wanted = parse_id(share_id)
        return self._handle(
            lambda ctx: sharing_service.answer_invitation_by_id(ctx.db, ctx.principal, wanted, accept),
            done="Accepted: the booking is now in your profile." if accept else "Invitation declined.",
        )

    @rx.event
    def accept_shared(self, share_id: int):
        return self._answer(share_id, True)

    @rx.event
    def decline_shared(self, share_id: int):
        return self._answer(share_id, False)
