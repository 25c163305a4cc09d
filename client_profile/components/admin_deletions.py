"""The console's "Deletion requests" section (/admin/families): one card per family waiting, with "Confirm and
anonymise" behind a dialog that says what it does."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import form_feedback
from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card
from client_profile.state.admin.deletions import AdminDeletionsState as D


def _request(row) -> rx.Component:
    return card(
        rx.vstack(
            rx.link(row.family_name, href="/admin/families/" + row.family_id.to_string(), weight="medium"),
            rx.text("Asked on ", row.requested_at, size="2", color_scheme="gray"),
            confirm_dialog(
                rx.button(
                    "Confirm and anonymise",
                    color_scheme="red",
                    variant="soft",
                    class_name="cp-deletion-confirm-open",
                ),
                "Anonymise this family?",
                "Names, e-mail addresses, phone numbers, photos, notes and shared access of the family are erased "
                "for good, and nobody can log in to it any more. Invoices, receipts and credit notes are kept.",
                rx.button("Not now", variant="soft", color_scheme="gray"),
                rx.alert_dialog.action(
                    rx.button(
                        "Anonymise",
                        color_scheme="red",
                        on_click=D.confirm_deletion(row.request_id),
                        class_name="cp-deletion-confirm",
                    )
                ),
            ),
            spacing="2",
            width="100%",
        )
    )


def deletion_requests() -> rx.Component:
    """Shown only to a role that may see them, and only when there are some (or a confirmation to show)."""
    return rx.cond(
        D.loaded & ~D.refused & ((D.requests.length() > 0) | (D.form_key == "deletions")),
        rx.vstack(
            rx.heading("Deletion requests", size="4", as_="h2"),
            form_feedback(D, "deletions"),
            rx.foreach(D.requests, _request),
            spacing="3",
            width="100%",
            id="deletion-requests",
        ),
    )
