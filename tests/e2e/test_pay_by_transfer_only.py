"""Without card payment, the home prompt's button is "Pay by bank transfer" and leads straight to the transfer
details (/payments?pay=transfer), on a phone.

The e2e app always has Stripe configured (one front-end build for the whole run; its address is baked into the
build, so a second backend without the STRIPE settings cannot share it). Card payment is switched off the way a
provider does it (`provider set online_payment_enabled=no`): `payments.online_payment_available` is False exactly
as without the STRIPE settings, so the browser takes the same path; only the note under the buttons differs
(the handler tests check that one). Runs before test_payments_flow.py, which pays Anna's items."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import admin, login, screenshot

pytestmark = pytest.mark.e2e


def test_pay_by_bank_transfer_opens_the_transfer_details_straight_away(
    app_server, app_env, smtp_server, phone_page
):
    page = phone_page
    admin(app_env, "provider", "set", "online_payment_enabled=no")
    try:
        login(page, app_server, smtp_server, "anna@example.com")
        button = page.locator("#unpaid-pay-now")
        expect(button).to_have_text(re.compile("Pay by bank transfer"))
        button.click()
        page.wait_for_url(re.compile(r"/payments/?\?pay=transfer"))
        transfer = page.locator("#bank-transfer")
        expect(transfer).to_be_visible()
        expect(transfer).to_contain_text("SK31 1200 0000 1987 4263 7541")
        expect(transfer).to_contain_text(page.locator("#selected-total").inner_text())
        expect(transfer.locator(".cp-transfer-ref")).to_have_text(re.compile(r"^\d{9,10}$"))
        expect(page.locator("#pay-online")).to_have_count(0)
        expect(page.locator("#online-note")).to_contain_text("takes payments by bank transfer")
        box = transfer.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone
        screenshot(page, "payments-transfer-only-phone")
    finally:
        admin(app_env, "provider", "set", "online_payment_enabled=yes")
