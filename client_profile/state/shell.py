"""The shell's own small state: who is logged in and for which provider (header and account menu)."""

from __future__ import annotations

import reflex as rx

from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.providers import current_provider
from client_profile.state.session import principal_for, to_login


class ShellState(rx.State):
    provider_name: str = ""
    client_name: str = ""
    client_email: str = ""

    @rx.var
    def first_name(self) -> str:
        return self.client_name.split(" ", 1)[0] if "@" not in self.client_name else ""

    @rx.event
    def load_shell(self):
        with unit_of_work() as db:
            principal = principal_for(self, db)
            if principal is None:
                return to_login()
            try:
                self.provider_name = current_provider(db).name
            except DomainError:
                self.provider_name = "Client Profile"
        self.client_name = principal.full_name or principal.email
        self.client_email = principal.email
        return None
