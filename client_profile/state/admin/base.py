"""The console's page base: PageState (state/base.py) with the staff session as the identity.

Everything else is the client side's base: one unit of work per handler, the identity from the cookie on every
event (a role change or a deactivation applies at the next event), refusals shown in `error`, a reload after
each action. Every service the console calls checks the staff member's rights itself (services/people/access.py),
so a handler never decides who may do what.

How a console form reports (docs/architecture.md, "The provider side"): a form's handler runs through
`_submit(key, action)`. `form_key` names the form the last action came from: its confirmation or refusal shows
next to that form (components/admin_forms.py `form_feedback`), and a refusal naming fields (FieldErrors /
InvalidField) shows each message under its field (`field_errors`, by plain field name) instead; "" is the page
top. `form_round` is bumped after every successful form action: forms keyed on it are drawn afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from client_profile.services.errors import DomainError, FieldErrors
from client_profile.services.people.access import parse_id
from client_profile.services.people.identity import StaffPrincipal
from client_profile.state.base import Ctx, PageState
from client_profile.state.session import staff_principal_for, to_admin_login


class AdminPage(PageState, mixin=True):
    # The form the last action came from ("" : none, the page top): its messages and field errors show there.
    form_key: str = ""
    # Bumped after each successful form action: forms keyed on it are drawn afresh (empty, or what is stored).
    form_round: int = 0
    # The last refused form's messages by plain field name (services raise FieldErrors / InvalidField), shown
    # under the fields of the form `form_key`. Cleared before every action.
    field_errors: dict[str, str] = {}
    # The page's load was refused (the role may not open it): the page shows only the refusal.
    refused: bool = False

    def _open(self):
        self.refused, self.form_key, self.field_errors = False, "", {}
        return super()._open()

    def _submit(
        self,
        key: str,
        action: Callable[[Ctx], Any],
        *,
        done: str | Callable[[Any], str] | None = None,
        then: Callable[[Any], Any] | None = None,
        immediate: bool = False,
        shown: tuple[str, ...] | None = None,
    ):
        """`_handle` for the form `key`: its confirmation or refusal shows by that form, a refused field's message
        under that field (and not again in `error`), and after a success `form_round` moves on. `shown`: the
        fields the form shows (None: all a refusal may name); a refusal naming another one stays at the page
        top, as does any refusal when the page (re)load was refused."""
        self.form_key, self.message = key, ""

        def run(ctx: Ctx):
            result = action(ctx)
            self.form_round += 1
            return result

        event = self._handle(run, done=done, then=then, immediate=immediate)
        if not self.loaded or self.refused:
            self.form_key, self.field_errors = "", {}
        elif self.field_errors and self.error:
            if shown is not None and not set(self.field_errors) <= set(shown):
                self.form_key, self.field_errors = "", {}
            elif self.form_key:
                self.error = ""  # the messages show under their fields
        return event

    def _family_page_id(self, section: str) -> int | None:
        """The family id of a family's sub-page, /admin/families/<id>/<section> (None for any other path or a
        malformed id)."""
        parts = (self.router.url.path or "").strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["admin", "families"] and parts[3] == section:
            return parse_id(parts[2])
        return None

    def _refused_load(self, reason: str) -> None:
        super()._refused_load(reason)
        self.refused = True

    def _refusal_details(self, refusal: DomainError | None) -> None:
        self.field_errors = dict(refusal.fields) if isinstance(refusal, FieldErrors) else {}

    def _principal(self, db: Session) -> StaffPrincipal | None:
        return staff_principal_for(self, db)

    def _owner_of(self, principal: StaffPrincipal) -> int:
        return principal.staff_id

    def _to_login(self) -> rx.event.EventSpec:
        return to_admin_login()

    def _seen(self, db: Session, principal: StaffPrincipal, version: int | None) -> None:
        return None  # console pages do not poll family data versions
