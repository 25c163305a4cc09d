"""A tab's stored state belongs to one login session; no other socket ever receives it.

Reflex keeps every tab's state on the server, keyed by a token the browser keeps in sessionStorage, and sends it
whole on (re)connect (the hydrate event) before any of our handlers runs. Without this guard a tab whose login
ended (logout, "log out on all devices", expiry) would get its old family data back on its next connect, and so
would a different person logging in on that tab, or anybody replaying the token without a cookie.

So every tab records which login sessions (AuthSession ids: the client's and, for the console, the staff
member's) its state was loaded under. The first event of each
socket (the hydrate, or whatever a hostile client sends first) resolves the socket's cookie once; when it does
not carry those same live sessions, every state of ours in the tree is reset to its defaults before the event runs,
and the tab is bound to the new session (or to nobody). A socket's cookie is fixed at its handshake, so later
events on the same socket need no second look-up; a session ended while the socket is open is caught by every
handler's own principal check, and the reset follows on the next connect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex.middleware import Middleware

from client_profile.db import unit_of_work
from client_profile.state.session import principal_for, staff_principal_for

if TYPE_CHECKING:
    from reflex.app import App
    from reflex.state import BaseState

_OUR_PACKAGE = "client_profile."
NOBODY = 0


class TabOwner(rx.State):
    """Backend-only: the login sessions this tab's state was loaded under, and the socket last checked."""

    _session_id: int = NOBODY
    _staff_session_id: int = NOBODY
    _socket_id: str = ""


def _our_state_classes(root_cls: type[BaseState]) -> list[type[BaseState]]:
    found, todo = [], list(root_cls.get_substates())
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith(_OUR_PACKAGE):
            found.append(cls)
    return found


async def drop_tab_data(root: BaseState) -> None:
    """Reset every state of ours in this tab's tree (loading the ones a Redis manager has not loaded yet)."""
    for cls in _our_state_classes(type(root)):
        (await root.get_state(cls)).reset()


class TabGuard(Middleware):
    """Runs before every event: binds the tab's stored state to the socket's login session (see module doc)."""

    async def preprocess(self, app: App, state: BaseState, event: Any) -> None:
        root = state._get_root_state()
        owner = await root.get_state(TabOwner)
        socket_id = root.router.session.session_id
        if socket_id and owner._socket_id == socket_id:
            return None  # this socket's cookie was already checked against the tab's owner
        with unit_of_work() as db:
            principal = principal_for(root, db)
            staff = staff_principal_for(root, db)
        session_id = principal.session_id if principal is not None else NOBODY
        staff_session_id = staff.session_id if staff is not None else NOBODY
        if owner._session_id not in (NOBODY, session_id) or owner._staff_session_id not in (
            NOBODY,
            staff_session_id,
        ):
            # Loaded under another (or an ended) session: nothing of it may leave the server.
            await drop_tab_data(root)
        owner._session_id = session_id
        owner._staff_session_id = staff_session_id
        owner._socket_id = socket_id
        return None
