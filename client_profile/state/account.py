"""The account page: who is logged in and how reminders reach them.

Every handler re-derives the identity from the session cookie and hands it to services.people.account, which only ever
touches the principal's own Client row. Nothing here takes an id from the client; a logged-out call gets the
login page and changes nothing.
"""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import account as account_service
from client_profile.state.base import Ctx, PageState


class AccountState(PageState, rx.State):
    full_name: str = ""
    email: str = ""
    email_reminders: bool = True
    whatsapp_available: bool = False
    whatsapp_opt_in: bool = False
    whatsapp_phone: str = ""
    whatsapp_consent_prompt: str = ""
    whatsapp_consent: str = ""

    def _load(self, ctx: Ctx) -> None:
        view = account_service.account_view(ctx.db, ctx.principal)
        self.full_name, self.email = view.full_name, view.email
        self.email_reminders = view.email_reminders
        self.whatsapp_available, self.whatsapp_opt_in = view.whatsapp_available, view.whatsapp_opt_in
        self.whatsapp_phone = view.whatsapp_phone
        self.whatsapp_consent_prompt, self.whatsapp_consent = (
            view.whatsapp_consent_prompt,
            view.whatsapp_consent,
        )

    @rx.event
    def load_account(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def toggle_email_reminders(self, on: bool):
        return self._handle(
            lambda ctx: account_service.set_email_reminders(ctx.db, ctx.principal, on),
            done="Reminder e-mails are on." if on is True else "Reminder e-mails are off.",
        )

    @rx.event
    def save_whatsapp(self, form_data: dict):
        phone = form_data.get("phone") if isinstance(form_data, dict) else None
        return self._handle(
            lambda ctx: account_service.opt_in_whatsapp(ctx.db, ctx.principal, phone),
            done="WhatsApp reminders are on for this number.",
        )

    @rx.event
    def stop_whatsapp(self):
        return self._handle(
            lambda ctx: account_service.opt_out_whatsapp(ctx.db, ctx.principal),
            done="WhatsApp reminders are off and your number was removed.",
        )
