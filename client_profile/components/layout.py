"""The shell: a header with navigation on desktop, a bottom navigation bar on phones (below 768 px)."""

from __future__ import annotations

import reflex as rx
from reflex.components.core.banner import has_connection_errors

from client_profile.components.live import live_poller
from client_profile.page_registry import nav_items
from client_profile.state.shell import ShellState

# Below 48em (768 px, Reflex's "md" breakpoint) phones get the bottom bar; from there on, the header nav.


def _post_button(label: str, action: str, icon: str, variant: str = "ghost") -> rx.Component:
    """Logout is a real form POST to an HTTP route: it clears the HttpOnly cookie and reloads the page."""
    return native_form(
        rx.button(
            rx.icon(icon, size=16),
            label,
            type="submit",
            variant=variant,
            color_scheme="gray",
            width="100%",
            justify="start",
        ),
        action=action,
        width="100%",
    )


def native_form(*children: rx.Component, action: str, **props) -> rx.Component:
    """A form the browser submits itself (full navigation). Reflex's form prevents the default submit unless
    it has a handler, so the trigger is removed."""
    form = rx.el.form(*children, action=action, method="post", **props)
    form.event_triggers.pop("on_submit", None)
    return form


def account_popover(name, email, aria_label: str, logout_action: str, *middle: rx.Component) -> rx.Component:
    """The header's account button (the name on wider screens) and its menu: who is logged in, `middle` (links,
    a role), and "Log out" (a form POST to the area's logout route)."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("circle-user-round", size=20),
                rx.text(name, display=rx.breakpoints(initial="none", sm="inline")),
                variant="ghost",
                color_scheme="gray",
                aria_label=aria_label,
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text(name, weight="bold"),
                rx.text(email, size="1", color_scheme="gray"),
                *middle,
                _post_button("Log out", logout_action, "log-out"),
                spacing="2",
                width="14rem",
            ),
            align="end",
        ),
    )


def account_menu() -> rx.Component:
    return account_popover(
        ShellState.client_name,
        ShellState.client_email,
        "Account",
        "/auth/logout",
        rx.separator(),
        rx.link(
            rx.hstack(rx.icon("settings", size=16), rx.text("Account"), spacing="2", align="center"),
            href="/account",
            underline="none",
            color=rx.color("gray", 12),
            padding_x="0.75rem",
            padding_y="0.35rem",
            width="100%",
        ),
        # "Log out on all devices" lives on /account, apart from this, behind a confirmation.
    )


def _desktop_link(label: str, href: str, icon: str, active: str) -> rx.Component:
    is_active = label == active
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="2", align="center"),
        href=href,
        underline="none",
        padding_x="0.75rem",
        padding_y="0.4rem",
        border_radius="9999px",
        color=rx.color("accent", 11) if is_active else rx.color("gray", 11),
        background=rx.color("accent", 3) if is_active else "transparent",
        weight="medium",
        aria_current="page" if is_active else None,
    )


def header(active: str) -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.box(
                        rx.icon("waves", size=18, color="white"),
                        background=rx.color("accent", 9),
                        border_radius="9999px",
                        padding="0.35rem",
                        line_height="0",
                    ),
                    rx.text(
                        ShellState.provider_name,
                        weight="bold",
                        size="3",
                        trim="both",
                        class_name="cp-provider-name",
                    ),
                    align="center",
                    spacing="2",
                ),
                href="/",
                underline="none",
                color=rx.color("gray", 12),
                min_width="0",
            ),
            rx.el.nav(
                rx.hstack(
                    *[_desktop_link(label, href, icon, active) for label, href, icon in nav_items("client")],
                    spacing="1",
                ),
                display=rx.breakpoints(initial="none", md="block"),
                aria_label="Main",
            ),
            account_menu(),
            justify="between",
            align="center",
            width="100%",
            max_width="72rem",
            margin_x="auto",
            padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
            padding_y="0.6rem",
            spacing="3",
        ),
        position="sticky",
        top="0",
        z_index="20",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _bottom_item(label: str, href: str, icon: str, active: str) -> rx.Component:
    is_active = label == active
    return rx.link(
        rx.vstack(
            rx.icon(icon, size=22), rx.text(label, size="1", weight="medium"), spacing="0", align="center"
        ),
        href=href,
        underline="none",
        flex="1",
        padding_y="0.45rem",
        text_align="center",
        color=rx.color("accent", 11) if is_active else rx.color("gray", 10),
        aria_current="page" if is_active else None,
    )


def bottom_nav(active: str) -> rx.Component:
    return rx.el.nav(
        *[_bottom_item(label, href, icon, active) for label, href, icon in nav_items("client")],
        id="bottom-nav",
        aria_label="Sections",
        display=rx.breakpoints(initial="flex", md="none"),
        position="fixed",
        bottom="0",
        left="0",
        right="0",
        z_index="20",
        padding_bottom="env(safe-area-inset-bottom)",
        background=rx.color("gray", 1),
        border_top=f"1px solid {rx.color('gray', 5)}",
        class_name="cp-bottom-nav",
    )


def connection_lost() -> rx.Component:
    """Shown while the websocket is down: the page cannot act, so it says so and takes no taps (assets/app.css
    greys out and disables the page under `.cp-offline`) until Reflex reconnects and the page reloads its data."""
    return rx.cond(
        has_connection_errors,
        rx.box(
            rx.hstack(
                rx.spinner(size="2"),
                rx.text("Connection lost - reconnecting...", size="2", weight="medium"),
                spacing="2",
                align="center",
                justify="center",
            ),
            role="status",
            aria_live="polite",
            id="connection-lost",
            position="fixed",
            top="0",
            left="0",
            right="0",
            z_index="50",
            padding="0.6rem 1rem",
            background=rx.color("amber", 4),
            border_bottom=f"1px solid {rx.color('amber', 7)}",
        ),
    )


def page_shell(active: str, live, *content: rx.Component) -> rx.Component:
    """`live`: the page state's refresh handler (or None); the page then updates itself when its data changes."""
    return rx.box(
        connection_lost(),
        header(active),
        live_poller(live) if live is not None else rx.fragment(),
        rx.el.main(
            rx.vstack(*content, spacing="5", width="100%"),
            width="100%",
            max_width="72rem",
            margin_x="auto",
            padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
            padding_top="1rem",
            padding_bottom=rx.breakpoints(initial="6rem", md="3rem"),
        ),
        bottom_nav(active),
        min_height="100vh",
        background=rx.color("gray", 2),
        class_name=rx.cond(has_connection_errors, "cp-shell cp-offline", "cp-shell"),
    )


def section(title, *children: rx.Component, **props) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        *children,
        spacing="3",
        width="100%",
        **props,
    )


def card_grid(items, render) -> rx.Component:
    """Cards side by side as the width allows (at least 22rem each); a lone card uses the whole width."""
    return rx.grid(
        rx.foreach(items, render),
        grid_template_columns="repeat(auto-fit, minmax(min(100%, 22rem), 1fr))",
        spacing="3",
        width="100%",
    )


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.card(*children, width="100%", size="2", **props)


def empty_note(text: str) -> rx.Component:
    return rx.text(text, color_scheme="gray", size="2")


def loading_or(condition, content: rx.Component) -> rx.Component:
    return rx.cond(
        condition,
        content,
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%", aria_label="Loading"),
    )


def feedback(state) -> rx.Component:
    """A page state's refusal (`error`) and confirmation (`message`), announced to screen readers."""
    return rx.fragment(
        rx.cond(
            state.error != "",
            rx.callout(state.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
        ),
        rx.cond(
            state.message != "",
            rx.callout(state.message, icon="check", color_scheme="green", role="status", width="100%"),
        ),
    )
