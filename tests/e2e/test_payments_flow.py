"""Anna pays the Autumn term fee and the unpaid order together through Checkout (localstripe + extension); the
signed webhook arrives and the payments page she left open turns "paid" without a reload; the invoice and
receipt download and say the right things. Then the order page, and a declined card."""

from __future__ import annotations

import io
import re
import time

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def _attempt_status(app_env) -> list[str]:
    engine = create_engine(app_env["REFLEX_DB_URL"])
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT status FROM checkout_attempt ORDER BY id"))]
    finally:
        engine.dispose()


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as fh:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)


def test_anna_pays_two_items_online_and_the_open_page_turns_paid(app_server, app_env, smtp_server, browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, accept_downloads=True
    )
    context.set_default_timeout(20000)
    watcher = context.new_page()
    login(watcher, app_server, smtp_server, "anna@example.com")
    watcher.locator("#unpaid-pay-now").click()
    watcher.wait_for_url(re.compile(r"/payments/?$"))
    unpaid = watcher.locator("#unpaid-items")
    expect(unpaid.locator(".cp-unpaid")).to_have_count(2)
    expect(unpaid).to_contain_text("Autumn term fee")
    expect(unpaid).to_contain_text("Swim cap + goggles")
    expect(watcher.locator("#selected-total")).to_have_text("EUR 126.00")
    watcher.locator("#pay-transfer").click()
    transfer = watcher.locator("#bank-transfer")
    expect(transfer).to_contain_text("SK31 1200 0000 1987 4263 7541")
    expect(transfer).to_contain_text("EUR 126.00")
    # One transfer, one reference (not the two items' references side by side), each value one tap to copy.
    expect(transfer.locator(".cp-transfer-ref")).to_have_text(re.compile(r"^9\d{9}$"))
    expect(transfer.locator(".cp-copy")).to_have_count(3)
    # A phone cannot scan its own screen: the code is there for another device, one tap away.
    qr = transfer.locator("img.cp-epc-qr").locator("visible=true")
    expect(qr).to_have_count(0)
    transfer.get_by_text("QR code for a banking app on another device").click()
    expect(qr).to_have_count(1)
    screenshot(watcher, "payments-anna-phone")

    # The same person pays in a second tab; this first one stays open and is never reloaded.
    payer = context.new_page()
    payer.goto(app_server + "/payments")
    expect(payer.locator("#pay-online")).to_be_enabled()
    # Only the webhook may settle this: the return page is never reached.
    payer.route(re.compile(r".*/pay/return.*"), lambda route: route.abort())
    payer.locator("#pay-online").click()
    payer.wait_for_url(re.compile(r"/_config/checkout/pay/cs_test_"))
    expect(payer.locator("#amount")).to_have_text("126.0 EUR")
    payer.locator("#paid").click()

    deadline = time.monotonic() + 15
    while _attempt_status(app_env)[-1:] != ["paid"]:
        assert time.monotonic() < deadline, "the webhook never settled the payment"
        time.sleep(0.1)
    settled = time.monotonic()
    expect(watcher.locator("#unpaid-items")).to_contain_text("Nothing to pay", timeout=5000)
    assert time.monotonic() - settled < 2.5  # 1.5 s poll + a round trip
    paid = watcher.locator("#paid-items")
    fee = paid.locator(".cp-paid[data-item='Autumn term fee']")
    expect(fee).to_contain_text("Card (online)")
    expect(paid.locator(".cp-paid[data-item='Swim cap + goggles']")).to_be_visible()
    screenshot(watcher, "payments-anna-paid-phone")

    with watcher.expect_download() as receipt_dl:
        fee.locator("a.cp-doc", has_text="Receipt").click()
    receipt = _pdf_text(receipt_dl.value)
    assert receipt_dl.value.suggested_filename.startswith("receipt-R-")
    assert "Autumn term fee" in receipt and "Amount received" in receipt and "EUR 108.00" in receipt
    with watcher.expect_download() as invoice_dl:
        fee.locator("a.cp-doc", has_text="Invoice").click()
    invoice = _pdf_text(invoice_dl.value)
    for expected in (
        "Autumn term fee (Ema Novak)",
        "Anna Novak",
        "Little Otters s.r.o.",
        "VAT ID: SK2121234567",
        "23 %",
        "EUR 120.00",
        "Sibling discount 10%",
        "-EUR 12.00",
        "EUR 108.00",
    ):
        assert expected in invoice, expected

    # The order is paid too, with its items.
    watcher.goto(app_server + "/orders")
    expect(watcher.locator("#unpaid-orders")).to_contain_text("Nothing unpaid")
    watcher.locator("#paid-orders .cp-order", has_text="Swim goggles").click()
    watcher.wait_for_url(re.compile(r"/orders/\d+$"))
    expect(watcher.locator("#order-items")).to_contain_text("Swim cap")
    expect(watcher.locator("#order-payment")).to_contain_text("Paid")
    screenshot(watcher, "order-anna-paid-phone")
    context.close()


def test_order_page_with_entry_pass_and_a_declined_card(app_server, smtp_server, browser, app_env):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20000)
    page = context.new_page()
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/orders")
    page.locator(".cp-order", has_text="Open Swim 10 entries").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    expect(page.locator(".cp-pass")).to_contain_text("6 of 10 entries left")
    expect(page.locator(".cp-pass-entry")).to_have_count(4)
    expect(page.locator("#order-payment")).to_contain_text("Invoice")
    screenshot(page, "order-entry-pass-desktop")
    page.goto(app_server + "/payments")
    screenshot(page, "payments-anna-desktop")

    # A new unpaid item, then a declined card: nothing changes and the page says so.

    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.begin() as conn:
        # The demo's provider id changes with every reset (tests/e2e/conftest.py fresh_demo): read it.
        provider, fam = conn.execute(
            text("SELECT provider_id, family_id FROM client WHERE email='anna@example.com'")
        ).one()
        conn.execute(
            text(
                "INSERT INTO charge (provider_id, family_id, description, amount_minor, currency, status, "
                "reference, created_at) VALUES (:p, :f, 'Spring term deposit', 5000, 'EUR', 'unpaid', "
                "'E2E-DECLINE', CURRENT_TIMESTAMP)"
            ),
            {"p": provider, "f": fam},
        )
        conn.execute(text("UPDATE family SET data_version = data_version + 1 WHERE id = :f"), {"f": fam})
    engine.dispose()
    expect(page.locator("#unpaid-items")).to_contain_text("Spring term deposit", timeout=5000)
    page.locator("#pay-online").click()
    page.wait_for_url(re.compile(r"/_config/checkout/pay/cs_test_"))
    page.locator("#declined").click()
    expect(page.locator("#error")).to_have_text("Your card was declined.")
    page.locator("#cancel").click()
    page.wait_for_url(re.compile(r"/payments/?\?checkout=\d+"))
    message = page.locator("#checkout-message")
    expect(message).to_contain_text("Nothing was charged")
    expect(page.locator("#unpaid-items")).to_contain_text("Spring term deposit")
    screenshot(page, "payments-declined-desktop")
    context.close()
