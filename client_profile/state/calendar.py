"""The calendar-feed card: the family's secret iCal URL, a new link, switching the feed off and on.

Every handler re-derives the identity from the session cookie and hands it to services.schedule.calendar, which only
ever touches the principal's own family. Nothing here takes an id from the client.
"""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import DomainError
from client_profile.services.schedule import calendar as calendar_service
from client_profile.state.base import Ctx, PageState


class CalendarState(PageState, rx.State):
    has_family: bool = False
    enabled: bool = False
    feed_url: str = ""
    google_url: str = ""
    webcal_url: str = ""

    def _load(self, ctx: Ctx) -> None:
        status = calendar_service.feed_status(ctx.db, ctx.principal)
        self.has_family = status.has_family
        self.enabled = status.enabled
        self.feed_url = status.url
        self.google_url, self.webcal_url = calendar_service.subscribe_links(status.url)

    @rx.event
    def load_calendar(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def regenerate_feed(self):
        return self._handle(
            lambda ctx: calendar_service.regenerate(ctx.db, ctx.principal),
            done="New link made. The old link has stopped working: subscribe again with this one.",
        )

    @rx.event
    def switch_feed(self, enabled: bool):
        """On/off switch (not named set_…: the handler inventory allows no setter-like names)."""
        return self._handle(
            lambda ctx: self._switch(ctx, enabled),
            done="Calendar feed switched on."
            if enabled is True
            else "Calendar feed switched off: calendars subscribed to it stop updating.",
        )

    def _switch(self, ctx: Ctx, enabled: object) -> None:
        if not isinstance(enabled, bool):
            raise DomainError("Choose on or off for the calendar feed.")
        calendar_service.set_enabled(ctx.db, ctx.principal, enabled)
