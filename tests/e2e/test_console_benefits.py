"""Benefits in the console, in Chromium: the office opens the Novaks' benefits from their family page, grants Ema
a make-up credit and extends the family's Open Swim pass; anna, logged in on her phone, sees the credit and both
changes under History on /benefits ("by the provider", never the staff member's name).

Correct at any instant (TEST_NOW): the book-by date is counted from the app's today, and the pass is extended
from whatever expiry its form shows (each viewport's run extends it again)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import VIEWPORTS, app_today, login, screenshot, staff_login

pytestmark = pytest.mark.e2e


def _novak_id(app_env) -> int:
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM family WHERE name = 'Novak'")).scalar_one()
    engine.dispose()
    return found


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_office_grants_ema_a_makeup_and_extends_a_pass_and_anna_sees_both(
    app_env, app_server, smtp_server, browser, page, viewport
):
    reason = f"Pool closed ({viewport})"
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.goto(app_server + f"/admin/families/{_novak_id(app_env)}")
    expect(page.get_by_role("heading", name="Novak", level=1)).to_be_visible()
    page.get_by_role("link", name="Benefits").click()
    page.wait_for_url(re.compile(r"/admin/families/\d+/benefits$"))
    expect(page.get_by_role("heading", name="Benefits · Novak", level=1)).to_be_visible()
    swim = page.locator(".cp-pass-row", has_text="Open Swim 10 entries")
    expect(swim).to_contain_text("entries left")

    # Grant Ema a make-up credit for her booking.
    page.get_by_text("Grant a make-up credit", exact=True).click()
    booking = page.locator("#grant-booking_id")
    option = booking.locator("option", has_text="Ema").first
    booking.select_option(option.get_attribute("value"))
    page.locator("#grant-book_by").fill((app_today() + timedelta(days=20)).isoformat())
    page.locator("#grant-reason").fill(reason)
    page.get_by_role("button", name="Grant credit").click()
    expect(page.get_by_role("status").first).to_contain_text("Granted a make-up credit")
    granted = page.locator(".cp-credit-row", has_text=f"Granted: {reason}")
    expect(granted).to_contain_text("available")

    # Extend the pass by 30 days from the expiry its form shows.
    swim.get_by_text("Extend expiry", exact=True).click()
    until = swim.get_by_label("Valid until")
    new_until = date.fromisoformat(until.input_value()) + timedelta(days=30)
    until.fill(new_until.isoformat())
    swim.get_by_role("button", name="Extend").click()
    expect(swim.get_by_role("status")).to_contain_text("valid for longer")
    expect(swim).to_contain_text(f"{new_until.day} {new_until:%b} {new_until.year}")
    swim.get_by_text("History", exact=True).click()
    expect(swim).to_contain_text("Expiry extended by the provider")
    _no_sideways_scroll(page)
    screenshot(page, f"console-benefits-{viewport}")

    # Anna, on her phone, sees the credit and both changes in Benefits' history.
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        anna = context.new_page()
        anna.set_default_timeout(20000)
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.goto(app_server + "/benefits")
        expect(anna.get_by_role("heading", name="History")).to_be_visible()
        history = anna.locator(".cp-benefit-history")
        expect(history.filter(has_text=f"Make-up credit granted by the provider: {reason}")).to_have_count(1)
        expect(
            history.filter(
                has_text=f"Expiry extended by the provider to {new_until.day} {new_until:%b} {new_until.year}"
            )
        ).to_have_count(1)
        expect(anna.get_by_text(f"Granted by Little Otters Swim & Sport: {reason}")).to_have_count(1)
        expect(anna.get_by_text("office@example.com")).to_have_count(0)
        _no_sideways_scroll(anna)
        screenshot(anna, f"benefits-history-anna-{viewport}")
    finally:
        context.close()
