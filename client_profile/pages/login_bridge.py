"""/login inside the single-page app: only a bridge to the real login page.

/login itself is a plain server-rendered HTTP page (api/auth.py), and a browser that loads it gets that page. But a
handler that finds no live session sends the tab there with ``rx.redirect`` (state.session.to_login), which the
front end performs as in-app navigation; this page is what that navigation renders, and it at once does a full
navigation to the same address, so the server's page loads and the next websocket reconnects with the new cookies.
A compiled on_mount script, not ``rx.call_script`` from the server: Reflex runs server-sent scripts with eval, which
the CSP forbids (docs/security.md "HTTP headers").
"""

from __future__ import annotations

import reflex as rx

ROUTE = "/login"


def login_bridge() -> rx.Component:
    return rx.center(
        rx.el.a("Continue to the login page", href=ROUTE),  # a plain link: a full load
        on_mount=rx.run_script(f"window.location.replace('{ROUTE}')"),
        padding="24px",
    )
