"""/admin/money/statements (uploaded bank statements; the upload itself is a plain form POST to
api/admin/statements.py) and /admin/money/statements/<id> (its lines, "Settle N matched payments", and a
reference typed by hand for a line that did not match)."""

from __future__ import annotations

import reflex as rx

from client_profile.services.money import statements
from client_profile.services.people.access import parse_id
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

PATH = "/admin/money/statements/"
UPLOAD_PATH = statements.UPLOAD_PATH
MAX_MB = statements.MAX_BYTES // (1024 * 1024)


class AdminStatementsState(AdminPage, rx.State):
    rows: list[statements.StatementRow] = []

    def _load(self, ctx: Ctx) -> None:
        self.rows = statements.list_statements(ctx.db, ctx.principal)

    @rx.event
    def load_admin_statements(self):
        self.message = self.error = ""
        return self._open()


class AdminStatementState(AdminPage, rx.State):
    title: str = ""
    uploaded: str = ""
    summary: str = ""
    matched_count: int = 0
    matched_total: str = ""
    rows: list[statements.LineRow] = []
    # The file was uploaded again and every line of it was here already (the upload's ?again=1).
    again: bool = False

    def _statement_id(self) -> int | None:
        """The statement of the page, from its route (/admin/money/statements/<id>); the services check it."""
        path = (self.router.url.path or "").rstrip("/")
        return parse_id(path.rsplit("/", 1)[-1]) if path.startswith(PATH) else None

    def _load(self, ctx: Ctx) -> None:
        view = statements.statement_view(ctx.db, ctx.principal, self._statement_id())
        self.title, self.uploaded, self.summary = view.title, view.uploaded, view.summary
        self.matched_count, self.matched_total = view.matched_count, view.matched_total
        self.rows = list(view.rows)

    @rx.event
    def load_admin_statement(self):
        self.message = self.error = ""
        self.again = str(self.router.page.params.get("again", "")) == "1"
        return self._open()

    @rx.event
    def settle_matched(self):
        statement_id = self._statement_id()
        self.again = False

        def done(result: statements.SettleResult) -> str:
            text = f"{result.settled} payment{'s' if result.settled != 1 else ''} settled."
            if result.refused:
                text += " Not settled: " + " ".join(result.refused)
            return text

        return self._submit(
            "settle",
            lambda ctx: statements.settle_matched(ctx.db, ctx.principal, statement_id),
            done=done,
            immediate=True,
        )

    @rx.event
    def assign_reference(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        line_id = parse_id(form.get("id"))
        reference = form.get("reference", "")
        self.again = False
        return self._submit(
            f"line-{line_id or 0}",
            lambda ctx: statements.assign_line(ctx.db, ctx.principal, line_id, reference),
            done=lambda r: f"Settled: {r.description} ({r.reference}), {r.amount}.",
            immediate=True,
            shown=("reference",),
        )
