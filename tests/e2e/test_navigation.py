"""Finding your way: every section is in the header (desktop) and the bottom bar (phone), and the current one is
marked."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, login, screenshot
from tests.smtp_helpers import Mailbox

pytestmark = pytest.mark.e2e

SECTIONS = {
    "Home": "/",
    "Bookings": "/bookings",
    "Benefits": "/benefits",
    "Orders": "/orders",
    "Payments": "/payments",
}


def test_every_section_is_in_the_navigation_and_the_current_one_is_marked(
    app_server, smtp_server, page, viewport
):
    login(page, app_server, smtp_server, "anna@example.com")
    nav = page.locator("header nav" if viewport == "desktop" else "#bottom-nav")
    for label, path in SECTIONS.items():
        page.goto(app_server + path)
        current = nav.locator("[aria-current=page]")
        expect(current).to_have_count(1)
        expect(current).to_contain_text(label)
        expect(nav.get_by_role("link", name=label)).to_be_visible()


def test_an_unknown_address_has_a_way_home_and_every_page_has_an_icon(app_server, smtp_server, phone_page):
    import urllib.request

    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    screenshot(page, "not-found-phone")
    page.locator("#not-found-home").click()
    page.wait_for_url(app_server + "/")
    for path in ("/favicon.ico", "/icon-192.png", "/apple-touch-icon.png"):
        with urllib.request.urlopen(app_server + path, timeout=10) as r:  # noqa: S310 (loopback)
            assert r.status == 200 and r.headers["content-type"].startswith(("image/", "application/octet"))
    assert page.locator("link[rel=icon]").count() >= 1


def _ask_for_a_login_from(page, box, base: str, path: str):
    """Open a page logged out, land on /login remembering it, ask for a login; returns the e-mail."""
    page.goto(base + path)
    page.wait_for_url(re.compile(r"/login\?next=" + re.escape(quote(path, safe="")) + "$"))
    before = box.count()
    page.fill("input[name=email]", "anna@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/login/code"))
    return box.wait_for("anna@example.com", before, subject_has="code")


def test_after_login_the_page_asked_for_opens_and_the_link_needs_no_tap(app_server, smtp_server, browser):
    box, _ = smtp_server
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(20000)
        mail = _ask_for_a_login_from(page, box, app_server, "/benefits")
        page.fill("input[name=code]", Mailbox.code_in(mail))
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/benefits/?$"))
        expect(page.get_by_role("heading", name="Benefits")).to_be_visible()

        # Logged out, asked again from /orders; this time the e-mail's link, opened in this browser, logs in
        # by itself and lands on /orders (another browser would get the button and then be asked for the code).
        page.get_by_role("button", name="Account").click()
        page.get_by_role("dialog").get_by_role("button", name="Log out").click()
        page.wait_for_url(re.compile(r"/login"))
        text = (
            _ask_for_a_login_from(page, box, app_server, "/orders")
            .get_body(preferencelist=("plain",))
            .get_content()
        )
        link = re.search(r"https?://\S+/auth/link/[A-Za-z0-9_-]{43}", text).group(0)
        page.goto(link)
        page.wait_for_url(re.compile(r"/orders/?$"))
        expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    finally:
        context.close()
