"""Identity for event handlers.

Reflex calls any public handler a client names, with any arguments, and the tab token is client-chosen. So the
identity is never cached in state: every handler re-derives it from the HttpOnly session cookie that the browser
sent on the websocket handshake (router.headers.cookie) and looks it up in the database.
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from client_profile.services.people import auth
from client_profile.services.people.identity import Principal, StaffPrincipal

LOGIN_URL = "/login"
LOGIN_BRIDGE_URL = "/to-login"  # pages/login_bridge.py
ADMIN_LOGIN_BRIDGE_URL = "/admin/to-login"  # pages/login_bridge.py


def principal_for(state: rx.State, db: Session) -> Principal | None:
    return auth.principal_from_cookie_header(db, state.router.headers.cookie or "")


def staff_principal_for(state: rx.State, db: Session) -> StaffPrincipal | None:
    """The console's identity: the staff session cookie (never the client's)."""
    return auth.staff_principal_from_cookie_header(db, state.router.headers.cookie or "")


def to_login() -> rx.event.EventSpec:
    """To the login page: in-app to /to-login (pages/login_bridge.py), which does the full navigation to /login
    (a plain HTTP page; the next socket must reconnect). Not rx.call_script: the CSP has no eval."""
    return rx.redirect(LOGIN_BRIDGE_URL, replace=True)


def to_admin_login() -> rx.event.EventSpec:
    """To the console's login page, the same way (pages/login_bridge.py)."""
    return rx.redirect(ADMIN_LOGIN_BRIDGE_URL, replace=True)
