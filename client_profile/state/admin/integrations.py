"""/admin/integrations (owners): the REST API's keys (make one, shown once; see each one's last use; revoke) and
the webhooks (add an endpoint, its secret shown once; see its last delivery; stop it)."""

from __future__ import annotations

import reflex as rx

from client_profile.services.integrations import api_keys, webhooks
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx


class AdminIntegrationsState(AdminPage, rx.State):
    keys_list: list[api_keys.ApiKeyRow] = []
    # The key just made, shown once on this page; cleared by the next load or action (only its hash is stored).
    new_key: str = ""
    hooks: list[webhooks.WebhookRow] = []
    # The signing secret of the webhook just added, shown once like a new key.
    new_secret: str = ""

    def _load(self, ctx: Ctx) -> None:
        self.keys_list = api_keys.list_keys(ctx.db, ctx.principal)
        self.hooks = webhooks.list_endpoints(ctx.db, ctx.principal)

    @rx.event
    def load_admin_integrations(self):
        self.message = self.error = self.new_key = self.new_secret = ""
        return self._open()

    def _made(self, made) -> str:
        row, self.new_key = made
        return f"The key {row.name} was made. Copy it now: it is not shown again."

    @rx.event
    def create_api_key(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        self.new_key = self.new_secret = ""
        return self._submit(
            "api-key",
            lambda ctx: api_keys.create_key(
                ctx.db, ctx.principal, form.get("name"), form.get("write", False)
            ),
            done=self._made,
        )

    @rx.event
    def revoke_api_key(self, key_id: int):
        self.new_key = self.new_secret = ""
        return self._submit(
            "",
            lambda ctx: api_keys.revoke_key(ctx.db, ctx.principal, key_id),
            done=lambda row: f"The key {row.name} ({row.prefix}) is revoked.",
        )

    def _hooked(self, made) -> str:
        row, self.new_secret = made
        return f"Webhooks go to {row.url} now. Copy the signing secret: it is not shown again."

    @rx.event
    def add_webhook(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        groups = [g for g in webhooks.GROUPS if form.get(g) == "on"]
        self.new_key = self.new_secret = ""
        return self._submit(
            "webhook",
            lambda ctx: webhooks.create_endpoint(ctx.db, ctx.principal, form.get("url"), groups),
            done=self._hooked,
        )

    @rx.event
    def stop_webhook(self, endpoint_id: int):
        self.new_key = self.new_secret = ""
        return self._submit(
            "",
            lambda ctx: webhooks.disable_endpoint(ctx.db, ctx.principal, endpoint_id),
            done=lambda row: f"Webhooks to {row.url} are stopped.",
        )
