"""Finding your way: every section is in the header (desktop) and the bottom bar (phone), and the current one is
marked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

SECTIONS = {"Home": "/", "Bookings": "/bookings", "Benefits": "/benefits", "Orders": "/orders",
            "Payments": "/payments"}


def test_every_section_is_in_the_navigation_and_the_current_one_is_marked(app_server, smtp_server, page,
                                                                            viewport):
    login(page, app_server, smtp_server, "anna@example.com")
    nav = page.locator("header nav" if viewport == "desktop" else "#bottom-nav")
    for label, path in SECTIONS.items():
        page.goto(app_server + path)
        current = nav.locator("[aria-current=page]")
        expect(current).to_have_count(1)
        expect(current).to_contain_text(label)
        expect(nav.get_by_role("link", name=label)).to_be_visible()
