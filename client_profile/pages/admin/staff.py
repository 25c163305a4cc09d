"""/admin/staff: who works in the console, with which role; invite, change a role, deactivate (owners)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import field, form_feedback, row, select, submit, text_input
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.staff import AdminStaffState as S

ROLES = ["owner", "office", "instructor"]


def _invite_form() -> rx.Component:
    key = "invite"
    return card(
        rx.form(
            rx.vstack(
                rx.heading("Invite someone", size="3", as_="h2"),
                rx.text(
                    "They get an e-mail with the console's address and log in with a code, like families do.",
                    size="2",
                    color_scheme="gray",
                ),
                form_feedback(S, key),
                row(
                    field(
                        S,
                        key,
                        "email",
                        "E-mail",
                        text_input(key, "email", type="email", required=True),
                        min_width="14rem",
                        flex="2",
                    ),
                    field(
                        S, key, "full_name", "Name", text_input(key, "full_name"), min_width="12rem", flex="2"
                    ),
                    field(
                        S,
                        key,
                        "role",
                        "Role",
                        select(key, "role", [(r, r.capitalize()) for r in ROLES], "instructor"),
                        min_width="9rem",
                    ),
                ),
                submit(S, key, "Send invitation"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.invite,
            reset_on_submit=False,
            width="100%",
            key=S.form_round.to_string(),
        )
    )


def _row(row) -> rx.Component:
    return card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(rx.cond(row.full_name != "", row.full_name, row.email), weight="bold"),
                    rx.cond(row.is_me, rx.badge("you", variant="soft", color_scheme="gray")),
                    rx.cond(~row.is_active, rx.badge("deactivated", color_scheme="red", variant="soft")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(row.email, size="2", color_scheme="gray"),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.hstack(
                rx.el.select(
                    *[rx.el.option(r.capitalize(), value=r) for r in ROLES],
                    value=row.role,
                    on_change=lambda value: S.change_role(row.id, value, row.version),
                    aria_label=f"Role of {row.email}",
                    class_name="cp-select",
                ),
                rx.cond(
                    row.is_active,
                    rx.cond(
                        ~row.is_me,
                        rx.button(
                            "Deactivate",
                            variant="soft",
                            color_scheme="red",
                            on_click=S.switch_active(row.id, False, row.version),
                        ),
                    ),
                    rx.button(
                        "Reactivate", variant="soft", on_click=S.switch_active(row.id, True, row.version)
                    ),
                ),
                spacing="2",
                align="center",
            ),
            justify="between",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        class_name="cp-staff-row",
    )


@page(
    "/admin/staff",
    "Staff",
    area="staff",
    load=[S.load_admin_staff],
    nav=Nav("Staff", "users", 50, section="staff"),
)
def admin_staff_page() -> rx.Component:
    return admin_shell(
        "Staff",
        rx.heading("Staff", size="6", as_="h1"),
        console_body(S, _invite_form(), section("People in the console", rx.foreach(S.rows, _row))),
    )
