"""The tab guard (state/guard.py): a tab's stored state is dropped before any event of a socket whose cookie does
not carry the same live login session, so nothing of a family is ever sent to it (hydrate included).

The end-to-end proof over a real websocket is tests/e2e/test_tab_state_guard.py; these check the rule itself.
"""

from __future__ import annotations

import pytest
from reflex.istate.data import HeaderData, RouterData, SessionData

from client_profile.services.people import auth
from client_profile.state.guard import TabGuard, TabOwner
from tests.state.test_handlers import cookie_for, snapshot, states

ANNA_ONLY = ("Jakub", "Novak", "anna@example.com", "Autumn term fee")


def connect(root, cookie: str | None, socket_id: str) -> None:
    """What Reflex does for a new socket: its handshake cookie and socket id become the router data."""
    root.router = RouterData(
        headers=HeaderData(cookie=cookie or ""), session=SessionData(session_id=socket_id)
    )


def anna_tab(demo):
    cookie = cookie_for(demo, "anna@example.com")
    root, s = states(cookie)
    connect(root, cookie, "sid-1")
    return root, s, cookie


def tab_text(s) -> str:
    return " ".join(snapshot(state) for state in s.values())


async def test_the_owner_session_keeps_its_data_on_a_new_socket(demo):
    root, s, cookie = anna_tab(demo)
    await TabGuard().preprocess(None, root, None)
    s["HomeState"].load_home()
    s["ShellState"].load_shell()
    connect(root, cookie, "sid-2")  # a reload: same login, new socket
    await TabGuard().preprocess(None, root, None)
    assert "Jakub" in tab_text(s) and "anna@example.com" in tab_text(s)


@pytest.mark.parametrize("next_cookie", ["none", "logged_out", "logged_out_everywhere", "ben", "anna_again"])
async def test_a_socket_without_the_same_live_session_gets_nothing_of_the_tab(demo, next_cookie):
    root, s, cookie = anna_tab(demo)
    await TabGuard().preprocess(None, root, None)
    s["HomeState"].load_home()
    s["ShellState"].load_shell()
    s["BenefitsState"].load_benefits()
    assert all(word in tab_text(s) for word in ANNA_ONLY)
    token = cookie.split("=", 1)[1]
    if next_cookie == "logged_out":
        auth.logout(demo, token)
    elif next_cookie == "logged_out_everywhere":
        auth.logout_everywhere(demo, auth.principal_for_token(demo, token))
    demo.commit()
    new_cookie = {
        "none": None,
        "ben": cookie_for(demo, "ben@example.com"),
        "anna_again": cookie_for(demo, "anna@example.com"),
    }.get(next_cookie, cookie)
    connect(root, new_cookie, "sid-2")
    await TabGuard().preprocess(None, root, None)
    text = tab_text(s)
    for word in ANNA_ONLY:
        assert word not in text, f"{word} survived a {next_cookie} reconnect"
    owner = root.get_substate(TabOwner.get_full_name().split(".")[1:])
    assert owner._socket_id == "sid-2"
    assert (owner._session_id != 0) == (next_cookie in ("ben", "anna_again"))


async def test_one_lookup_per_socket(demo, monkeypatch):
    root, s, cookie = anna_tab(demo)
    calls = []
    import client_profile.state.guard as guard

    real = guard.principal_for
    monkeypatch.setattr(guard, "principal_for", lambda *a: calls.append(1) or real(*a))
    for _ in range(3):
        await TabGuard().preprocess(None, root, None)
    assert len(calls) == 1
    connect(root, cookie, "sid-2")
    await TabGuard().preprocess(None, root, None)
    assert len(calls) == 2
