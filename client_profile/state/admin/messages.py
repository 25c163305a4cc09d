"""/admin/messages: the e-mail texts (the owner edits them, the office reads them) with a live preview, and
messages to the families of a class or a session with their delivery status per recipient."""

from __future__ import annotations

import secrets

import reflex as rx

from client_profile.services.notifications import family_messages, templates
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

DRAFT_PARTS = ("subject", "body", "msg_subject", "msg_body")


class AdminMessagesState(AdminPage, rx.State):
    kinds: list[templates.TemplateRow] = []
    may_edit: bool = False
    # The template being edited ("" : none) and its stored form.
    editing: str = ""
    edit_label: str = ""
    edit_subject: str = ""
    edit_body: str = ""
    edit_version: int = 0
    edit_edited: bool = False
    edit_sent: bool = True
    edit_tags: list[str] = []
    edit_required: str = ""
    # What the editor's fields say now (typed, not saved), and its preview with sample values.
    draft_subject: str = ""
    draft_body: str = ""
    preview_subject: str = ""
    preview_text: str = ""
    preview_problem: str = ""
    # Messages to families.
    targets: list[family_messages.Target] = []
    sent: list[family_messages.SentMessage] = []
    send_token: str = ""
    msg_target: str = ""
    msg_audience: str = ""
    msg_subject: str = ""
    msg_body: str = ""
    msg_preview_subject: str = ""
    msg_preview_text: str = ""
    msg_preview_problem: str = ""
    msg_tags: list[str] = []

    def _load(self, ctx: Ctx) -> None:
        self.kinds = templates.template_rows(ctx.db, ctx.principal)
        self.may_edit = templates.may_edit(ctx.principal)
        self.targets = family_messages.targets(ctx.db, ctx.principal)
        self.sent = family_messages.sent_messages(ctx.db, ctx.principal)
        self.msg_tags = [f"*|{t}|*" for t in templates.KINDS[family_messages.KIND].tags]
        if not self.send_token:
            self.send_token = secrets.token_urlsafe(16)
        if self.editing:
            form = templates.template_form(ctx.db, ctx.principal, self.editing)
            self.edit_label, self.edit_subject, self.edit_body = form.label, form.subject, form.body
            self.edit_version, self.edit_edited, self.edit_sent = form.version, form.edited, form.sent
            self.edit_tags, self.edit_required = form.tags, form.required
            self.draft_subject, self.draft_body = form.subject, form.body
            self._preview_template(ctx)

    def _preview_template(self, ctx: Ctx) -> None:
        shown = templates.preview(
            ctx.principal, ctx.provider, self.editing, self.draft_subject, self.draft_body
        )
        self.preview_subject, self.preview_text, self.preview_problem = (
            shown.subject,
            shown.text,
            shown.problem,
        )

    def _preview_message(self, ctx: Ctx) -> None:
        shown = family_messages.preview(
            ctx.db, ctx.principal, {"subject": self.msg_subject, "body": self.msg_body}
        )
        self.msg_preview_subject, self.msg_preview_text = shown.subject, shown.text
        self.msg_preview_problem = shown.problem if (self.msg_subject or self.msg_body) else ""

    @rx.event
    def load_admin_messages(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def open_template(self, kind: str):
        """Show one template's editor (its stored text, or the built-in one)."""

        def action(ctx: Ctx) -> None:
            templates.template_form(ctx.db, ctx.principal, kind)  # the right to read it, and a real kind
            self.editing = kind

        return self._submit("template", action)

    @rx.event
    def close_template(self):
        def action(ctx: Ctx) -> None:
            templates.require_view(ctx.principal)
            self.editing, self.form_key, self.field_errors = "", "", {}

        return self._handle(action, reload=False)

    @rx.event
    def redraft(self, part: str, text: str):
        """A field of the editor (or of the message form) changed: the preview follows."""
        if part not in DRAFT_PARTS or not isinstance(text, str) or len(text) > templates.BODY_MAX * 2:
            return None

        def action(ctx: Ctx) -> None:
            templates.require_view(ctx.principal)
            setattr(self, f"draft_{part}" if part in ("subject", "body") else part, text)
            if part in ("subject", "body"):
                if self.editing:
                    self._preview_template(ctx)
            else:
                self._preview_message(ctx)

        return self._handle(action, reload=False)

    @rx.event
    def save_template(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}
        return self._submit(
            "template",
            lambda ctx: templates.save_template(
                ctx.db,
                ctx.principal,
                form.get("kind"),
                form.get("subject"),
                form.get("body"),
                form.get("version"),
            ),
            done=lambda row: f"Saved: '{templates.KINDS[row.kind].label}' now uses your text.",
            shown=("subject", "body"),
        )

    @rx.event
    def reset_template(self, kind: str, version: int):
        return self._submit(
            "template",
            lambda ctx: templates.reset_template(ctx.db, ctx.principal, kind, version),
            done=lambda k: f"'{k.label}' uses the built-in text again.",
        )

    @rx.event
    def pick_target(self, target: str):
        """The class or session chosen in the message form: who would get the message."""

        def action(ctx: Ctx) -> None:
            self.msg_target = target if isinstance(target, str) else ""
            self.msg_audience = ""
            if self.msg_target:
                people = family_messages.audience(ctx.db, ctx.principal, self.msg_target)
                self.msg_audience = f"{len(people)} recipient{'' if len(people) == 1 else 's'}" + (
                    ": " + ", ".join(p.email for p in people[:8]) + (" …" if len(people) > 8 else "")
                    if people
                    else ""
                )

        self.form_key, self.message = "message", ""
        event = self._handle(action, reload=False)
        if self.field_errors and self.error:
            self.error = ""  # the message shows under the field
        return event

    @rx.event
    def send_message(self, form_data: dict):
        form = form_data if isinstance(form_data, dict) else {}

        def action(ctx: Ctx):
            message, created = family_messages.send(ctx.db, ctx.principal, form)
            self.send_token = secrets.token_urlsafe(16)  # the next message is a new one
            self.msg_subject = self.msg_body = self.msg_target = self.msg_audience = ""
            self.msg_preview_subject = self.msg_preview_text = self.msg_preview_problem = ""
            return message, created

        return self._submit(
            "message",
            action,
            done=lambda result: (
                f"Queued for {result[0].recipients} recipient(s); the list below shows each delivery."
                if result[1]
                else "This message was already sent; it was not sent again."
            ),
            shown=("target", "subject", "body"),
        )
