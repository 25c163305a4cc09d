"""The console's page base: PageState (state/base.py) with the staff session as the identity.

Everything else is the client side's base: one unit of work per handler, the identity from the cookie on every
event (a role change or a deactivation applies at the next event), refusals shown in `error`, a reload after
each action. Every service the console calls checks the staff member's rights itself (services/people/access.py),
so a handler never decides who may do what.
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from client_profile.services.errors import DomainError, FieldErrors
from client_profile.services.people.identity import StaffPrincipal
from client_profile.state.base import PageState
from client_profile.state.session import staff_principal_for, to_admin_login


class AdminPage(PageState, mixin=True):
    # The last refused form's messages by field name (services raise FieldErrors / InvalidField): a page shows
    # `field_errors.get("name", "")` next to each field. Cleared before every action.
    field_errors: dict[str, str] = {}
    # The page's load was refused (the role may not open it): the page shows only the refusal.
    refused: bool = False

    def _open(self):
        self.refused = False
        return super()._open()

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
