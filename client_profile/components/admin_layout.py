"""The console's shell (/admin): a header with the provider, the sections the staff member's role may open, and
their account menu. One layout for the office's desktop and the instructor's phone: on a phone the sections are
a scrolling row under the header (the register is used with one hand; nothing sits fixed over the list)."""

from __future__ import annotations

import reflex as rx
from reflex.components.core.banner import has_connection_errors

from client_profile.components.admin_forms import form_feedback
from client_profile.components.layout import account_popover, connection_lost, loading_or
from client_profile.page_registry import nav_entries
from client_profile.state.admin.shell import AdminShellState as Shell


def _nav_link(label: str, href: str, icon: str, section: str, active: str) -> rx.Component:
    is_active = label == active
    link = rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="2", align="center"),
        href=href,
        underline="none",
        padding_x="0.75rem",
        padding_y="0.4rem",
        border_radius="9999px",
        white_space="nowrap",
        color=rx.color("accent", 11) if is_active else rx.color("gray", 11),
        background=rx.color("accent", 3) if is_active else "transparent",
        weight="medium",
        aria_current="page" if is_active else None,
    )
    return rx.cond(Shell.sections.contains(section), link) if section else link


def _nav(active: str) -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[_nav_link(label, href, icon, sec, active) for label, href, icon, sec in nav_entries("staff")],
            spacing="1",
        ),
        aria_label="Console",
        overflow_x="auto",
        max_width="100%",
    )


def _account_menu() -> rx.Component:
    return account_popover(
        Shell.staff_name,
        Shell.staff_email,
        "Staff account",
        "/admin/auth/logout",
        rx.badge(Shell.role, variant="soft", width="fit-content"),
        rx.separator(),
    )


def admin_shell(active: str, *content: rx.Component) -> rx.Component:
    return rx.box(
        connection_lost(),
        rx.el.header(
            rx.vstack(
                rx.hstack(
                    rx.link(
                        rx.hstack(
                            rx.text(Shell.provider_name, weight="bold", size="3", trim="both"),
                            rx.badge("Console", color_scheme="gray", variant="surface"),
                            align="center",
                            spacing="2",
                        ),
                        href="/admin",
                        underline="none",
                        color=rx.color("gray", 12),
                        min_width="0",
                    ),
                    _account_menu(),
                    justify="between",
                    align="center",
                    width="100%",
                ),
                _nav(active),
                spacing="2",
                width="100%",
                max_width="72rem",
                margin_x="auto",
                padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
                padding_y="0.6rem",
            ),
            position="sticky",
            top="0",
            z_index="20",
            background=rx.color("gray", 1),
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        rx.el.main(
            rx.vstack(*content, spacing="5", width="100%"),
            width="100%",
            max_width="72rem",
            margin_x="auto",
            padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
            padding_top="1rem",
            padding_bottom="3rem",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
        class_name=rx.cond(has_connection_errors, "cp-shell cp-offline", "cp-shell"),
    )


def action_link(label: str, href, icon: str, **props) -> rx.Component:
    """A link that looks like a soft button (one tab stop: the button is a span inside the link)."""
    return rx.link(
        rx.button(rx.icon(icon, size=16), label, variant="soft", as_="span"),
        href=href,
        underline="none",
        **props,
    )


def page_heading(title, *actions: rx.Component) -> rx.Component:
    """A console page's h1 with the links to its sub-pages beside it (below it on a phone)."""
    return rx.flex(
        rx.heading(title, size="6", as_="h1", min_width="0"),
        rx.flex(*actions, spacing="2", wrap="wrap"),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        width="100%",
    )


def console_body(state, *content: rx.Component) -> rx.Component:
    """A console page's body: the state's refusal or confirmation (unless a form shows it, see
    components/admin_forms.py), then the content once loaded; a page whose load was refused (the role may not
    open it) shows only the refusal."""
    return rx.fragment(
        form_feedback(state, ""),
        loading_or(
            state.loaded,
            rx.cond(state.refused, rx.fragment(), rx.vstack(*content, spacing="5", width="100%")),
        ),
    )
