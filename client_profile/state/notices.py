"""The account page's "Messages" card: which kinds of message the logged-in client gets (services.people.
notice_settings). Identity from the session cookie; the kind and on/off are checked by the service; a
logged-out call gets the login page and changes nothing."""

from __future__ import annotations

import reflex as rx

from client_profile.services.notifications import preferences
from client_profile.services.people import notice_settings
from client_profile.state.base import Ctx, PageState


class NoticeState(PageState, rx.State):
    switches: list[notice_settings.NoticeSwitch] = []

    def _load(self, ctx: Ctx) -> None:
        self.switches = notice_settings.switches(ctx.db, ctx.principal)

    @rx.event
    def load_notices(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def toggle_notice(self, kind: str, on: bool):
        label = preferences.OPTIONAL.get(kind, "") if isinstance(kind, str) else ""
        return self._handle(
            lambda ctx: notice_settings.set_notice(ctx.db, ctx.principal, kind, on),
            done=f"{label}: {'on' if on is True else 'off'}.",
        )
