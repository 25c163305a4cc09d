"""The calendar-feed card for the Bookings tab: the family's secret iCal URL and what can be done with it."""

from __future__ import annotations

import reflex as rx

from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card
from client_profile.state.calendar import CalendarState


def _new_link_dialog() -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("refresh-cw", size=14),
            "New link",
            variant="soft",
            color_scheme="gray",
            size="2",
            class_name="cp-calendar-new",
        ),
        "Make a new calendar link?",
        "The current link stops working at once. Calendars subscribed to it stop updating; subscribe "
        "again with the new link. Do this if the link was shared with someone who should not have it.",
        rx.button("Keep the current link", variant="soft", color_scheme="gray"),
        rx.alert_dialog.action(
            rx.button("Make a new link", color_scheme="red", on_click=CalendarState.regenerate_feed)
        ),
        max_width="28rem",
    )


def _feed() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Subscribe once and every session of your family appears in your phone's calendar, "
            "cancellations included. Keep the link private: anyone with it can see the schedule.",
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.input(
                value=CalendarState.feed_url,
                read_only=True,
                aria_label="Calendar feed link",
                width="100%",
                size="2",
                class_name="cp-calendar-url",
                on_focus=rx.run_script("document.activeElement && document.activeElement.select()"),
            ),
            rx.icon_button(
                rx.icon("copy", size=16),
                aria_label="Copy link",
                variant="soft",
                size="2",
                on_click=[rx.set_clipboard(CalendarState.feed_url), rx.toast("Link copied", duration=2000)],
            ),
            width="100%",
            spacing="2",
            align="center",
        ),
        rx.hstack(
            rx.link(
                rx.button(
                    rx.icon("calendar-plus", size=14),
                    "Subscribe in Google Calendar",
                    variant="soft",
                    size="2",
                ),
                href=CalendarState.google_url,
                is_external=True,
                underline="none",
            ),
            rx.link(
                rx.button(rx.icon("apple", size=14), "Apple Calendar (webcal://)", variant="soft", size="2"),
                href=CalendarState.webcal_url,
                underline="none",
            ),
            _new_link_dialog(),
            spacing="2",
            wrap="wrap",
        ),
        spacing="3",
        width="100%",
    )


def calendar_card() -> rx.Component:
    """Needs CalendarState.load_calendar in the page's on_load. Shows nothing for a person without a family."""
    return rx.cond(
        CalendarState.has_family,
        card(
            rx.vstack(
                rx.hstack(
                    rx.hstack(
                        rx.icon("calendar-days", size=18),
                        rx.heading("Calendar feed", size="3", as_="h2"),
                        spacing="2",
                        align="center",
                    ),
                    rx.hstack(
                        rx.text(rx.cond(CalendarState.enabled, "On", "Off"), size="2", color_scheme="gray"),
                        rx.switch(
                            checked=CalendarState.enabled,
                            on_change=CalendarState.switch_feed,
                            aria_label="Calendar feed on or off",
                        ),
                        spacing="2",
                        align="center",
                    ),
                    justify="between",
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    CalendarState.enabled,
                    _feed(),
                    rx.text(
                        'The calendar feed is off: its link answers "not found". Switch it on to use '
                        "the same link again.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.cond(
                    CalendarState.message != "",
                    rx.text(CalendarState.message, size="2", color=rx.color("accent", 11), role="status"),
                ),
                rx.cond(
                    CalendarState.error != "",
                    rx.text(CalendarState.error, size="2", color=rx.color("red", 11), role="alert"),
                ),
                spacing="3",
                width="100%",
            ),
            class_name="cp-calendar",
        ),
    )
