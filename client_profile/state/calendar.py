"""The calendar-feed card: the family's secret iCal URL, a new link, switching the feed off and on.

Every handler re-derives the identity from the session cookie and hands it to services.calendar, which only
ever touches the principal's own family. Nothing here takes an id from the client.
"""

from __future__ import annotations

import reflex as rx

from client_profile.db import unit_of_work
from client_profile.services import calendar as calendar_service
from client_profile.services.errors import DomainError
from client_profile.state.session import principal_for, to_login


class CalendarState(rx.State):
    has_family: bool = False
    enabled: bool = False
    feed_url: str = ""
    google_url: str = ""
    webcal_url: str = ""
    message: str = ""
    error: str = ""

    def _show(self, status: calendar_service.FeedStatus) -> None:
        self.has_family = status.has_family
        self.enabled = status.enabled
        self.feed_url = status.url
        self.google_url, self.webcal_url = calendar_service.subscribe_links(status.url)

    def _clear(self) -> None:
        self._show(calendar_service.FeedStatus(has_family=False, enabled=False, url=""))
        self.message = self.error = ""

    def _act(self, action, message: str):
        with unit_of_work() as db:
            principal = principal_for(self, db)
            if principal is None:
                self._clear()
                return to_login()
            try:
                status = action(db, principal)
            except DomainError as exc:
                db.rollback()
                self.error, self.message = str(exc), ""
                status = calendar_service.feed_status(db, principal)
            else:
                self.error, self.message = "", message
        self._show(status)
        return None

    @rx.event
    def load_calendar(self):
        self.message = self.error = ""
        return self._act(calendar_service.feed_status, "")

    @rx.event
    def regenerate_feed(self):
        return self._act(calendar_service.regenerate,
                         "New link made. The old link has stopped working: subscribe again with this one.")

    @rx.event
    def switch_feed(self, enabled: bool):
        """On/off switch (not named set_…: the handler inventory allows no setter-like names)."""
        if not isinstance(enabled, bool):
            self.error, self.message = "Choose on or off for the calendar feed.", ""
            return None
        return self._act(lambda db, principal: calendar_service.set_enabled(db, principal, enabled),
                         "Calendar feed switched on." if enabled else
                         "Calendar feed switched off: calendars subscribed to it stop updating.")
