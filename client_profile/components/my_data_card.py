"""The "My data" card of /account: confirm with a fresh e-mail code, then download everything or ask for the
family's data to be deleted (state/my_data.py)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card, feedback
from client_profile.state.my_data import MyDataState as M

EXPORT_URL = "/account/my-data.zip"  # api/my_data.py


def _step_up() -> rx.Component:
    return rx.vstack(
        rx.text(
            "To download your data or ask for its deletion, first confirm it is you with a fresh code from your "
            "e-mail.",
            size="2",
            color_scheme="gray",
        ),
        rx.button(
            rx.icon("mail", size=16),
            rx.cond(M.code_sent, "Send a new code", "Send me a code"),
            on_click=M.send_code,
            variant="soft",
            size="3",
            id="my-data-send-code",
        ),
        rx.cond(
            M.code_sent,
            rx.form(
                rx.vstack(
                    rx.el.label("Code from the e-mail", html_for="my-data-code", font_size="0.875rem"),
                    rx.input(
                        name="code",
                        id="my-data-code",
                        input_mode="numeric",
                        auto_complete="one-time-code",
                        placeholder="123 456",
                        max_length=12,
                        width="100%",
                        size="3",
                    ),
                    rx.button("Confirm", type="submit", size="3", id="my-data-confirm"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=M.confirm_code,
                reset_on_submit=True,
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _deletion() -> rx.Component:
    return rx.cond(
        M.deletion_requested,
        rx.text("Your family's deletion request is waiting for the provider.", size="2", weight="medium"),
        rx.cond(
            M.can_request_deletion,
            confirm_dialog(
                rx.button(
                    rx.icon("trash-2", size=16),
                    "Ask to delete our data",
                    color_scheme="red",
                    variant="soft",
                    size="3",
                    id="my-data-delete-open",
                ),
                "Delete your family's data?",
                "Every member of your family is logged out at once, here and on every device. The provider is "
                "told and then erases your family's personal data (names, e-mail addresses, phone numbers, photos, "
                "notes, shared access). Invoices and receipts are kept for the legally required period.",
                rx.button("Keep our data", variant="soft", color_scheme="gray", size="3"),
                rx.alert_dialog.action(
                    rx.button(
                        "Log us out and ask",
                        color_scheme="red",
                        size="3",
                        on_click=M.request_deletion,
                        id="my-data-delete-confirm",
                    )
                ),
            ),
        ),
    )


def _unlocked() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.button(rx.icon("download", size=16), "Download my data (zip)", size="3"),
            href=EXPORT_URL,
            reload_document=True,
            download="",
            id="my-data-download",
            underline="none",
        ),
        rx.text(
            "JSON files of your family, members, bookings, attendance, charges, payments, orders, benefits, shared "
            "access and messages sent to you, with your invoices and receipts as PDFs.",
            size="1",
            color_scheme="gray",
        ),
        _deletion(),
        spacing="3",
        width="100%",
    )


def my_data_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.text("Download or delete your data", weight="medium"),
            feedback(M),
            rx.cond(M.step_up_active, _unlocked(), _step_up()),
            rx.text(
                "Invoices, receipts and credit notes are kept for ",
                M.retention_years,
                " years even after your data is deleted: the provider must keep them by law.",
                size="1",
                color_scheme="gray",
            ),
            spacing="3",
            width="100%",
        ),
        id="my-data",
    )
