"""Every button, checkbox, tab and link a person can tap is at least 44x44 CSS px on a 390 px wide phone
(WCAG 2.5.5 AAA size; 2.5.8's minimum is 24), on every page of the profile."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

MIN = 44
ACTIONABLE = (
    "a[href], button, [role=button], [role=tab], [role=checkbox], [role=radio], [role=switch], "
    "input:not([type=hidden]), select, textarea, summary"
)
# What each element measures: its own box, or the nearest label/link wrapping it (a checkbox inside a label is
# tapped through the label).
MEASURE = """(sel) => Array.from(document.querySelectorAll(sel)).filter(e => {
    const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('[aria-hidden=true]');
}).map(e => {
    const target = e.closest('label, a[href]') || e;
    const r = target.getBoundingClientRect();
    const name = (e.getAttribute('aria-label') || e.innerText || e.getAttribute('name') || e.tagName).trim();
    return {name: name.slice(0, 40), tag: e.tagName.toLowerCase(), w: Math.round(r.width), h: Math.round(r.height)};
})"""


def _pages(page, base: str) -> list[tuple[str, str]]:
    page.goto(base + "/bookings")
    booking = page.locator(".cp-booking-link").first.get_attribute("href")
    page.goto(base + "/orders")
    order = page.locator("a[href^='/orders/']").first.get_attribute("href")
    return [
        ("home", "/"),
        ("bookings", "/bookings"),
        ("booking", booking),
        ("booking-sessions", f"{booking}?tab=sessions"),
        ("benefits", "/benefits"),
        ("orders", "/orders"),
        ("order", order),
        ("payments", "/payments"),
        ("makeups", "/makeups"),
        ("account", "/account"),
    ]


def test_every_tap_target_is_at_least_44_px(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    small = []
    for name, path in _pages(page, app_server):
        page.goto(app_server + path)
        page.wait_for_load_state("networkidle")
        page.locator("main h1").first.wait_for()
        for el in page.evaluate(MEASURE, ACTIONABLE):
            if el["w"] < MIN or el["h"] < MIN:
                small.append(f"{name}: {el['tag']} {el['name']!r} {el['w']}x{el['h']}")
        screenshot(page, f"tap-targets-{name}-phone")
    assert small == [], "tap targets under 44x44 px:\n" + "\n".join(small)
