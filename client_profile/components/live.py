"""The invisible poller of a live page (state/live.py LivePage): it fires the page state's `refresh` handler
every POLL_MS while the page is open; the handler reloads only when something the family can see changed."""

from __future__ import annotations

import reflex as rx

POLL_MS = 1500


def live_poller(handler) -> rx.Component:
    """Invisible: fires `handler` every POLL_MS while the page is open."""
    return rx.box(
        rx.moment(interval=POLL_MS, format="x", on_change=handler), display="none", aria_hidden="true"
    )
