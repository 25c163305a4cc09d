"""/admin/money/statements: upload a bank statement (camt.053 or CSV) and see the uploaded ones;
/admin/money/statements/<id>: its lines with what each matched, "Settle N matched payments", and a reference
typed by hand for a line that matched nothing."""

from __future__ import annotations

import reflex as rx

from client_profile.components import admin_forms as af
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, empty_note, native_form
from client_profile.page_registry import page
from client_profile.state.admin.statements import (
    MAX_MB,
    UPLOAD_PATH,
    AdminStatementsState,
    AdminStatementState,
)

ACTIVE = "Money"


def _upload_form() -> rx.Component:
    return card(
        native_form(
            rx.vstack(
                rx.heading("Upload a statement", size="4", as_="h2"),
                rx.text(
                    f"A camt.053 XML statement or a CSV export from your bank (at most {MAX_MB} MB). "
                    "Transfers are matched to payment references; nothing is paid until you confirm.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.el.label(
                    "Statement file", html_for="statement-file", font_size="0.85rem", font_weight="500"
                ),
                rx.el.input(
                    id="statement-file",
                    type="file",
                    name="file",
                    accept=".xml,.csv,.txt,text/csv,text/xml,application/xml",
                    required=True,
                    width="100%",
                    min_height="44px",  # a tap target on a phone
                    padding="0.5rem",
                    border=f"1px dashed {rx.color('gray', 7)}",
                    border_radius="var(--radius-3)",
                    background=rx.color("gray", 1),
                ),
                rx.button("Upload and match", type="submit", id="statement-upload"),
                spacing="3",
                width="100%",
            ),
            action=UPLOAD_PATH,
            enc_type="multipart/form-data",
            width="100%",
        ),
    )


def _statement_row(row) -> rx.Component:
    return rx.link(
        card(
            rx.flex(
                rx.vstack(
                    rx.text(row.file_name, weight="medium", word_break="break-all"),
                    rx.text(f"{row.kind} · uploaded {row.uploaded}", size="1", color_scheme="gray"),
                    rx.cond(row.uploaded_by != "", rx.text(row.uploaded_by, size="1", color_scheme="gray")),
                    spacing="1",
                    min_width="0",
                ),
                rx.badge(f"{row.settled} of {row.lines} settled", variant="soft", color_scheme="gray"),
                justify="between",
                align="center",
                spacing="3",
                width="100%",
            ),
            class_name="cp-statement-row",
        ),
        href=row.href,
        underline="none",
        color="inherit",
        width="100%",
    )


@page(
    "/admin/money/statements",
    "Bank statements",
    area="staff",
    load=[AdminStatementsState.load_admin_statements],
)
def admin_statements_page() -> rx.Component:
    S = AdminStatementsState
    return admin_shell(
        ACTIVE,
        rx.heading("Bank statements", size="6", as_="h1"),
        console_body(
            S,
            _upload_form(),
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(rx.foreach(S.rows, _statement_row), spacing="2", width="100%"),
                empty_note("No statement has been uploaded yet."),
            ),
        ),
    )


_OUTCOME_COLORS = {
    "matched": "green",
    "settled": "teal",
    "amount_differs": "amber",
    "already_paid": "gray",
    "unknown": "red",
    "outgoing": "gray",
}


def _outcome_badge(line) -> rx.Component:
    return rx.match(
        line.outcome,
        *[
            (
                key,
                rx.badge(
                    line.outcome_label, color_scheme=color, variant="soft", class_name=f"cp-outcome-{key}"
                ),
            )
            for key, color in _OUTCOME_COLORS.items()
        ],
        rx.badge(line.outcome_label, variant="soft"),
    )


def _assign_form(line) -> rx.Component:
    key = "line-" + line.id.to_string()
    S = AdminStatementState
    return af.disclosure(
        "Pay a charge with this transfer",
        af.form(
            S.assign_reference,
            af.hidden("id", line.id),
            af.field(
                S,
                key,
                "reference",
                "Payment reference",
                af.text_input(key, "reference", inputmode="numeric", placeholder="e.g. 202600012"),
                hint="The reference (variable symbol) of an unpaid charge or payment request with this amount.",
            ),
            af.submit(S, key, "Settle with this reference", variant="soft"),
            af.form_feedback(S, key),
            key=S.form_round,
        ),
        small=True,
    )


def _line(line) -> rx.Component:
    return card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text(line.amount, weight="bold", size="4"),
                    rx.text(f"{line.day} · line {line.position}", size="1", color_scheme="gray"),
                    spacing="0",
                ),
                _outcome_badge(line),
                justify="between",
                align="start",
                spacing="3",
                width="100%",
            ),
            rx.cond(
                line.counterparty != "",
                rx.text(line.counterparty, size="2", weight="medium", word_break="break-word"),
            ),
            rx.cond(
                line.counterparty_account != "",
                rx.text(line.counterparty_account, size="1", color_scheme="gray", word_break="break-all"),
            ),
            rx.cond(line.message != "", rx.text(line.message, size="2", word_break="break-word")),
            rx.cond(
                line.reference != "",
                rx.text(f"Reference {line.reference}", size="2", color_scheme="gray"),
            ),
            rx.flex(
                rx.text(line.note, size="2", class_name="cp-line-note", word_break="break-word"),
                rx.cond(
                    line.href != "",
                    rx.link(
                        line.href_label,
                        href=line.href,
                        size="2",
                        class_name="cp-line-family",
                        display="inline-flex",
                        align_items="center",
                        min_height="44px",
                    ),
                ),
                spacing="3",
                wrap="wrap",
                align="baseline",
            ),
            rx.cond(line.assignable & (line.outcome != "matched"), _assign_form(line)),
            spacing="2",
            width="100%",
        ),
        class_name="cp-statement-line cp-line-" + line.outcome,
    )


def _settle_bar() -> rx.Component:
    S = AdminStatementState
    return rx.vstack(
        rx.cond(
            S.matched_count > 0,
            rx.button(
                rx.cond(
                    S.matched_count == 1,
                    "Settle 1 matched payment",
                    f"Settle {S.matched_count} matched payments",
                ),
                on_click=S.settle_matched,
                id="settle-matched",
                size="3",
            ),
            rx.text("No line matches an unpaid charge now.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            S.matched_total != "",
            rx.text(f"Total {S.matched_total}", size="2", color_scheme="gray"),
        ),
        af.form_feedback(S, "settle"),
        spacing="2",
        width="100%",
    )


@page(
    "/admin/money/statements/[statement_id]",
    "Bank statement",
    area="staff",
    load=[AdminStatementState.load_admin_statement],
)
def admin_statement_page() -> rx.Component:
    S = AdminStatementState
    return admin_shell(
        ACTIVE,
        rx.link("← Bank statements", href="/admin/money/statements", size="2"),
        console_body(
            S,
            rx.vstack(
                rx.heading(S.title, size="6", as_="h1", word_break="break-all"),
                rx.text(S.uploaded, size="2", color_scheme="gray"),
                rx.cond(S.summary != "", rx.text(S.summary, size="2")),
                rx.cond(
                    S.again,
                    rx.callout(
                        "This file was uploaded before: nothing new was added and nothing is settled twice.",
                        icon="info",
                        color_scheme="blue",
                        role="status",
                    ),
                ),
                spacing="1",
                width="100%",
            ),
            _settle_bar(),
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(rx.foreach(S.rows, _line), spacing="2", width="100%"),
                empty_note("This statement has no lines."),
            ),
        ),
    )
