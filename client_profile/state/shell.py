"""The shell's own small state: who is logged in and for which provider (header and account menu)."""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import DomainError
from client_profile.state.base import Ctx, PageState


class ShellState(PageState, rx.State):
    provider_name: str = ""
    client_name: str = ""
    client_email: str = ""

    @rx.var
    def first_name(self) -> str:
        return self.client_name.split(" ", 1)[0] if "@" not in self.client_name else ""

    @rx.event
    def load_shell(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        try:
            self.provider_name = ctx.provider.name
        except DomainError:
            self.provider_name = "Client Profile"
        self.client_name = ctx.principal.full_name or ctx.principal.email
        self.client_email = ctx.principal.email
