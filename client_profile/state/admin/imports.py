"""/admin/import and /admin/import/[import_id] (owner and office: Capability.people): the CSV import. The file
arrives through a plain form POST (api/admin/imports.py), which keeps it server-side and sends the browser to
/admin/import/<its id>; this page shows its dry run (planned afresh on every load) and "Import N rows", which
imports it only when the dry run it showed is still what the data gives (services.people.csv_import.apply_upload
plans again and compares). Thin over services/people/csv_import.py, which checks the right and the upload's owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from client_profile.services.people import csv_import
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

ROUTE = "/admin/import"


@dataclass(frozen=True)
class ClassChoice:
    id: int
    label: str


class AdminImportState(AdminPage, rx.State):
    upload_key: str = ""  # the upload shown ("" on /admin/import); from the route, never from the client
    filename: str = ""
    applied: bool = False  # imported (the page then shows what was imported)
    applied_summary: str = ""
    rows: list[csv_import.RowOutcome] = []
    problems: list[csv_import.CellError] = []
    total_rows: int = 0
    new_families: int = 0
    new_attendees: int = 0
    new_enrolments: int = 0
    unchanged_rows: int = 0
    fingerprint: str = ""
    class_list: list[ClassChoice] = []
    missing_file: bool = False  # the upload came without a file

    def _route_key(self) -> str:
        """The upload of the page, from its route (/admin/import/<id>); the service checks it."""
        path = (self.router.url.path or "").rstrip("/")
        return path.rsplit("/", 1)[-1] if path.startswith(ROUTE + "/") else ""

    def _show(self, plan: csv_import.ImportPlan) -> None:
        self.rows, self.problems, self.total_rows = plan.rows, plan.errors, len(plan.rows)
        self.new_families, self.new_attendees = plan.families, plan.attendees
        self.new_enrolments, self.unchanged_rows = plan.enrolments, plan.unchanged
        self.fingerprint = plan.fingerprint

    def _load(self, ctx: Ctx) -> None:
        self.class_list = [
            ClassChoice(i, label) for i, label in csv_import.class_choices(ctx.db, ctx.principal)
        ]
        key = self._route_key()
        self.missing_file = not key and self.router.url.query_parameters.get("missing", "") == "1"
        self._show(csv_import.ImportPlan([], []))
        self.upload_key = self.filename = self.applied_summary = ""
        self.applied = False
        if not key:
            return
        view, plan = csv_import.upload_plan(ctx.db, ctx.principal, key)
        self.upload_key, self.filename = view.token, view.filename
        self.applied, self.applied_summary = view.applied, view.summary
        if not view.applied:
            self._show(plan)

    @rx.event
    def load_admin_import(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def import_rows(self, fingerprint: str):
        key = self._route_key()
        return self._submit(
            "import",
            lambda ctx: csv_import.apply_upload(ctx.db, ctx.principal, key, fingerprint),
            done=lambda plan: f"Imported: {plan.summary()}.",
            then=lambda plan: self._show(plan) if plan is not None else None,
            immediate=True,
        )
