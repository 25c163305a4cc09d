"""Payments: unpaid items first (tick what to pay), pay online or by bank transfer (with an EPC QR), then the
paid history with invoice and receipt downloads. Reached from the home prompt, Orders and each booking
(/payments?booking=<id>)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.cards import discount_lines, doc_link, doc_links
from client_profile.components.layout import card, empty_note, loading_or, page_shell, section
from client_profile.components.transfer import transfer_panel
from client_profile.page_registry import Nav, page
from client_profile.state.payments import PaymentsState

TONES = {"success": "green", "info": "blue", "warning": "amber", "error": "red"}


def status_badge(status) -> rx.Component:
    return rx.badge(
        rx.match(
            status,
            ("paid", "Paid"),
            ("refunded", "Refunded"),
            ("processing", "Processing"),
            ("family", "Due"),
            "Unpaid",
        ),
        color_scheme=rx.match(
            status, ("paid", "green"), ("refunded", "gray"), ("processing", "blue"), "amber"
        ),
        size="2",
        class_name="cp-pay-status",
    )


def _member_filter() -> rx.Component:
    s = PaymentsState

    def chip(label, value, selected) -> rx.Component:
        return rx.button(
            label,
            on_click=s.select_member(value),
            size="2",
            radius="full",
            variant=rx.cond(selected, "solid", "soft"),
            aria_pressed=rx.cond(selected, "true", "false"),
            data_member=label,
            class_name="cp-pay-member",
        )

    return rx.hstack(
        chip("Everyone", 0, s.selected_member_id == 0),
        rx.foreach(s.members, lambda m: chip(m.first_name, m.id, s.selected_member_id == m.id)),
        spacing="2",
        wrap="wrap",
        role="group",
        aria_label="Show items for",
    )


def _who(row) -> rx.Component:
    return rx.text(
        row.attendee,
        rx.cond(row.order_number != "", rx.text.span(" · Order ", row.order_number)),
        size="1",
        color_scheme="gray",
    )


def _row_head(row, *details: rx.Component, lead: rx.Component | None = None, **props) -> rx.Component:
    """The head of an unpaid and of a paid item alike: `lead` (the tick), what it is, for whom, its discounts and
    `details` on the left; its amount and status on the right."""
    return rx.hstack(
        *([lead] if lead is not None else []),
        rx.vstack(
            rx.text(row.description, weight="medium", size="3"),
            _who(row),
            discount_lines(row.discount_parts),
            *details,
            spacing="1",
            min_width="0",
            flex="1",
        ),
        rx.vstack(
            rx.text(row.amount, weight="bold", size="3", white_space="nowrap"),
            status_badge(row.status),
            align="end",
            spacing="1",
        ),
        width="100%",
        align="start",
        **props,
    )


def _unpaid_row(row) -> rx.Component:
    s = PaymentsState
    due = rx.cond(
        row.due != "",
        rx.text(
            rx.cond(row.overdue, "Overdue since ", "Due "),
            row.due,
            size="1",
            weight=rx.cond(row.overdue, "bold", "regular"),
            color=rx.cond(row.overdue, rx.color("red", 11), rx.color("gray", 11)),
        ),
    )
    return card(
        _row_head(
            row,
            due,
            rx.cond(
                row.payer != "", rx.text(row.payer, size="1", color_scheme="gray", class_name="cp-payer")
            ),
            rx.text("Reference ", rx.code(row.reference), size="1", color_scheme="gray"),
            lead=rx.cond(
                row.status == "unpaid",
                rx.checkbox(
                    checked=row.selected,
                    on_change=lambda _v: s.toggle_item(row.charge_id),
                    size="3",
                    aria_label="Pay " + row.description,
                    class_name="cp-pay-check",
                ),
                rx.cond(
                    row.status == "processing",
                    rx.icon("hourglass", size=18, color=rx.color("blue", 10)),
                    rx.icon("users", size=18, color=rx.color("gray", 10)),
                ),
            ),
            spacing="3",
        ),
        class_name="cp-unpaid",
        data_item=row.description,
        border=rx.cond(row.overdue, f"1px solid {rx.color('red', 7)}", "none"),
    )


def _paid_row(row) -> rx.Component:
    return card(
        rx.vstack(
            _row_head(row, justify="between"),
            rx.text(
                "Paid ",
                row.paid_on,
                rx.cond(row.method != "", rx.text.span(" · ", row.method)),
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                row.refunded != "",
                rx.text("Refunded ", row.refunded, size="2", color_scheme="gray", class_name="cp-refunded"),
            ),
            doc_links(row),
            doc_link(row.credit_note_url, "Credit note", row.credit_note_number),
            spacing="2",
            width="100%",
        ),
        class_name="cp-paid",
        data_item=row.description,
    )


def _actions() -> rx.Component:
    s = PaymentsState
    return rx.vstack(
        rx.cond(
            s.selected_total != "",
            rx.text("Selected: ", rx.text.strong(s.selected_total, id="selected-total"), size="3"),
            rx.text("Tick the items you want to pay.", size="2", color_scheme="gray", id="nothing-selected"),
        ),
        rx.flex(
            rx.cond(
                s.online,
                rx.button(
                    rx.icon("credit-card", size=16),
                    "Pay online",
                    on_click=s.pay_online,
                    size="3",
                    disabled=s.selected_total == "",
                    id="pay-online",
                    loading=s.busy,
                ),
            ),
            rx.cond(
                s.has_bank,
                rx.button(
                    rx.icon("landmark", size=16),
                    "Pay by bank transfer",
                    on_click=rx.cond(s.transfer_open, s.hide_bank_transfer, s.show_bank_transfer),
                    size="3",
                    variant="soft",
                    id="pay-transfer",
                    disabled=s.selected_total == "",
                ),
            ),
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(s.online_note != "", rx.text(s.online_note, size="1", color_scheme="gray", id="online-note")),
        rx.cond(s.transfer_open, transfer_panel(s)),
        spacing="3",
        width="100%",
    )


@page("/payments", "Payments", load=[PaymentsState.load_payments], nav=Nav("Payments", "wallet", 5))
def payments_page() -> rx.Component:
    s = PaymentsState
    return page_shell(
        "Payments",
        s.refresh,
        rx.heading("Payments", size="6", as_="h1"),
        loading_or(
            s.loaded,
            rx.vstack(
                rx.cond(
                    s.message != "",
                    rx.callout(
                        s.message,
                        color_scheme=rx.match(s.message_tone, *list(TONES.items()), "blue"),
                        icon="info",
                        width="100%",
                        id="checkout-message",
                        role="status",
                    ),
                ),
                rx.cond(
                    s.error != "",
                    rx.callout(
                        s.error,
                        color_scheme="red",
                        icon="triangle-alert",
                        width="100%",
                        id="payments-error",
                        role="alert",
                    ),
                ),
                rx.cond(
                    s.booking_filter != "",
                    rx.hstack(
                        rx.text("Payments for ", rx.text.strong(s.booking_filter), size="2"),
                        rx.link("Show all payments", href="/payments", size="2"),
                        spacing="3",
                        wrap="wrap",
                    ),
                ),
                rx.cond((s.members.length() > 1) & (s.booking_filter == ""), _member_filter()),
                section(
                    rx.text("Unpaid (", s.unpaid.length(), ")"),
                    rx.cond(
                        s.unpaid.length() > 0,
                        rx.vstack(
                            rx.vstack(rx.foreach(s.unpaid, _unpaid_row), spacing="2", width="100%"),
                            rx.cond(s.has_payable, _actions()),
                            spacing="4",
                            width="100%",
                        ),
                        rx.callout(
                            "Nothing to pay. Thank you!",
                            icon="circle-check",
                            color_scheme="green",
                            width="100%",
                        ),
                    ),
                    id="unpaid-items",
                ),
                section(
                    "Paid",
                    rx.cond(
                        s.paid.length() > 0,
                        rx.grid(
                            rx.foreach(s.paid, _paid_row),
                            columns=rx.breakpoints(initial="1", md="2"),
                            spacing="3",
                            width="100%",
                        ),
                        empty_note("No payments yet."),
                    ),
                    id="paid-items",
                ),
                spacing="5",
                width="100%",
            ),
        ),
    )
