"""/admin/staff (owners): the console's people, inviting someone, changing a role, deactivating."""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import staff
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminStaffState(AdminPage, rx.State):
    rows: list[staff.StaffRow] = []

    def _load(self, ctx: Ctx) -> None:
        self.rows = staff.list_staff(ctx.db, ctx.principal)

    @rx.event
    def load_admin_staff(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def invite(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        return self._submit(
            "invite",
            lambda ctx: staff.add_staff(
                ctx.db, form.get("email"), form.get("role"), form.get("full_name", ""), by=ctx.principal
            ),
            done=lambda member: f"{member.email} was added as {member.role.value} and got an e-mail.",
        )

    @rx.event
    def change_role(self, staff_id: int, role: str, version: int):
        return self._submit(
            "",
            lambda ctx: staff.change_role(ctx.db, ctx.principal, staff_id, role, version),
            done=lambda member: f"{member.email} is now {member.role.value}.",
        )

    @rx.event
    def switch_active(self, staff_id: int, active: bool, version: int):
        return self._submit(
            "",
            lambda ctx: staff.set_active(ctx.db, ctx.principal, staff_id, active, version),
            done=lambda member: f"{member.email} is {'active' if member.is_active else 'deactivated'}.",
        )
