"""Security finding "tab data after logout": Reflex sends a tab's stored state on every (re)connect, before any
handler checks the login. A tab whose login ended, a socket replaying its token without a cookie, and another
person logging in on that tab must receive nothing of the family (state/guard.py).

Driven over the real websocket of the production build, as the security probe did.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from websockets.sync.client import connect as ws_connect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

HYDRATE = "reflex___state____state.hydrate_and_load"
ANNA_ONLY = ("Jakub", "Autumn term fee", "anna@example.com", "/calendar/")


def _hydrate_once(base: str, token: str, cookie: str | None, path: str, wait: float) -> list[str]:
    url = base.replace("http://", "ws://") + f"/_event/?EIO=4&transport=websocket&token={token}"
    headers = {"Cookie": cookie} if cookie else {}
    frames: list[str] = []
    with ws_connect(url, origin=base, additional_headers=headers, open_timeout=20) as ws:
        assert ws.recv(timeout=20).startswith("0")
        auth = {
            "event": {
                "name": HYDRATE,
                "payload": {},
                "router_data": {"pathname": path, "asPath": path, "query": {}},
            }
        }
        ws.send("40/_event," + json.dumps(auth))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                msg = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if msg == "2":
                ws.send("3")
                continue
            frames.append(msg)
            if '"is_hydrated_rx_state_":true' in msg or "/login" in msg or "new_token" in msg:
                break
    return frames


def hydrate_frames(
    base: str,
    token: str,
    cookie: str | None,
    path: str = "/",
    seen: list[str] | None = None,
    within: float = 30.0,
) -> list[str]:
    """Connect a socket for `token` as a browser tab does and return every frame the server sends until the
    page is hydrated or sent to /login.

    The server must first have seen the tab's own socket close: until then it either still links the token to
    that socket (and hands this one a `new_token`, a fresh state) or, when the old socket's disconnect arrives
    after this connect, unlinks the token so that the answer goes nowhere (Reflex's LocalTokenManager pops the
    token whichever socket it belongs to). Both are retried until a hydrate of this very token answers; every
    frame of every try is appended to `seen`, so nothing any try received escapes the leak check."""
    deadline = time.monotonic() + within
    attempts: list[list[str]] = []
    while time.monotonic() < deadline:
        frames = _hydrate_once(
            base, token, cookie, path, wait=min(8.0, max(1.0, deadline - time.monotonic()))
        )
        attempts.append(frames)
        if seen is not None:
            seen.extend(frames)
        if any(f.startswith("42/_event") for f in frames) and not any("new_token" in f for f in frames):
            return frames
        time.sleep(0.5)
    raise AssertionError(f"no hydrate of token {token} answered within {within}s: {attempts!r}")


def session_cookie(context) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def leaked(frames: list[str]) -> list[str]:
    text = "\n".join(frames)
    return [word for word in ANNA_ONLY if word in text]


def test_an_ended_login_and_the_next_person_on_the_tab_get_nothing_of_the_family(
    app_server, smtp_server, browser
):
    base = app_server
    tab_ctx = browser.new_context(viewport={"width": 390, "height": 844})
    other_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab = tab_ctx.new_page()
        tab.set_default_timeout(20000)
        login(tab, base, smtp_server, "anna@example.com")
        tab.get_by_text("Jakub").first.wait_for()
        token = tab.evaluate("sessionStorage.getItem('token')")
        anna_cookie = session_cookie(tab_ctx)

        # Anna ends every session from another device ("Log out on all devices"); the open tab notices at its next
        # poll and goes to /login (a plain page: its socket closes), keeping its token.
        other = other_ctx.new_page()
        other.set_default_timeout(20000)
        login(other, base, smtp_server, "anna@example.com")
        request = urllib.request.Request(
            base + "/auth/logout-all",
            method="POST",
            data=b"",
            headers={"Cookie": session_cookie(other_ctx), "Origin": base},
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (loopback)
        tab.wait_for_url("**/login**")

        # The tab's token replayed without a cookie, and with her now dead cookie: nothing of hers.
        for cookie in (None, anna_cookie):
            seen: list[str] = []
            frames = hydrate_frames(base, token, cookie, seen=seen)
            assert not any("new_token" in f for f in frames)  # the stored state of this very token was used
            assert leaked(seen) == []

        # In the browser: Ben logs in on that tab.
        received: list[str] = []
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(str(payload))))
        login(tab, base, smtp_server, "ben@example.com")
        tab.get_by_text("Lily").first.wait_for()
        assert tab.evaluate("sessionStorage.getItem('token')") == token
        assert received, "the tab's websocket frames were not observed"
        assert leaked(received) == []
    finally:
        tab_ctx.close()
        other_ctx.close()
