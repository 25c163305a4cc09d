"""The one base of our states: every event handler runs through `PageState._open` (a page's load) or
`PageState._handle` (anything else).

Reflex calls any public handler a client names, with any arguments, and keys state by a client-chosen tab token
(state/session.py, docs/architecture.md). So the base, for every handler:
- opens one unit of work and resolves the client from the session cookie (never from state); without a login
  the state is cleared and the browser goes to the login page;
- never works from data loaded for another client (another login on the same tab): a handler that only changes
  what the page shows from what it loaded (`reload=False`) clears the state and loads it afresh instead; an
  action runs for the client now logged in and the reload replaces what the page showed;
- hands the action a `Ctx` (the session, the principal, the provider on first use); services check every id;
- turns a refusal (DomainError) into `error`, after rolling the transaction back;
- reloads the page's data after the action, in the same transaction, so the page shows what is now true.

A state implements `_load(ctx)` (fill its vars for ctx.principal) and names its load handler `load_<page>`.

The provider console's states use the same base through `AdminPage` (state/admin/base.py), which only swaps the
identity: the staff session cookie instead of the client's (the `_principal`, `_owner_of`, `_to_login` and
`_seen` hooks below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError, NotAuthenticated
from client_profile.services.people import changes
from client_profile.services.people.identity import Principal, StaffPrincipal
from client_profile.services.providers import current_provider
from client_profile.state.session import principal_for, to_login


@dataclass
class Ctx:
    """What an action or a load gets: the unit of work's session (None for `transaction=False` actions), the
    acting identity, and the provider (looked up on first use)."""

    db: Session | None
    principal: Principal | StaffPrincipal
    _provider: Any = None

    @property
    def provider(self):
        if self._provider is None:
            self._provider = current_provider(self.db)
        return self._provider


class PageState(rx.State, mixin=True):
    loaded: bool = False
    error: str = ""
    message: str = ""
    # Backend-only: the account (client, or staff member in the console) whose data this state holds (0: none).
    _client_id: int = 0
    _seen_version: int = -1

    # -- the area's identity (AdminPage overrides these four)

    def _principal(self, db: Session) -> Principal | StaffPrincipal | None:
        """The identity of this event, from the session cookie the socket carries (never from state)."""
        return principal_for(self, db)

    def _owner_of(self, principal) -> int:
        return principal.client_id

    def _to_login(self) -> rx.event.EventSpec:
        return to_login()

    def _seen(self, db: Session, principal, version: int | None) -> None:
        """Remember the data version this load saw (live pages compare it on their poll)."""
        self._seen_version = changes.version_for(db, principal) if version is None else version

    def _load(self, ctx: Ctx) -> None:
        """Fill the state's vars for ctx.principal (read only)."""
        raise NotImplementedError

    def _load_handler(self):
        """This state's `load_<page>` handler: what a stale page returns to load afresh."""
        names = [n for n in type(self).event_handlers if n.startswith("load_")]
        return getattr(type(self), names[0])

    def _logged_out(self) -> rx.event.EventSpec:
        self.reset()  # nothing of a login that ended stays in the tab
        return self._to_login()

    def _loaded(self, db: Session, principal, version: int | None = None) -> None:
        self._seen(db, principal, version)
        self._client_id = self._owner_of(principal)
        self.loaded = True

    def _refusal_details(self, refusal: DomainError | None) -> None:
        """Hook: what a page shows of a refusal beyond its message (the console's per-field messages); called
        with None before each action, to clear them."""
        return None

    def _refused_load(self, reason: str) -> None:
        """A load the services refused: nothing of what the page showed stays, and it says why."""
        self.reset()
        self.error = reason

    def _open(self):
        """A page's load: the client from the cookie, then `_load` in one unit of work."""
        with unit_of_work() as db:
            principal = self._principal(db)
            if principal is None:
                return self._logged_out()
            try:
                self._load(Ctx(db, principal))
            except NotAuthenticated:  # the client's row is gone or inactive
                return self._logged_out()
            except DomainError as exc:  # e.g. a console page the staff member's role may not open
                db.rollback()
                self._refused_load(str(exc))
            self._loaded(db, principal, getattr(principal, "data_version", None))
        return None

    def _handle(
        self,
        action: Callable[[Ctx], Any],
        *,
        done: str | Callable[[Any], str] | None = None,
        then: Callable[[Any], Any] | None = None,
        reload: bool = True,
        immediate: bool = False,
        transaction: bool = True,
    ):
        """Run `action(ctx)` for the logged-in client; returns the event for Reflex.

        - `reload`: afterwards (also after a refusal) `_load` runs in the same transaction; False for handlers
          that only change what the page shows from what it loaded (they check that it was loaded for this
          client, and return the page's load handler when it was not).
        - `immediate`: the unit of work takes the write lock at BEGIN on SQLite (changes that race for a place).
        - `transaction=False`: the action opens its own transactions (a call to Stripe must not hold one open);
          the login is checked first, in a unit of work of its own, and `ctx.db` is None.
        - `done`: on success, the confirmation put in `message` (a function of the action's result, or a text);
          on a refusal `message` is cleared. None leaves `message` alone.
        - `then`: the event to return, from the action's result (None after a refusal).
        """
        self.error = ""
        self._refusal_details(None)
        refusal, result, refused = None, None, None
        with unit_of_work(immediate=immediate) as db:
            principal = self._principal(db)
            if principal is None:
                return self._logged_out()
            if not reload and self._client_id and self._owner_of(principal) != self._client_id:
                self.reset()  # never work from what was loaded for another login: load afresh
                return self._load_handler()
            ctx = Ctx(db if transaction else None, principal)
            if transaction:
                try:
                    try:
                        result = action(ctx)
                    except DomainError as exc:
                        db.rollback()
                        refusal, refused = str(exc), exc
                    if reload:
                        try:
                            self._load(ctx)
                        except DomainError as exc:
                            db.rollback()
                            self._refused_load(str(exc))
                            refusal = refusal or str(exc)
                        self._loaded(db, principal)  # including this change's own version bump
                except NotAuthenticated:  # the client's row is gone or inactive
                    db.rollback()
                    return self._logged_out()
        if not transaction:
            try:
                result = action(ctx)
            except DomainError as exc:
                refusal, refused = str(exc), exc
        if refusal is not None:
            self.error = refusal
            result = None
        if refused is not None:
            self._refusal_details(refused)
        if done is not None:
            self.message = "" if refusal is not None else (done(result) if callable(done) else done)
        return then(result) if then is not None else None
