"""Anna shares Ema's swimming booking with grandma@example.com (may pay, not manage) from the booking page (a
1280 px desktop); Grandma (a 390 px phone) opens the invitation e-mail's link, logs in the normal way (her address
filled in), accepts, and sees only that booking and what is due on it (EUR 108.00), without the excuse button.
Anna revokes her; Grandma's open page loses the booking at her next step.

Runs before test_booking_shared_view.py and test_payments_flow.py (file order): the term fee is still unpaid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _new_page, login, screenshot
from tests.smtp_helpers import Mailbox

pytestmark = pytest.mark.e2e

GRANDMA = "grandma@example.com"


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_anna_shares_emas_booking_with_grandma_who_accepts_then_loses_it(app_server, smtp_server, browser):
    box, _ = smtp_server
    anna_ctx, anna = _new_page(browser, "desktop")
    grandma_ctx, grandma = _new_page(browser, "phone")
    try:
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.goto(app_server + "/bookings")
        anna.locator(".cp-booking-link", has_text="Swimming - Beginners").first.click()
        anna.wait_for_url(re.compile(r"/bookings/\d+/?$"))
        booking_url = anna.url
        expect(anna.locator("#sharing .cp-share[data-email='peter@example.com']")).to_be_visible()

        before = box.count()
        anna.click("#share-open")
        anna.fill("#share-email", GRANDMA)
        anna.fill("#share-name", "Grandma")
        anna.check("#share-can_pay")
        screenshot(anna, "share-dialog-desktop")
        anna.click("#share-submit")
        expect(anna.locator("#booking-message")).to_have_text(
            "Invitation sent to grandma@example.com. It is valid for 7 days."
        )
        row = anna.locator(".cp-share[data-email='grandma@example.com']")
        expect(row).to_have_attribute("data-status", "pending")
        expect(row).to_contain_text("May see the booking and get its messages, and pay its items")

        mail = box.wait_for(GRANDMA, before)
        assert mail["Subject"] == "Anna Novak shared Ema's booking with you"
        link = re.search(r"https?://\S+/invitation/\S+", _text(mail)).group(0)

        # Grandma: the link leads to the normal login with her address filled in, then to the invitation.
        grandma.goto(link)
        grandma.wait_for_url(re.compile(r"/login/?\?"))
        expect(grandma.locator("input[name=email]")).to_have_value(GRANDMA)
        before = box.count()
        grandma.click("button[type=submit]")
        grandma.wait_for_url(re.compile(r"/login/code"))
        grandma.fill("input[name=code]", Mailbox.code_in(box.wait_for(GRANDMA, before)))
        grandma.click("button[type=submit]")
        grandma.wait_for_url(re.compile(r"/invitation/"))
        expect(grandma.locator("#invitation")).to_contain_text("Anna Novak shared Ema's booking with you")
        expect(grandma.locator("#invitation")).to_contain_text("pay its items")
        screenshot(grandma, "share-invitation-phone")
        grandma.click("#accept-invitation")
        grandma.wait_for_url(re.compile(r"/bookings/\d+/?$"))
        assert grandma.url.rstrip("/") == booking_url.rstrip("/")
        expect(grandma.locator("#next-sessions .cp-session").first).to_be_visible()
        expect(grandma.locator(".cp-excuse")).to_have_count(0)  # may pay, not manage
        expect(grandma.locator("#shared-with-me")).to_be_visible()
        expect(grandma.locator("#sharing")).to_have_count(0)

        grandma.goto(app_server + "/bookings")
        expect(grandma.locator(".cp-booking-link", has_text="Swimming - Beginners").first).to_be_visible()
        expect(grandma.get_by_text("Football Juniors")).to_have_count(0)  # Jakub's: not shared
        grandma.goto(app_server + "/payments")
        # Only Ema's term fee (EUR 120.00 less the family's 10% sibling discount), none of Jakub's items.
        expect(grandma.locator(".cp-unpaid")).to_have_count(1)
        fee = grandma.locator(".cp-unpaid", has_text="Autumn term fee")
        expect(fee).to_contain_text("EUR 108.00")
        expect(fee).to_contain_text("Full price EUR 120.00")
        expect(fee.locator(".cp-pay-check")).to_be_visible()  # she may pay it
        screenshot(grandma, "share-payments-phone")

        # Anna sees the acceptance, then revokes; Grandma's open booking page loses it at her next step.
        expect(row).to_have_attribute("data-status", "active")  # the owner's page updates itself
        anna.locator("#share-history summary").click()
        expect(anna.locator("#share-history")).to_contain_text("Accepted grandma@example.com")
        screenshot(anna, "share-list-desktop")
        grandma.goto(booking_url)
        expect(grandma.locator("#next-sessions .cp-session").first).to_be_visible()
        row.locator(".cp-share-revoke").click()
        anna.locator(".cp-share-revoke-confirm").click()
        expect(anna.locator("#booking-message")).to_have_text("grandma@example.com no longer has access.")
        grandma.get_by_role("tab", name="Sessions").click()
        expect(grandma.locator("#not-found")).to_be_visible()
        screenshot(grandma, "share-revoked-phone")
        anna.set_viewport_size({"width": 390, "height": 844})  # the owner's list on a phone
        expect(anna.locator(".cp-share[data-email='peter@example.com'] .cp-share-revoke")).to_be_visible()
        screenshot(anna, "share-list-phone")
    finally:
        anna_ctx.close()
        grandma_ctx.close()
