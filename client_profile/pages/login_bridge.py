"""/to-login inside the single-page app: only a bridge to the real login page.

/login is a plain server-rendered HTTP page (api/auth.py). A handler that finds no live session sends the tab here
with ``rx.redirect`` (state.session.to_login), which the front end performs as in-app navigation; this page at once
does a full navigation to /login, so the server's page loads and the next websocket reconnects with the new
cookies. Its own address is not /login, so the address bar says /login only once the real page is loading (a
request for /to-login itself, without a session, is sent to /login by the page guard).
A compiled on_mount script, not ``rx.call_script`` from the server: Reflex runs server-sent scripts with eval, which
the CSP forbids (docs/security.md "HTTP headers").
"""

from __future__ import annotations

import reflex as rx

from client_profile.page_registry import page


def _bridge(login_url: str) -> rx.Component:
    return rx.center(
        rx.el.a("Continue to the login page", href=login_url),  # a plain link: a full load
        on_mount=rx.run_script(f"window.location.replace('{login_url}')"),
        padding="24px",
    )


@page("/to-login", "Log in", shell=False)
def login_bridge() -> rx.Component:
    return _bridge("/login")


@page("/admin/to-login", "Log in to the console", shell=False, area="staff")
def admin_login_bridge() -> rx.Component:
    return _bridge("/admin/login")
