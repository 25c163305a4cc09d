"""The console shell's state: who is logged in, their role, and which parts of the console they may open."""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import DomainError
from client_profile.services.people import staff
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminShellState(AdminPage, rx.State):
    provider_name: str = ""
    staff_name: str = ""
    staff_email: str = ""
    role: str = ""
    # The console sections this role may open (services.people.staff.sections): the navigation shows only these.
    sections: list[str] = []

    @rx.event
    def load_admin_shell(self):
        return self._open()

    def _load(self, ctx: Ctx) -> None:
        try:
            self.provider_name = ctx.provider.name
        except DomainError:
            self.provider_name = "Client Profile"
        self.staff_name = ctx.principal.full_name or ctx.principal.email
        self.staff_email = ctx.principal.email
        self.role = ctx.principal.role
        self.sections = staff.sections(ctx.principal)
