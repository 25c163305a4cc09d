"""Home: unpaid prompt first, then family members, the selected member's bookings, family sections."""

from __future__ import annotations

import reflex as rx

from client_profile.components.cards import booking_card, unpaid_prompt
from client_profile.components.family import member_switcher
from client_profile.components.layout import card, card_grid, empty_note, loading_or, page_shell, section
from client_profile.page_registry import Nav, page
from client_profile.state.home import HomeState
from client_profile.state.shell import ShellState


def _quick_action(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.button(rx.icon(icon, size=16), label, variant="soft", size="2", width="100%"),
        href=href,
        underline="none",
        flex="1",
        min_width="8rem",
    )


def quick_actions() -> rx.Component:
    return rx.hstack(
        rx.cond(
            HomeState.has_unpaid,
            rx.link(
                rx.button(rx.icon("wallet", size=16), "Pay", size="2", width="100%"),
                href="/payments",
                underline="none",
                flex="1",
                min_width="8rem",
            ),
        ),
        rx.cond(
            HomeState.open_makeups > 0,
            rx.link(
                rx.button(
                    rx.icon("calendar-plus", size=16),
                    "Make-ups",
                    rx.badge(HomeState.open_makeups, variant="solid"),
                    size="2",
                    width="100%",
                    aria_label="Book a make-up",
                ),
                href="/makeups",
                underline="none",
                flex="1",
                min_width="8rem",
                id="home-makeup-action",
            ),
        ),
        _quick_action("All bookings", "/bookings", "calendar-days"),
        _quick_action("Benefits", "/benefits", "gift"),
        _quick_action("Orders", "/orders", "receipt"),
        spacing="2",
        wrap="wrap",
        width="100%",
    )


def family_section() -> rx.Component:
    return section(
        "For the whole family",
        card(
            rx.vstack(
                rx.hstack(
                    rx.icon("percent", size=16),
                    rx.text("Discounts", weight="medium"),
                    spacing="2",
                    align="center",
                ),
                rx.cond(
                    HomeState.family_discounts.length() > 0,
                    rx.hstack(
                        rx.foreach(
                            HomeState.family_discounts, lambda d: rx.badge(d, color_scheme="green", size="2")
                        ),
                        wrap="wrap",
                        spacing="2",
                    ),
                    empty_note("No active family discounts."),
                ),
                rx.separator(),
                rx.link(
                    rx.hstack(
                        rx.icon("receipt", size=16),
                        rx.text("Unpaid orders: ", rx.text.strong(HomeState.unpaid_orders)),
                        spacing="2",
                        align="center",
                    ),
                    href="/orders",
                    underline="none",
                ),
                rx.link(
                    rx.hstack(
                        rx.icon("coins", size=16),
                        rx.text("Credit balance: ", rx.text.strong(HomeState.credit_balance)),
                        spacing="2",
                        align="center",
                    ),
                    href="/benefits",
                    underline="none",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        id="family-section",
    )


def bookings_section() -> rx.Component:
    return rx.vstack(
        section(
            HomeState.selected_member_name + "'s bookings",
            rx.cond(
                HomeState.active_bookings.length() > 0,
                card_grid(HomeState.active_bookings, booking_card),
                empty_note("No active bookings."),
            ),
            id="active-bookings",
        ),
        rx.cond(
            HomeState.past_bookings.length() > 0,
            section(
                HomeState.selected_member_name + "'s past bookings",
                card_grid(HomeState.past_bookings, booking_card),
                id="past-bookings",
            ),
        ),
        spacing="5",
        width="100%",
    )


@page("/", "Home", load=[HomeState.load_home], nav=Nav("Home", "house", 1))
def home() -> rx.Component:
    return page_shell(
        "Home",
        HomeState.refresh,
        loading_or(
            HomeState.loaded,
            rx.vstack(
                rx.heading("Hello, ", ShellState.first_name, size="6", as_="h1"),
                rx.cond(
                    HomeState.error != "",
                    rx.callout(HomeState.error, color_scheme="red", icon="info", width="100%"),
                ),
                rx.cond(
                    HomeState.open_invitations > 0,
                    rx.callout(
                        rx.text(
                            "A booking was shared with you. ",
                            rx.link("See the invitation", href="/invitations", weight="bold"),
                        ),
                        icon="mail",
                        color_scheme="blue",
                        width="100%",
                        id="home-invitations",
                    ),
                ),
                rx.cond(HomeState.has_unpaid, unpaid_prompt(HomeState)),
                rx.cond(
                    HomeState.members.length() > 0,
                    member_switcher(HomeState.members, HomeState.selected_member_id, HomeState.select_member),
                    empty_note("Nothing is booked for you yet."),
                ),
                quick_actions(),
                bookings_section(),
                rx.cond(HomeState.has_family, family_section()),
                spacing="5",
                width="100%",
            ),
        ),
    )
