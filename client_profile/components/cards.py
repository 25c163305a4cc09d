"""Cards and badges for bookings and money."""

from __future__ import annotations

import reflex as rx

from client_profile.components.layout import card


def booking_link(b, content: rx.Component) -> rx.Component:
    """A whole card that opens the booking page."""
    return rx.link(
        content,
        href=f"/bookings/{b.id}",
        underline="none",
        color="inherit",
        width="100%",
        class_name="cp-booking-link",
        aria_label=b.programme,
    )


def booking_card(b) -> rx.Component:
    return booking_link(
        b,
        card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(b.programme, size="3", as_="h3"),
                        rx.text(b.class_name, size="2", color_scheme="gray"),
                        spacing="1",
                        min_width="0",
                    ),
                    rx.hstack(
                        rx.cond(
                            b.is_online, rx.badge(rx.icon("video", size=12), "Online", color_scheme="blue")
                        ),
                        rx.cond(b.shared_with_me, rx.badge("Shared with you", color_scheme="purple")),
                        spacing="1",
                        wrap="wrap",
                        justify="end",
                    ),
                    justify="between",
                    width="100%",
                    align="start",
                ),
                rx.hstack(
                    rx.cond(
                        b.schedule != "",
                        rx.hstack(
                            rx.icon("clock", size=14),
                            rx.text(b.schedule, size="2"),
                            spacing="1",
                            align="center",
                        ),
                    ),
                    rx.cond(
                        b.place != "",
                        rx.hstack(
                            rx.icon("map-pin", size=14),
                            rx.text(b.place, size="2"),
                            spacing="1",
                            align="center",
                        ),
                    ),
                    spacing="4",
                    wrap="wrap",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    b.next_session != "",
                    rx.hstack(
                        rx.icon("calendar-check", size=14),
                        rx.text("Next: ", b.next_session, size="2", weight="medium"),
                        spacing="1",
                        align="center",
                        color=rx.color("accent", 11),
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            data_booking=b.programme,
            class_name="cp-booking",
        ),
    )


# The whole width on a phone (one thumb), a button's width on a desktop.
_PAY_WIDTH = rx.breakpoints(initial="100%", md="18rem")


def discount_lines(parts) -> rx.Component:
    """Under an item whose amount is what is due: its full price, then each discount with what it saved, one per
    line (an amount never breaks across lines on a phone). Nothing for an item without discounts."""
    return rx.cond(
        parts.length() > 0,
        rx.vstack(
            rx.foreach(
                parts,
                lambda part, i: rx.text(
                    rx.cond(
                        i == 0,
                        rx.icon("tag", size=12, margin_right="4px", display="inline", vertical_align="-1px"),
                    ),
                    part[0],
                    " ",
                    rx.text.span(part[1], white_space="nowrap"),
                    size="1",
                    color=rx.cond(i == 0, rx.color("gray", 11), rx.color("green", 11)),
                ),
            ),
            spacing="0",
            class_name="cp-discount",
            width="100%",
        ),
    )


def unpaid_prompt(state) -> rx.Component:
    """The first thing a client with something unpaid sees: what, how much, and how to pay it."""
    item = lambda u: rx.hstack(  # noqa: E731
        rx.vstack(
            rx.text(
                u.description,
                rx.cond(u.attendee != "", rx.text.span(" · ", u.attendee)),
                weight="medium",
                size="2",
            ),
            discount_lines(u.discount_parts),
            rx.cond(
                u.due != "",
                rx.text(
                    rx.cond(u.overdue, "Overdue since ", "Due "),
                    u.due,
                    size="1",
                    color=rx.cond(u.overdue, rx.color("red", 11), rx.color("gray", 11)),
                ),
            ),
            spacing="0",
            min_width="0",
        ),
        rx.text(u.amount, weight="bold", size="2", white_space="nowrap"),
        justify="between",
        width="100%",
        align="center",
    )
    return rx.callout.root(
        rx.vstack(
            rx.hstack(
                rx.icon("wallet", size=20),
                rx.heading("Payment due: ", state.unpaid_total, size="4", as_="h2"),
                spacing="2",
                align="center",
            ),
            rx.vstack(rx.foreach(state.unpaid, item), spacing="2", width="100%"),
            rx.cond(
                state.online_payment,
                rx.link(
                    rx.button(rx.icon("credit-card", size=16), "Pay now", size="3", width="100%"),
                    href="/payments",
                    underline="none",
                    width=_PAY_WIDTH,
                    id="unpaid-pay-now",
                ),
                rx.link(
                    rx.button(rx.icon("landmark", size=16), "Pay by bank transfer", size="3", width="100%"),
                    href="/payments?pay=transfer#bank-transfer",
                    underline="none",
                    width=_PAY_WIDTH,
                    id="unpaid-pay-now",
                ),
            ),
            rx.cond(
                state.bank_iban != "",
                rx.el.details(
                    rx.el.summary(
                        "How to pay by bank transfer", style={"cursor": "pointer", "font_weight": "600"}
                    ),
                    rx.vstack(
                        rx.text("Account: ", rx.text.strong(state.bank_account_name), size="2"),
                        rx.text("IBAN: ", rx.code(state.bank_iban), size="2"),
                        rx.cond(state.bank_bic != "", rx.text("BIC: ", rx.code(state.bank_bic), size="2")),
                        rx.text("Reference for each item:", size="2"),
                        rx.foreach(
                            state.unpaid,
                            lambda u: rx.text(u.description, ": ", rx.code(u.reference), size="2"),
                        ),
                        rx.cond(
                            state.bank_hint != "", rx.text(state.bank_hint, size="1", color_scheme="gray")
                        ),
                        spacing="1",
                        padding_top="0.5rem",
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        color_scheme="amber",
        variant="surface",
        width="100%",
        display="block",
        id="unpaid-prompt",
        role="region",
        aria_label="Payment due",
    )


def doc_link(url, label, number) -> rx.Component:
    """A document download: a full browser request (reload_document), not routing inside the app."""
    return rx.cond(
        url != "",
        rx.link(
            rx.hstack(
                rx.icon("file-down", size=14),
                rx.text(label, " ", number, size="2"),
                spacing="1",
                align="center",
            ),
            href=url,
            reload_document=True,
            download="",
            class_name="cp-doc",
            underline="none",
        ),
    )


def doc_links(item) -> rx.Component:
    """An item's invoice and receipt side by side (they fit one line on a 390 px phone; they wrap beyond)."""
    return rx.hstack(
        doc_link(item.invoice_url, "Invoice", item.invoice_number),
        doc_link(item.receipt_url, "Receipt", item.receipt_number),
        column_gap="0.5rem",
        row_gap="0",
        wrap="wrap",
    )
