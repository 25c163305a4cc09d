"""/admin/audit (owners): the newest staff changes, filterable by family, class and staff member."""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import audit
from client_profile.services.people.access import parse_id
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminAuditState(AdminPage, rx.State):
    rows: list[audit.AuditRow] = []
    # Filters as typed (ids); empty = all.
    family_id: str = ""
    class_id: str = ""
    staff_id: str = ""

    def _load(self, ctx: Ctx) -> None:
        self.rows = audit.list_entries(
            ctx.db,
            ctx.principal,
            family_id=_filter(self.family_id),
            class_id=_filter(self.class_id),
            staff_id=_filter(self.staff_id),
        )

    @rx.event
    def load_admin_audit(self):
        self.message = self.error = ""
        query = self.router.page.params
        self.family_id = str(query.get("family", ""))[:19]
        self.class_id = str(query.get("class", ""))[:19]
        self.staff_id = str(query.get("staff", ""))[:19]
        return self._open()

    @rx.event
    def apply_filters(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        self.family_id = str(form.get("family", "")).strip()[:19]
        self.class_id = str(form.get("class", "")).strip()[:19]
        self.staff_id = str(form.get("staff", "")).strip()[:19]
        return self._handle(lambda ctx: None)


def _filter(text: str) -> object:
    """None (no filter) for an empty field; an id, or the junk as typed (which matches no row)."""
    return None if not text else (parse_id(text) or text)
