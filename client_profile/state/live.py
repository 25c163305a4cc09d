"""Pages that keep themselves up to date.

A page state mixes in LivePage, implements `_load(db, principal)` and its page passes `State.refresh` to the
shell (components/live.py live_poller). Every 1.5 s the open page asks whether anything its family can see has
changed (answered by the session lookup itself) and reloads only when it has: changes by the provider (admin CLI), by a payment webhook or by the
same family on another device appear without a reload, whichever worker holds the tab.
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from client_profile.db import unit_of_work
from client_profile.models.base import utcnow
from client_profile.services import changes
from client_profile.services.errors import DomainError
from client_profile.services.identity import Principal
from client_profile.services.providers import current_provider
from client_profile.state.session import principal_for, to_login

class LivePage(rx.State, mixin=True):
    loaded: bool = False
    _seen_version: int = -1
    # When what the page shows changes by itself (a deadline passes, a livestream opens): a `_load` sets it
    # (epoch seconds, 0 = never) and the poll reloads once it has passed even if no data changed.
    _reload_at: float = 0.0

    def _load(self, db: Session, principal: Principal):
        raise NotImplementedError

    def _run(self, only_if_changed: bool):
        with unit_of_work() as db:
            principal = principal_for(self, db)
            if principal is None:
                return to_login()
            version = principal.data_version  # looked up with the session, in the same query
            due = self._reload_at and utcnow().timestamp() >= self._reload_at
            if only_if_changed and version == self._seen_version and not due:
                return None
            result = self._load(db, principal)
        self._seen_version = version
        self.loaded = True
        return result

    def _act(self, action, immediate: bool = False):
        """Run one change `action(db, principal, provider)` for the logged-in client and reload the page's
        data in the same transaction. Returns (event to return, the action's result or None on a refusal,
        whose message is put in the state's `error` var)."""
        self.error = ""
        with unit_of_work(immediate=immediate) as db:
            principal = principal_for(self, db)
            if principal is None:
                return to_login(), None
            try:
                result = action(db, principal, current_provider(db))
            except DomainError as exc:
                self.error = str(exc)
                return None, None
            self._load(db, principal)
            self._seen_version = changes.version_for(db, principal)  # including this change's own bump
        return None, result

    @rx.event
    def refresh(self, _tick: str = ""):
        """Reload if anything changed since this page last loaded. Cheap when nothing did."""
        if not self.loaded:
            return None  # the page's on_load does the first load
        return self._run(only_if_changed=True)
