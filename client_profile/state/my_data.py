"""The "My data" card of /account: a fresh e-mail code, then the export (a plain HTTP download) or a deletion
request.

Identity from the session cookie on every event (PageState); the code is bound to this session server-side, and
so is the grant it gives (services.people.auth step-up). Nothing here takes an id from the browser.
"""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import auth as auth_service
from client_profile.services.people import my_data as my_data_service
from client_profile.state.base import Ctx, PageState
from client_profile.state.session import to_login


class MyDataState(PageState, rx.State):
    step_up_active: bool = False
    code_sent: bool = False
    can_request_deletion: bool = False
    deletion_requested: bool = False
    retention_years: int = 10

    def _load(self, ctx: Ctx) -> None:
        view = my_data_service.my_data_view(ctx.db, ctx.principal)
        self.step_up_active = view.step_up_active
        self.can_request_deletion = view.can_request_deletion
        self.deletion_requested = view.deletion_requested
        self.retention_years = view.retention_years
        if self.step_up_active:
            self.code_sent = False

    @rx.event
    def load_my_data(self):
        self.message = self.error = ""
        self.code_sent = False
        return self._open()

    @rx.event
    def send_code(self):
        def act(ctx: Ctx) -> None:
            auth_service.request_step_up(ctx.db, ctx.principal)
            self.code_sent = True

        return self._handle(act, done="We sent a 6-digit code to your e-mail. Enter it below.")

    @rx.event
    def confirm_code(self, form_data: dict):
        code = form_data.get("code") if isinstance(form_data, dict) else None
        return self._handle(
            lambda ctx: auth_service.verify_step_up(ctx.db, ctx.principal, code),
            done="Confirmed. For the next few minutes you can download your data or ask for its deletion.",
        )

    @rx.event
    def request_deletion(self):
        return self._handle(
            lambda ctx: my_data_service.request_deletion(ctx.db, ctx.principal),
            then=lambda done: to_login() if done else None,
        )
