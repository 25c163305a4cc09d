"""/admin/audit: every staff change, newest first, filterable by family, class and staff member (owners)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, empty_note
from client_profile.page_registry import Nav, page
from client_profile.state.admin.audit import AdminAuditState as S


def _filter_input(label: str, name: str, value) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"audit-{name}", font_size="0.85rem"),
        rx.input(id=f"audit-{name}", name=name, default_value=value, inputmode="numeric", width="8rem"),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _filter_input("Family id", "family", S.family_id),
            _filter_input("Class id", "class", S.class_id),
            _filter_input("Staff id", "staff", S.staff_id),
            rx.button("Filter", type="submit", variant="soft"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=S.apply_filters,
        reset_on_submit=False,
    )


def _change(label: str, text) -> rx.Component:
    return rx.cond(
        text != "",
        rx.hstack(
            rx.text(label, size="1", color_scheme="gray", min_width="3.5rem"),
            rx.code(text, size="1", white_space="pre-wrap", word_break="break-all"),
            spacing="2",
            align="start",
        ),
    )


def _row(row) -> rx.Component:
    return card(
        rx.vstack(
            rx.flex(
                rx.text(row.summary, weight="medium"),
                rx.text(row.at, size="1", color_scheme="gray"),
                justify="between",
                spacing="2",
                wrap="wrap",
                width="100%",
            ),
            rx.text(f"{row.actor} · {row.action}", size="2", color_scheme="gray"),
            _change("Before", row.before),
            _change("After", row.after),
            spacing="1",
            width="100%",
        ),
        class_name="cp-audit-row",
    )


@page(
    "/admin/audit",
    "Audit log",
    area="staff",
    load=[S.load_admin_audit],
    nav=Nav("Audit log", "history", 60, section="audit"),
)
def admin_audit_page() -> rx.Component:
    return admin_shell(
        "Audit log",
        rx.heading("Audit log", size="6", as_="h1"),
        console_body(
            S,
            _filters(),
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(rx.foreach(S.rows, _row), spacing="2", width="100%"),
                empty_note("No changes match."),
            ),
        ),
    )
