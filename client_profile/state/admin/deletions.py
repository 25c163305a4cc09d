"""The console's "Deletion requests" list on /admin/families: families that asked for their data to be deleted,
each with "Confirm and anonymise" (owner and office: the people right, checked by services.people.my_data)."""

from __future__ import annotations

import reflex as rx

from client_profile.services.people import my_data
from client_profile.services.people.access import parse_id
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminDeletionsState(AdminPage, rx.State):
    requests: list[my_data.PendingDeletion] = []

    def _load(self, ctx: Ctx) -> None:
        self.requests = my_data.pending_deletions(ctx.db, ctx.principal)

    @rx.event
    def load_admin_deletions(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def confirm_deletion(self, request_id: int):
        rid = parse_id(request_id)
        return self._submit(
            "deletions",
            lambda ctx: my_data.confirm_deletion(ctx.db, ctx.principal, rid),
            done="The family's personal data was anonymised; its invoices and receipts are kept.",
        )
