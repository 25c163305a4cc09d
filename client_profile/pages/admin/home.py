"""/admin: the console's start page: the sections this staff member's role may open."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_layout import admin_shell
from client_profile.components.layout import card
from client_profile.page_registry import page
from client_profile.state.admin.shell import AdminShellState as Shell

# (section, title, what it is for, where): shown only when the role may open the section.
_SECTIONS = (
    (
        "families",
        "Families",
        "Find a family, change its people, enrol them in classes, see what they see.",
        "/admin/families",
    ),
    ("staff", "Staff", "Invite people to the console, change their role, deactivate them.", "/admin/staff"),
    ("audit", "Audit log", "Every change made in the console: who, when, before and after.", "/admin/audit"),
)


def _section_card(section: str, title: str, text: str, href: str) -> rx.Component:
    return rx.cond(
        Shell.sections.contains(section),
        rx.link(
            card(
                rx.vstack(
                    rx.heading(title, size="4", as_="h2"),
                    rx.text(text, size="2", color_scheme="gray"),
                    spacing="1",
                )
            ),
            href=href,
            underline="none",
            color=rx.color("gray", 12),
            width="100%",
        ),
    )


@page("/admin", "Console", area="staff")
def admin_home_page() -> rx.Component:
    return admin_shell(
        "",
        rx.heading(f"Hello, {Shell.staff_name}", size="6", as_="h1"),
        rx.text(
            rx.cond(
                Shell.role == "instructor", "Your classes and their registers.", "Run your provider here."
            ),
            color_scheme="gray",
        ),
        rx.grid(
            *[_section_card(*item) for item in _SECTIONS],
            grid_template_columns="repeat(auto-fit, minmax(min(100%, 18rem), 1fr))",
            spacing="3",
            width="100%",
        ),
    )
