"""Anna books Ema's make-up into another beginners group, sees it in the booking's sessions, and cancels it
(the credit comes back)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_book_and_cancel_a_makeup(app_server, smtp_server, page, viewport):
    login(page, app_server, smtp_server, "anna@example.com")
    page.get_by_role("link", name=re.compile("Book a make-up")).click()
    page.wait_for_url(re.compile(r"/makeups/?$"))
    credit = page.locator(".cp-credit").first
    expect(credit).to_contain_text("Ema")
    # The latest offer: the earliest may start within the 24-hour cancellation deadline, where cancelling
    # (rightly) keeps the credit used. The demo guarantees one beyond it (services.demo, sister classes).
    offer = credit.locator(".cp-offer").last
    class_name = offer.get_attribute("data-class")
    assert class_name.startswith("Beginners - ") and "Tuesday" not in class_name
    screenshot(page, f"makeups-{viewport}")
    offer.get_by_role("button", name="Book").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(class_name)
    dialog.get_by_role("button", name="Book make-up").click()
    expect(page.locator("#makeups-message")).to_contain_text("Booked")
    expect(page.locator("#no-credit")).to_contain_text("no make-up credits")

    page.goto(app_server + "/")
    page.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    page.get_by_role("tab", name="Sessions").click()
    row = page.locator("#sessions-tab .cp-session[data-state='make-up']")
    expect(row).to_contain_text(f"Make-up in {class_name}")
    screenshot(page, f"booking-with-makeup-{viewport}")
    row.get_by_role("button", name="Cancel make-up").click()
    expect(page.locator("#booking-message")).to_contain_text("credit is back")
    page.get_by_role("tab", name="Overview").click()
    expect(page.get_by_role("link", name=re.compile("Book a make-up"))).to_be_visible()
