"""Peter (view-only share of Ema's swimming booking) on a phone: he sees what is due and who pays it, and only
the actions he may take (no pay, no excuse).

Runs before test_payments_flow.py (file order), which pays the shared booking's term fee in the same app."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_peter_sees_what_is_due_and_only_what_he_may_do(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "peter@example.com")
    page.goto(app_server + "/payments")
    item = page.locator(".cp-unpaid", has_text="Autumn term fee")
    expect(item).to_be_visible()
    expect(item.locator(".cp-payer")).to_have_text("The Novak family pays this")
    expect(page.locator(".cp-pay-check")).to_have_count(0)
    expect(page.get_by_text("Nothing to pay")).to_have_count(0)
    expect(page.locator("#pay-transfer, #pay-online")).to_have_count(0)
    screenshot(page, "payments-shared-view-only-phone")

    page.goto(app_server + "/bookings")
    page.locator(".cp-booking-link", has_text="Swimming - Beginners").first.click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    expect(page.locator("#next-sessions .cp-session").first).to_be_visible()
    expect(page.locator(".cp-excuse")).to_have_count(0)
    expect(page.get_by_text("Excuse until")).to_have_count(0)
    expect(page.locator("#book-makeup-link")).to_have_count(0)
