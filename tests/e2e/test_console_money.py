"""The console's money pages in Chromium: the office opens the Novaks' money page from their family page, adds a
one-off fee for Ema (the family's 10 % sibling discount is applied), sees it with its saving on /admin/money, and
anna, logged in to her profile in another browser, sees it under Payments with the full price and the saving.

Correct at any instant (TEST_NOW): the demo's sibling discount is valid from 60 days before the instant the demo
was loaded at until 120 days after, and the fee's due date is the one the form offers (the provider's today + 14)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, login, screenshot, staff_login

pytestmark = pytest.mark.e2e

# Each viewport adds a fee of its own (the app and its data are shared by the run).
FEE_FOR = {"desktop": "Swim gala entry", "phone": "Gala photo package"}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_office_charges_ema_with_the_family_discount_and_anna_sees_the_saving(
    app_server, smtp_server, browser, page, viewport
):
    fee = FEE_FOR[viewport]
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.goto(app_server + "/admin/families")
    page.get_by_label("Search families").fill("Novak")
    page.get_by_role("button", name="Search").click()
    page.locator(".cp-family-row", has_text="Novak").click()
    page.wait_for_url(re.compile(r"/admin/families/\d+$"))
    page.locator("#family-money-link").click()
    page.wait_for_url(re.compile(r"/admin/families/\d+/money$"))
    expect(page.get_by_role("heading", name="Novak: money", level=1)).to_be_visible()

    page.get_by_text("New charge", exact=True).click()
    page.locator("#new-charge-attendee_id").select_option(label="Ema Novak")
    page.locator("#new-charge-description").fill(fee)
    page.locator("#new-charge-amount").fill("50.00")
    page.locator("#new-charge-submit").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Added {fee}: EUR 45.00 is due.")
    row = page.locator(".cp-charge-row", has_text=fee)
    expect(row).to_contain_text("EUR 45.00")
    expect(row).to_contain_text("EUR 50.00")
    expect(row).to_contain_text("Sibling discount 10% -EUR 5.00")
    expect(row.get_by_role("link", name=fee)).to_have_attribute("href", re.compile(r"/admin/charges/\d+$"))
    _no_sideways_scroll(page)
    screenshot(page, f"console-family-money-{viewport}")

    # The provider's list: the new fee among the unpaid ones, with its saving; the export link has the filters.
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Money").click()
    page.wait_for_url(re.compile(r"/admin/money$"))
    listed = page.locator(".cp-charge-row", has_text=fee)
    expect(listed).to_contain_text("Novak")
    expect(listed).to_contain_text("Sibling discount 10% -EUR 5.00")
    expect(page.locator("#money-export")).to_have_attribute("href", "/admin/money/charges.csv?status=unpaid")
    _no_sideways_scroll(page)
    screenshot(page, f"console-money-{viewport}")

    # Anna, in a browser of her own on her phone, sees the fee under Payments with the full price and the saving.
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        anna = context.new_page()
        anna.set_default_timeout(20000)
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.goto(app_server + "/payments")
        item = anna.locator(".cp-unpaid", has_text=fee)
        expect(item).to_be_visible()
        expect(item).to_contain_text("EUR 45.00")
        expect(item).to_contain_text("Full price")
        expect(item).to_contain_text("EUR 50.00")
        expect(item).to_contain_text("Sibling discount 10%")
        expect(item).to_contain_text("-EUR 5.00")
        screenshot(anna, f"console-money-anna-payments-{viewport}")
    finally:
        context.close()
