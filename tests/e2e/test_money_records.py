"""Issue 9, money records: Anna sees what the sibling discount saved on her fees (home prompt, payments page,
paid history) and on the invoice; the EUR 50 credit top-up is in the payment history, paid by bank transfer, with
its receipt. On a phone and a desktop (the discount lines are about layout).

Runs before test_payments_flow.py (which pays the autumn fee), like test_home_flow.py."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS, VIEWPORTS, login, screenshot

pytestmark = pytest.mark.e2e

AUTUMN_LINES = ["Full price EUR 120.00", "Sibling discount 10% -EUR 12.00"]
FOOTBALL_LINES = ["Full price EUR 90.00", "Sibling discount 10% -EUR 9.00", "Early bird 5% -EUR 4.50"]


def _lines(locator) -> list[str]:
    """The discount lines as shown, one per line."""
    return [" ".join(t.split()) for t in locator.locator(".cp-discount > *").all_inner_texts()]


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as fh:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width} px)"


def test_discounts_on_fees_and_invoices_and_the_top_up_with_its_receipt(
    app_server, smtp_server, browser, viewport
):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        accept_downloads=True,
    )
    context.set_default_timeout(20000)
    page = context.new_page()
    login(page, app_server, smtp_server, "anna@example.com")

    # Home: the unpaid fee says what it saved, under its amount due.
    prompt = page.locator("#unpaid-prompt")
    expect(prompt).to_contain_text("EUR 108.00")
    expect(prompt.locator(".cp-discount")).to_be_visible()
    assert _lines(prompt) == AUTUMN_LINES
    _no_sideways_scroll(page)
    screenshot(page, f"money-home-discount-{viewport}")

    # Payments: the same on the unpaid item; the paid football fee kept both discounts it got when it was made.
    page.goto(app_server + "/payments")
    fee = page.locator(".cp-unpaid[data-item='Autumn term fee']")
    expect(fee).to_contain_text("EUR 108.00")
    expect(fee.locator(".cp-discount")).to_be_visible()
    assert _lines(fee) == AUTUMN_LINES
    paid = page.locator("#paid-items")
    football = paid.locator(".cp-paid[data-item='Football Juniors - term fee']")
    expect(football).to_contain_text("EUR 76.50")
    expect(football.locator(".cp-discount")).to_be_visible()
    assert _lines(football) == FOOTBALL_LINES
    # The top-up: paid by bank transfer, a receipt and no invoice (credit is invoiced when it is used).
    top_up = paid.locator(".cp-paid[data-item='Credit top-up']")
    expect(top_up).to_contain_text("EUR 50.00")
    expect(top_up).to_contain_text("Bank transfer")
    expect(top_up).to_contain_text("Whole family")
    expect(top_up.locator("a.cp-doc")).to_have_count(1)
    expect(top_up.locator("a.cp-doc")).to_contain_text("Receipt R-")
    _no_sideways_scroll(page)
    screenshot(page, f"money-payments-{viewport}")
    football.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"money-paid-fee-{viewport}.png"))  # what the screen shows

    with page.expect_download() as receipt_dl:
        top_up.locator("a.cp-doc", has_text="Receipt").click()
    receipt = _pdf_text(receipt_dl.value)
    assert receipt_dl.value.suggested_filename.startswith("receipt-R-")
    for expected in (
        "Receipt R-",
        "Anna Novak",
        "Credit top-up",
        "Prepaid credit",
        "EUR 50.00",
        "Amount received",
        "Payment method: Bank transfer",
        "No VAT is charged on buying credit",
    ):
        assert expected in receipt, expected

    with page.expect_download() as invoice_dl:
        football.locator("a.cp-doc", has_text="Invoice").click()
    invoice = _pdf_text(invoice_dl.value)
    for expected in (
        "Football Juniors - term fee (Jakub Novak)",
        "EUR 90.00",
        "Sibling discount 10%",
        "-EUR 9.00",
        "Early bird 5% (discount)",
        "-EUR 4.50",
        "EUR 76.50",
        "23 %",
    ):
        assert expected in invoice, expected

    # Benefits: the top-up's entry in the credit history links the same receipt.
    page.goto(app_server + "/benefits")
    entry = page.locator("#credit a.cp-doc")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Receipt R-")

    # The booking page: what Ema's swimming costs after the discount, with the discount under it.
    page.goto(app_server + "/")
    page.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
    price = page.locator("#booking-price")
    expect(price).to_contain_text("EUR 108.00")
    expect(price.locator(".cp-discount")).to_be_visible()
    assert _lines(price) == AUTUMN_LINES
    _no_sideways_scroll(page)
    screenshot(page, f"money-booking-price-{viewport}")
    context.close()
