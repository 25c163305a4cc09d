"""Losing the connection on a phone: the page says so, takes no taps while it lasts, and is back (with its data)
when the connection returns.

The loss is made in the browser: every websocket of the page goes through a Playwright route that can cut it,
and while it is down answers each new attempt the way an unreachable server ends for socket.io: a failed
connect (Chromium's offline emulation leaves open websockets alone)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


class Line:
    """The page's websocket to the app, which the test can cut and restore."""

    def __init__(self) -> None:
        self.up = True
        self.open: list = []

    def route(self, ws) -> None:
        if not self.up:
            ws.send(
                '0{"sid":"down","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
            )
            ws.on_message(
                lambda m: (
                    ws.send('44/_event,{"message":"connection lost"}') if str(m).startswith("40") else None
                )
            )
            return
        ws.connect_to_server()
        self.open.append(ws)

    def cut(self) -> None:
        self.up = False
        for ws in self.open:
            ws.close()
        self.open.clear()


def test_connection_lost_is_visible_and_taps_wait(app_server, smtp_server, phone_page):
    page = phone_page
    line = Line()
    page.route_web_socket(re.compile(r"/_event"), line.route)
    login(page, app_server, smtp_server, "anna@example.com")
    expect(page.get_by_text("Jakub").first).to_be_visible()
    banner = page.locator("#connection-lost")
    expect(banner).to_have_count(0)

    line.cut()
    expect(banner).to_have_text("Connection lost - reconnecting...", timeout=15000)
    screenshot(page, "connection-lost-phone")
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)  # no developer message for parents
    # Nothing takes a tap: the bottom bar would otherwise try to load a page it cannot reach.
    assert page.evaluate("getComputedStyle(document.querySelector('#bottom-nav')).pointerEvents") == "none"
    page.locator("#bottom-nav").get_by_role("link", name="Bookings").click(force=True)
    assert re.fullmatch(re.escape(app_server) + r"/?", page.url)

    line.up = True
    expect(banner).to_have_count(0, timeout=30000)
    expect(page.get_by_text("Jakub").first).to_be_visible()
    page.locator("#bottom-nav").get_by_role("link", name="Bookings").click()
    page.wait_for_url(re.compile(r"/bookings/?$"))
