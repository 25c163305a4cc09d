"""The Bookings and Benefits tabs (Orders: pages/orders.py)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.calendar_card import calendar_card
from client_profile.components.cards import booking_link, doc_link
from client_profile.components.layout import card, card_grid, empty_note, loading_or, page_shell, section
from client_profile.page_registry import Nav, page
from client_profile.state.calendar import CalendarState
from client_profile.state.lists import BenefitsState, BookingsState

STATUS_COLORS = {
    "available": "green",
    "active": "green",
    "used": "gray",
    "expired": "red",
    "used up": "gray",
    "withdrawn": "gray",
    "upcoming": "blue",
    "paid": "green",
    "unpaid": "amber",
}


def status_badge(status) -> rx.Component:
    return rx.badge(status, color_scheme=rx.match(status, *list(STATUS_COLORS.items()), "gray"), size="2")


def _booking(b) -> rx.Component:
    return booking_link(
        b,
        card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(b.programme, size="3", as_="h3"),
                        rx.text(b.member, " · ", b.class_name, size="2", color_scheme="gray"),
                        spacing="1",
                    ),
                    rx.hstack(
                        rx.cond(b.is_online, rx.badge("Online", color_scheme="blue")),
                        rx.cond(b.shared_with_me, rx.badge("Shared with you", color_scheme="purple")),
                        spacing="1",
                    ),
                    justify="between",
                    width="100%",
                    align="start",
                ),
                rx.hstack(
                    rx.cond(b.schedule != "", rx.text(b.schedule, size="2")),
                    rx.cond(b.place != "", rx.text(b.place, size="2")),
                    spacing="4",
                    wrap="wrap",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    b.next_session != "",
                    rx.text(
                        "Next: ", b.next_session, size="2", weight="medium", color=rx.color("accent", 11)
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            class_name="cp-booking",
        ),
    )


@page(
    "/bookings",
    "Bookings",
    load=[BookingsState.load_bookings, CalendarState.load_calendar],
    nav=Nav("Bookings", "calendar-days", 2),
)
def bookings_page() -> rx.Component:
    return page_shell(
        "Bookings",
        BookingsState.refresh,
        rx.heading("Bookings", size="6", as_="h1"),
        loading_or(
            BookingsState.loaded,
            rx.vstack(
                section(
                    "Active",
                    rx.cond(
                        BookingsState.active.length() > 0,
                        card_grid(BookingsState.active, _booking),
                        empty_note("No active bookings."),
                    ),
                ),
                section(
                    "Past",
                    rx.cond(
                        BookingsState.past.length() > 0,
                        card_grid(BookingsState.past, _booking),
                        empty_note("No past bookings."),
                    ),
                ),
                calendar_card(),
                spacing="5",
                width="100%",
            ),
        ),
    )


def _makeup(m) -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.text(m.attendee, " · ", m.programme, weight="medium", size="2"),
                rx.text("From: ", m.earned_from, size="1", color_scheme="gray"),
                rx.text(m.detail, size="1", color_scheme="gray"),
                rx.cond(
                    m.note != "",
                    rx.text(m.note, size="1", color=rx.color("amber", 11), class_name="cp-makeup-note"),
                ),
                spacing="1",
            ),
            status_badge(m.status),
            justify="between",
            width="100%",
            align="start",
        )
    )


def _discount(d) -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.text(d.name, weight="medium", size="2"),
                rx.text(d.scope, " · ", d.value, " · ", d.validity, size="1", color_scheme="gray"),
                spacing="1",
            ),
            status_badge(d.status),
            justify="between",
            width="100%",
            align="start",
        )
    )


def _pass(p) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(p.name, weight="medium", size="2"),
                status_badge(p.status),
                justify="between",
                width="100%",
            ),
            rx.hstack(
                rx.heading(p.remaining, size="6"),
                rx.text("of ", p.total, " entries left", size="2", color_scheme="gray"),
                align="baseline",
                spacing="2",
            ),
            rx.progress(value=p.remaining * 100 // p.total, width="100%"),
            rx.text("Expires ", p.expires, size="1", color_scheme="gray"),
            rx.text(
                rx.cond(p.holder != "", f"For {p.holder} · ", ""),
                "Accepted in: ",
                p.accepts,
                size="1",
                color_scheme="gray",
            ),
            spacing="2",
            width="100%",
        )
    )


def _history(h) -> rx.Component:
    """One change the provider made to a pass or a make-up credit (newest first)."""
    return rx.vstack(
        rx.text(h.subject, size="1", color_scheme="gray", weight="medium"),
        rx.text(h.text, size="2"),
        rx.text(h.when, size="1", color_scheme="gray"),
        spacing="0",
        width="100%",
        padding_y="0.4rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="cp-benefit-history",
    )


def _ledger(e) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(e.description, size="2"),
            rx.text(e.when, size="1", color_scheme="gray"),
            doc_link(e.receipt_url, "Receipt", e.receipt_number),
            spacing="0",
        ),
        rx.text(
            e.amount,
            weight="bold",
            size="2",
            color=rx.cond(e.is_credit, rx.color("green", 11), rx.color("gray", 12)),
        ),
        justify="between",
        width="100%",
        padding_y="0.4rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


@page("/benefits", "Benefits", load=[BenefitsState.load_benefits], nav=Nav("Benefits", "gift", 3))
def benefits_page() -> rx.Component:
    s = BenefitsState
    return page_shell(
        "Benefits",
        s.refresh,
        rx.heading("Benefits", size="6", as_="h1"),
        loading_or(
            s.loaded,
            rx.vstack(
                section(
                    "Make-ups",
                    rx.cond(
                        s.makeups.length() > 0,
                        card_grid(s.makeups, _makeup),
                        empty_note("No make-up credits yet."),
                    ),
                    rx.link(
                        rx.button(
                            rx.icon("calendar-plus", size=16), "Find and book make-ups", variant="soft"
                        ),
                        href="/makeups",
                        underline="none",
                    ),
                    id="makeups",
                ),
                rx.cond(
                    s.has_family,
                    rx.vstack(
                        section(
                            "Discounts",
                            rx.cond(
                                s.discounts.length() > 0,
                                card_grid(s.discounts, _discount),
                                empty_note("No discounts."),
                            ),
                            id="discounts",
                        ),
                        section(
                            "Entry passes",
                            rx.cond(
                                s.passes.length() > 0,
                                card_grid(s.passes, _pass),
                                empty_note("No entry passes."),
                            ),
                            id="passes",
                        ),
                        section(
                            "Credit",
                            card(
                                rx.vstack(
                                    rx.hstack(
                                        rx.text("Balance", size="2", color_scheme="gray"),
                                        rx.heading(s.credit_balance, size="6"),
                                        justify="between",
                                        width="100%",
                                        align="center",
                                    ),
                                    rx.cond(
                                        s.ledger.length() > 0,
                                        rx.vstack(rx.foreach(s.ledger, _ledger), spacing="0", width="100%"),
                                        empty_note("No credit movements yet."),
                                    ),
                                    spacing="3",
                                    width="100%",
                                )
                            ),
                            id="credit",
                        ),
                        spacing="5",
                        width="100%",
                    ),
                ),
                rx.cond(
                    s.history.length() > 0,
                    section(
                        "History",
                        card(rx.vstack(rx.foreach(s.history, _history), spacing="0", width="100%")),
                        id="history",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        ),
    )
