"""Any unknown address (for a logged-in person; others are sent to /login first): a plain page with a way home."""

from __future__ import annotations

import reflex as rx

from client_profile.page_registry import page


@page("404", "Page not found", shell=False)
def not_found_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("map-pin-off", size=32, color=rx.color("accent", 10)),
                rx.heading("Page not found", size="6", as_="h1"),
                rx.text(
                    "There is nothing at this address. It may have been mistyped, or the page has moved.",
                    size="3",
                    color_scheme="gray",
                    text_align="center",
                ),
                rx.link(
                    rx.button(rx.icon("house", size=16), "Go to Home", size="3"),
                    href="/",
                    underline="none",
                    id="not-found-home",
                ),
                spacing="4",
                align="center",
                padding="1.5rem",
            ),
            max_width="28rem",
            width="100%",
        ),
        min_height="100vh",
        padding="1rem",
        background=rx.color("gray", 2),
    )
