"""The account page: who is logged in and how reminders reach them.

Every handler re-derives the identity from the session cookie and hands it to services.account, which only ever
touches the principal's own Client row. Nothing here takes an id from the client; a logged-out call gets the
login page and changes nothing.
"""

from __future__ import annotations

import reflex as rx

from client_profile.db import unit_of_work
from client_profile.services import account as account_service
from client_profile.services.errors import DomainError, NotAuthenticated
from client_profile.state.session import principal_for, to_login


class AccountState(rx.State):
    loaded: bool = False
    full_name: str = ""
    email: str = ""
    email_reminders: bool = True
    whatsapp_available: bool = False
    whatsapp_opt_in: bool = False
    whatsapp_phone: str = ""
    message: str = ""
    error: str = ""

    def _show(self, view: account_service.AccountView) -> None:
        self.full_name, self.email = view.full_name, view.email
        self.email_reminders = view.email_reminders
        self.whatsapp_available, self.whatsapp_opt_in = view.whatsapp_available, view.whatsapp_opt_in
        self.whatsapp_phone = view.whatsapp_phone
        self.loaded = True

    def _clear(self) -> None:
        self.loaded = False
        self.full_name = self.email = self.whatsapp_phone = self.message = self.error = ""
        self.email_reminders, self.whatsapp_available, self.whatsapp_opt_in = True, False, False

    def _act(self, action, message: str):
        with unit_of_work() as db:
            principal = principal_for(self, db)
            if principal is None:
                self._clear()
                return to_login()
            try:
                view = action(db, principal)
            except NotAuthenticated:
                db.rollback()
                self._clear()
                return to_login()
            except DomainError as exc:
                db.rollback()
                self.error, self.message = str(exc), ""
                view = account_service.account_view(db, principal)
            else:
                self.error, self.message = "", message
        self._show(view)
        return None

    @rx.event
    def load_account(self):
        self.message = self.error = ""
        return self._act(account_service.account_view, "")

    @rx.event
    def toggle_email_reminders(self, on: bool):
        return self._act(lambda db, p: account_service.set_email_reminders(db, p, on),
                         "Reminder e-mails are on." if on is True else "Reminder e-mails are off.")

    @rx.event
    def save_whatsapp(self, form_data: dict):
        phone = form_data.get("phone") if isinstance(form_data, dict) else None
        return self._act(lambda db, p: account_service.opt_in_whatsapp(db, p, phone),
                         "WhatsApp reminders are on for this number.")

    @rx.event
    def stop_whatsapp(self):
        return self._act(account_service.opt_out_whatsapp,
                         "WhatsApp reminders are off and your number was removed.")
