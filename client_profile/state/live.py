"""Pages that keep themselves up to date.

A page state mixes in LivePage (a PageState, state/base.py), implements `_load(ctx)` and its page passes
`State.refresh` to the shell (components/live.py live_poller). Every 1.5 s the open page asks whether anything
its family can see has changed (answered by the session lookup itself) and reloads only when it has: changes by
the provider (admin CLI), by a payment webhook or by the same family on another device appear without a reload,
whichever worker holds the tab.
"""

from __future__ import annotations

import reflex as rx

from client_profile.clock import utcnow
from client_profile.db import unit_of_work
from client_profile.state.base import Ctx, PageState
from client_profile.state.session import principal_for


class LivePage(PageState, mixin=True):
    # When what the page shows changes by itself (a deadline passes, a livestream opens): a `_load` sets it
    # (epoch seconds, 0 = never) and the poll reloads once it has passed even if no data changed.
    _reload_at: float = 0.0

    @rx.event
    def refresh(self, _tick: str = ""):
        """Reload if anything changed since this page last loaded. Cheap when nothing did."""
        if not self.loaded:
            return None  # the page's on_load does the first load
        with unit_of_work() as db:
            principal = principal_for(self, db)
            if principal is None:
                return self._logged_out()
            if principal.client_id != self._client_id:
                self.reset()  # never refresh what was loaded for another login
                return self._load_handler()
            due = self._reload_at and utcnow().timestamp() >= self._reload_at
            if principal.data_version == self._seen_version and not due:
                return None
            self._load(Ctx(db, principal))
            self._loaded(db, principal, principal.data_version)
        return None
