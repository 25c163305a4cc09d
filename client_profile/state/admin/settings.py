"""/admin/settings (owners): the provider's settings, one form per group, and its holidays."""

from __future__ import annotations

import reflex as rx

from client_profile.services import provider_admin
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminSettingsState(AdminPage, rx.State):
    values: dict[str, str] = {}
    version: int = 0
    holidays: list[provider_admin.HolidayRow] = []

    def _load(self, ctx: Ctx) -> None:
        view = provider_admin.settings_view(ctx.db, ctx.principal)
        self.values, self.version, self.holidays = view.values, view.version, view.holidays

    @rx.event
    def load_admin_settings(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def save_settings(self, form_data: dict):
        """One settings form; its hidden `group` field names which."""
        form = form_data if isinstance(form_data, dict) else {}
        group = form.get("group")
        return self._submit(
            group if isinstance(group, str) and group in provider_admin.SETTINGS_GROUPS else "",
            lambda ctx: provider_admin.change_settings(ctx.db, ctx.principal, group, form, self.version),
            done=lambda changes: "Saved." if changes else "Nothing changed.",
        )

    @rx.event
    def add_holiday(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        return self._submit(
            "holiday",
            lambda ctx: provider_admin.add_console_holiday(
                ctx.db, ctx.principal, form.get("day"), form.get("name")
            ),
            done=lambda holiday: f"{holiday.day.isoformat()} is a holiday.",
        )

    @rx.event
    def remove_holiday(self, day: str):
        return self._submit(
            "",
            lambda ctx: provider_admin.remove_console_holiday(ctx.db, ctx.principal, day),
            done=lambda holiday: f"{holiday.day.isoformat()} is no longer a holiday.",
        )
