"""The console's charge page in Chromium: the office opens one of anna's unpaid items, records a cash payment,
and anna, logged in to her profile in another browser, sees it paid with its receipt under Payments. Each
viewport pays an item of its own (the app and its data are shared by the run)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import VIEWPORTS, login, screenshot, staff_login

pytestmark = pytest.mark.e2e

ITEM_FOR = {"desktop": "Autumn term fee", "phone": "Swim cap + goggles"}


def _annas_charge(app_env, description: str) -> int:
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT charge.id FROM charge JOIN family ON family.id = charge.family_id "
                "WHERE family.name = 'Novak' AND charge.description = :d"
            ),
            {"d": description},
        ).scalar_one()
    engine.dispose()
    return found


def test_the_office_records_cash_and_anna_sees_it_paid_with_a_receipt(
    app_env, app_server, smtp_server, browser, page, viewport
):
    item = ITEM_FOR[viewport]
    charge_id = _annas_charge(app_env, item)
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.goto(f"{app_server}/admin/charges/{charge_id}")
    expect(page.get_by_role("heading", name=item, level=1)).to_be_visible()
    expect(page.locator(".cp-charge-status")).to_have_text("unpaid")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator("#record-method").select_option("cash")
    page.locator("#record-submit").click()
    expect(page.get_by_text(re.compile(r"Cash payment of EUR [\d.]+ recorded"))).to_be_visible()
    expect(page.locator(".cp-charge-status")).to_have_text("paid")
    expect(page.locator(".cp-payment-row")).to_contain_text("Cash")
    expect(page.locator(".cp-document-row", has_text="Receipt R-")).to_be_visible()
    page.locator(".cp-payment-row summary").click()  # the refund form, for the screenshot
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"console-charge-{viewport}")

    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        anna = context.new_page()
        anna.set_default_timeout(20000)
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.goto(app_server + "/payments")
        paid = anna.locator(".cp-paid", has_text=item)
        expect(paid).to_contain_text("Paid")
        expect(paid).to_contain_text("Cash")
        expect(paid.get_by_role("link", name=re.compile(r"Receipt R-"))).to_be_visible()
        expect(anna.locator(".cp-unpaid", has_text=item)).to_have_count(0)
        screenshot(anna, f"console-charge-anna-payments-{viewport}")
    finally:
        context.close()
