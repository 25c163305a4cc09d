"""The Orders tab and one order's page: items, quantities, prices, payment status, documents, entry passes."""

from __future__ import annotations

import reflex as rx

from client_profile.components.cards import doc_links
from client_profile.components.layout import card, empty_note, loading_or, page_shell, section
from client_profile.components.transfer import transfer_panel
from client_profile.page_registry import Nav, page
from client_profile.state.orders import OrdersState, OrderState

STATUS_COLORS = {
    "paid": "green",
    "unpaid": "amber",
    "cancelled": "gray",
    "active": "green",
    "expired": "red",
    "used up": "gray",
}


def badge(status) -> rx.Component:
    return rx.badge(status, color_scheme=rx.match(status, *list(STATUS_COLORS.items()), "gray"), size="2")


def _order(o) -> rx.Component:
    return rx.link(
        card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.text("Order ", o.number, weight="medium", size="2"),
                        rx.text(o.created, size="1", color_scheme="gray"),
                        spacing="0",
                    ),
                    rx.hstack(
                        rx.text(o.total, weight="bold", size="2"),
                        badge(o.status),
                        spacing="2",
                        align="center",
                    ),
                    justify="between",
                    width="100%",
                    align="start",
                ),
                rx.vstack(
                    rx.foreach(
                        o.lines,
                        lambda i: rx.hstack(
                            rx.text(i.quantity, " × ", i.description, size="2"),
                            rx.text(i.total, size="2"),
                            justify="between",
                            width="100%",
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.hstack(
                    rx.text(rx.cond(o.status == "unpaid", "Details and payment", "Details"), size="2"),
                    rx.icon("chevron-right", size=14),
                    spacing="1",
                    align="center",
                    color=rx.color("accent", 11),
                ),
                spacing="2",
                width="100%",
            ),
            class_name="cp-order",
        ),
        href="/orders/" + o.id.to_string(),
        underline="none",
        color="inherit",
        width="100%",
    )


def _grid(items) -> rx.Component:
    return rx.grid(
        rx.foreach(items, _order), columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"
    )


@page("/orders", "Orders", load=[OrdersState.load_orders], nav=Nav("Orders", "receipt", 4))
def orders_page() -> rx.Component:
    s = OrdersState
    return page_shell(
        "Orders",
        s.refresh,
        rx.hstack(
            rx.heading("Orders", size="6", as_="h1"),
            rx.link(
                rx.button(rx.icon("wallet", size=16), "Payments", variant="soft", size="2"),
                href="/payments",
                underline="none",
            ),
            justify="between",
            align="center",
            width="100%",
        ),
        loading_or(
            s.loaded,
            rx.cond(
                s.has_family,
                rx.vstack(
                    section(
                        rx.text("Unpaid (", s.unpaid.length(), ")"),
                        rx.cond(s.unpaid.length() > 0, _grid(s.unpaid), empty_note("Nothing unpaid.")),
                        id="unpaid-orders",
                    ),
                    section(
                        "Paid",
                        rx.cond(s.paid.length() > 0, _grid(s.paid), empty_note("No paid orders yet.")),
                        id="paid-orders",
                    ),
                    spacing="5",
                    width="100%",
                ),
                empty_note("Orders belong to a family account; nothing is shared with you here."),
            ),
        ),
    )


def _entry(e) -> rx.Component:
    return rx.hstack(
        rx.text(e.when, size="2"),
        rx.text(e.who, size="2", color_scheme="gray"),
        rx.cond(e.returned, rx.badge("returned", color_scheme="gray")),
        spacing="3",
        class_name="cp-pass-entry",
    )


def _pass(p) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(p.name, weight="medium", size="2"), badge(p.status), justify="between", width="100%"
        ),
        rx.text(p.remaining, " of ", p.total, " entries left · expires ", p.expires, size="2"),
        rx.cond(
            p.used_entries.length() > 0,
            rx.vstack(rx.foreach(p.used_entries, _entry), spacing="1"),
            empty_note("No entries used yet."),
        ),
        spacing="2",
        width="100%",
        padding="0.75rem",
        border_radius="0.5rem",
        background=rx.color("gray", 2),
        class_name="cp-pass",
    )


def _line(line) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.text(line.description, weight="medium", size="3"),
                rx.text(
                    line.kind, " · ", line.quantity, " × ", line.unit_price, size="2", color_scheme="gray"
                ),
                spacing="0",
            ),
            rx.text(line.total, weight="bold", size="3", white_space="nowrap"),
            justify="between",
            width="100%",
            align="start",
        ),
        rx.foreach(line.passes, _pass),
        spacing="2",
        width="100%",
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="cp-order-line",
    )


def _payment_box() -> rx.Component:
    s = OrderState
    o = s.order
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading("Payment", size="4", as_="h2"), badge(o.status), justify="between", width="100%"
            ),
            rx.cond(
                o.status == "paid",
                rx.text(
                    "Paid ",
                    o.paid_on,
                    rx.cond(o.payment_method != "", rx.text.span(" · ", o.payment_method)),
                    size="2",
                ),
                rx.vstack(
                    rx.cond(
                        o.due != "",
                        rx.text(
                            rx.cond(o.overdue, "Overdue since ", "Due "),
                            o.due,
                            size="2",
                            color=rx.cond(o.overdue, rx.color("red", 11), rx.color("gray", 12)),
                        ),
                    ),
                    rx.cond(o.reference != "", rx.text("Reference ", rx.code(o.reference), size="2")),
                    rx.flex(
                        rx.cond(
                            s.online,
                            rx.button(
                                rx.icon("credit-card", size=16),
                                "Pay ",
                                o.total,
                                " online",
                                on_click=s.pay_online,
                                size="3",
                                id="order-pay-online",
                            ),
                        ),
                        rx.cond(
                            s.has_bank,
                            rx.button(
                                rx.icon("landmark", size=16),
                                "Pay by bank transfer",
                                on_click=s.show_bank_transfer,
                                size="3",
                                variant="soft",
                                id="order-pay-transfer",
                            ),
                        ),
                        gap="0.5rem",
                        wrap="wrap",
                    ),
                    rx.cond(s.transfer_open, transfer_panel(s)),
                    spacing="3",
                    width="100%",
                ),
            ),
            doc_links(o),
            spacing="3",
            width="100%",
        ),
        id="order-payment",
    )


@page("/orders/[order_id]", "Order", load=[OrderState.load_order])
def order_page() -> rx.Component:
    s = OrderState
    o = s.order
    return page_shell(
        "Orders",
        s.refresh,
        rx.link(
            rx.hstack(
                rx.icon("chevron-left", size=16), rx.text("All orders", size="2"), spacing="1", align="center"
            ),
            href="/orders",
            underline="none",
        ),
        loading_or(
            s.loaded,
            rx.cond(
                s.found,
                rx.vstack(
                    rx.hstack(
                        rx.vstack(
                            rx.heading("Order ", o.number, size="6", as_="h1"),
                            rx.text("Ordered ", o.created, size="2", color_scheme="gray"),
                            spacing="1",
                        ),
                        rx.vstack(rx.heading(o.total, size="6"), badge(o.status), align="end", spacing="1"),
                        justify="between",
                        width="100%",
                        align="start",
                    ),
                    rx.cond(
                        s.error != "",
                        rx.callout(s.error, color_scheme="red", icon="triangle-alert", width="100%"),
                    ),
                    card(
                        rx.vstack(
                            rx.heading("Items", size="4", as_="h2"),
                            rx.foreach(o.lines, _line),
                            rx.hstack(
                                rx.text("Total", weight="bold"),
                                rx.text(o.total, weight="bold"),
                                justify="between",
                                width="100%",
                            ),
                            spacing="2",
                            width="100%",
                        ),
                        id="order-items",
                    ),
                    _payment_box(),
                    spacing="4",
                    width="100%",
                ),
                rx.callout(s.error, icon="info", color_scheme="gray", width="100%", id="order-not-found"),
            ),
        ),
    )
