"""/admin/charges/[charge_id] (one charge: what it is, its payments and refunds, its documents; record money
received; refund) and /admin/families/[family_id]/credit (a family's prepaid credit). Owner and office only: the
services refuse everyone else, and the page then shows the refusal and nothing of the family."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    disclosure,
    field,
    form,
    form_feedback,
    hidden,
    row,
    select,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell
from client_profile.components.cards import doc_link
from client_profile.components.layout import card, empty_note, loading_or, section
from client_profile.page_registry import page
from client_profile.state.admin.payments import RECEIVED_METHODS
from client_profile.state.admin.payments import AdminChargeState as S
from client_profile.state.admin.payments import AdminCreditState as C

STATUS_COLOR = {"unpaid": "amber", "paid": "green", "refunded": "gray", "cancelled": "gray"}


def _status_badge(status) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("paid", "green"), ("unpaid", "amber"), ("refunded", "blue"), "gray"),
        size="2",
        class_name="cp-charge-status",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(label, size="2", color_scheme="gray", min_width="7rem"),
            rx.text(value, size="2", overflow_wrap="anywhere"),
            spacing="2",
            align="start",
            width="100%",
        ),
    )


def _doc_link(url, label) -> rx.Component:
    return doc_link(url, label, "")


# ------------------------------------------------------------------------------------------------ the charge


def _summary() -> rx.Component:
    return card(
        rx.vstack(
            _fact("Family", S.family_name),
            _fact("For", S.attendee),
            _fact("Amount", S.amount),
            _fact("Full price", S.full_price),
            rx.foreach(
                S.savings, lambda s: rx.text(s, size="2", color_scheme="green", padding_left="7.5rem")
            ),
            _fact("Due", S.due),
            _fact("Reference", S.reference),
            _fact("Paid on", S.paid_on),
            _fact("Refunded", S.refunded_total),
            spacing="2",
            width="100%",
        )
    )


def _record_form() -> rx.Component:
    key = "record"
    return section(
        "Record a payment",
        card(
            form(
                S.record_payment,
                hidden("charge_id", S.charge_key),
                rx.text(
                    "The whole amount, ",
                    S.amount,
                    ", came in. A bank transfer is matched by the reference ",
                    S.reference,
                    ".",
                    size="2",
                    color_scheme="gray",
                ),
                row(
                    field(S, key, "method", "How", select(key, "method", RECEIVED_METHODS, "cash")),
                    field(
                        S,
                        key,
                        "received_on",
                        "Received on",
                        text_input(key, "received_on", S.today_iso, type="date"),
                    ),
                ),
                submit(S, key, "Record payment"),
                key=f"{S.form_round}-record",
            )
        ),
    )


def _payment_card(p) -> rx.Component:
    key = f"refund-{p.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(p.method, weight="bold"),
                rx.text(p.amount, weight="bold"),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.text("Received ", p.received_on, size="2", color_scheme="gray"),
            rx.cond(p.refunded != "", rx.text("Refunded ", p.refunded, size="2", color_scheme="blue")),
            form_feedback(S, key),
            rx.cond(
                p.refundable != "",
                disclosure(
                    "Refund",
                    form(
                        S.refund_payment,
                        hidden("payment_id", p.id),
                        hidden("round", S.form_round),
                        rx.text(
                            rx.cond(
                                p.online,
                                "Paid online: the refund goes back to the card through Stripe.",
                                "Give the money back yourself; this records it.",
                            ),
                            " Up to ",
                            p.refundable,
                            ".",
                            size="2",
                            color_scheme="gray",
                        ),
                        row(
                            field(
                                S,
                                key,
                                "amount",
                                "Amount",
                                text_input(key, "amount", p.refundable_value, input_mode="decimal"),
                                min_width="8rem",
                            ),
                            field(S, key, "reason", "Reason", text_input(key, "reason"), min_width="14rem"),
                        ),
                        submit(S, key, "Refund", color_scheme="red", variant="soft"),
                        key=f"{S.form_round}-{p.id}-{p.refunded}",
                    ),
                    small=True,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-payment-row",
    )


def _refund_row(r) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text("Refund ", r.amount, weight="bold"),
                rx.badge(
                    r.status,
                    color_scheme=rx.match(r.status, ("succeeded", "green"), ("failed", "red"), "amber"),
                ),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.text(
                r.when,
                " · ",
                r.method,
                rx.cond(r.by != "", rx.text.span(" · ", r.by)),
                size="2",
                color_scheme="gray",
            ),
            rx.cond(r.reason != "", rx.text(r.reason, size="2")),
            rx.cond(
                r.status == "pending",
                rx.vstack(
                    rx.text(
                        "Stripe has not confirmed this refund yet. Sending it again never refunds twice.",
                        size="2",
                        color_scheme="amber",
                    ),
                    rx.button("Send again", on_click=S.resend_refund(r.id), variant="soft", size="2"),
                    form_feedback(S, "resend-" + r.id.to_string()),
                    spacing="2",
                ),
            ),
            rx.cond(
                r.credit_note_url != "", _doc_link(r.credit_note_url, "Credit note " + r.credit_note_number)
            ),
            spacing="1",
            width="100%",
        ),
        class_name="cp-refund-row",
    )


def _document_row(d) -> rx.Component:
    return rx.flex(
        _doc_link(d.url, d.title + " " + d.number),
        rx.text(d.issued, " · ", d.total, size="2", color_scheme="gray"),
        justify="between",
        align="center",
        width="100%",
        wrap="wrap",
        column_gap="0.75rem",
        row_gap="0",
        class_name="cp-document-row",
    )


def _charge() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.description, size="6", as_="h1", min_width="0"),
            _status_badge(S.status),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        form_feedback(S, ""),
        # (outside the form: after a success the form is gone, the charge being paid)
        form_feedback(S, "record"),
        _summary(),
        rx.cond(S.status == "unpaid", _record_form()),
        section(
            "Payments",
            rx.cond(
                S.charge_payments.length() > 0,
                rx.vstack(rx.foreach(S.charge_payments, _payment_card), spacing="3", width="100%"),
                empty_note("No money has come in for this charge."),
            ),
        ),
        rx.cond(
            S.charge_refunds.length() > 0,
            section(
                "Refunds", rx.vstack(rx.foreach(S.charge_refunds, _refund_row), spacing="3", width="100%")
            ),
        ),
        section(
            "Documents",
            rx.cond(
                S.documents.length() > 0,
                card(rx.vstack(rx.foreach(S.documents, _document_row), spacing="2", width="100%")),
                empty_note("No invoice or receipt yet: they are issued when the charge is paid."),
            ),
        ),
        spacing="5",
        width="100%",
        max_width="48rem",
    )


@page("/admin/charges/[charge_id]", "Charge", area="staff", load=[S.load_admin_charge])
def admin_charge_page() -> rx.Component:
    return admin_shell(
        "Money",
        rx.cond(
            S.family_key != 0,
            rx.flex(
                rx.link(
                    rx.hstack(
                        rx.icon("chevron-left", size=16), rx.text(S.family_name), spacing="1", align="center"
                    ),
                    href=f"/admin/families/{S.family_key}",
                    size="2",
                ),
                rx.link("Credit", href=f"/admin/families/{S.family_key}/credit", size="2"),
                spacing="4",
                wrap="wrap",
            ),
        ),
        loading_or(
            S.loaded,
            rx.cond(
                S.not_found,
                rx.vstack(
                    rx.heading("Charge not found", size="6", as_="h1"),
                    form_feedback(S, ""),
                    empty_note("This charge does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(S.charge_key == 0, form_feedback(S, ""), _charge()),
            ),
        ),
    )


# ------------------------------------------------------------------------------------------------ the credit


def _ledger_row(e) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(e.description, size="2", weight="medium"),
            rx.text(e.day, size="1", color_scheme="gray"),
            rx.cond(e.receipt_url != "", _doc_link(e.receipt_url, "Receipt " + e.receipt_number)),
            spacing="1",
            min_width="0",
        ),
        rx.text(e.amount, size="2", weight="bold", color_scheme=rx.cond(e.incoming, "green", "gray")),
        justify="between",
        align="start",
        width="100%",
        class_name="cp-ledger-row",
    )


def _credit() -> rx.Component:
    top, adjust = "top-up", "adjust"
    return rx.vstack(
        rx.heading("Credit of the ", C.family_name, " family", size="6", as_="h1"),
        form_feedback(C, ""),
        card(
            rx.hstack(
                rx.text("Balance", size="3"),
                rx.text(C.balance, size="5", weight="bold", id="credit-balance"),
                justify="between",
                align="center",
                width="100%",
            )
        ),
        card(
            disclosure(
                "Top up (money received)",
                form(
                    C.top_up_credit,
                    hidden("family_id", C.family_key),
                    hidden("round", C.form_round),
                    row(
                        field(
                            C,
                            top,
                            "amount",
                            "Amount",
                            text_input(top, "amount", input_mode="decimal"),
                            min_width="8rem",
                        ),
                        field(C, top, "method", "How", select(top, "method", RECEIVED_METHODS, "cash")),
                        field(
                            C,
                            top,
                            "received_on",
                            "Received on",
                            text_input(top, "received_on", C.today_iso, type="date"),
                        ),
                    ),
                    rx.text(
                        "The family gets a receipt; the credit is invoiced when it pays for something.",
                        size="1",
                        color_scheme="gray",
                    ),
                    submit(C, top, "Add credit"),
                    form_feedback(C, top),
                    key=f"{C.form_round}-top-up",
                ),
                icon="plus",
            ),
        ),
        card(
            disclosure(
                "Correct the balance",
                form(
                    C.adjust_credit,
                    hidden("family_id", C.family_key),
                    hidden("round", C.form_round),
                    row(
                        field(
                            C,
                            adjust,
                            "amount",
                            "Amount",
                            text_input(adjust, "amount", placeholder="10.00 or -10.00"),
                            hint="Negative takes credit away; the balance cannot go below zero.",
                            min_width="8rem",
                        ),
                        field(C, adjust, "reason", "Reason", text_input(adjust, "reason"), min_width="14rem"),
                    ),
                    submit(C, adjust, "Correct"),
                    form_feedback(C, adjust),
                    key=f"{C.form_round}-adjust",
                ),
                icon="pencil",
            ),
        ),
        section(
            "History",
            rx.cond(
                C.ledger.length() > 0,
                card(rx.vstack(rx.foreach(C.ledger, _ledger_row), spacing="3", width="100%")),
                empty_note("No credit yet."),
            ),
        ),
        spacing="5",
        width="100%",
        max_width="48rem",
    )


@page("/admin/families/[family_id]/credit", "Credit", area="staff", load=[C.load_admin_credit])
def admin_credit_page() -> rx.Component:
    return admin_shell(
        "Money",
        rx.cond(
            C.family_key != 0,
            rx.link(
                rx.hstack(
                    rx.icon("chevron-left", size=16), rx.text(C.family_name), spacing="1", align="center"
                ),
                href=f"/admin/families/{C.family_key}",
                size="2",
            ),
        ),
        loading_or(
            C.loaded,
            rx.cond(
                C.not_found,
                rx.vstack(
                    rx.heading("Family not found", size="6", as_="h1"),
                    form_feedback(C, ""),
                    empty_note("This family does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(C.family_key == 0, form_feedback(C, ""), _credit()),
            ),
        ),
    )
