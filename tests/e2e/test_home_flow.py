"""A parent on a phone and on a desktop: log in with the e-mailed code, see the family, switch, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def member(page, name: str):
    return page.locator(f"button.cp-member[data-member='{name}']")


def test_anna_sees_her_family_switches_and_logs_out(app_server, smtp_server, page, viewport):
    login(page, app_server, smtp_server, "anna@example.com")

    # The unpaid term fee is the first thing on the page, above the family switcher.
    prompt = page.locator("#unpaid-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Autumn term fee")
    expect(prompt).to_contain_text("EUR 108.00")  # EUR 120.00 less the sibling discount (test_money_records)
    assert prompt.bounding_box()["y"] < member(page, "Ema").bounding_box()["y"]

    expect(member(page, "Ema")).to_be_visible()
    expect(member(page, "Jakub")).to_be_visible()
    expect(page.get_by_text("Lily")).to_have_count(0)

    # Ema is selected first: her swimming booking shows, Jakub's do not.
    expect(member(page, "Ema")).to_have_attribute("aria-pressed", "true")
    bookings = page.locator("#active-bookings")
    expect(bookings).to_contain_text("Swimming - Beginners")
    expect(bookings).not_to_contain_text("Football Juniors")
    family = page.locator("#family-section")
    expect(family).to_contain_text("Sibling discount 10%")
    expect(family).not_to_contain_text("Early bird")
    family_text = family.inner_text()
    screenshot(page, f"home-anna-ema-{viewport}")

    member(page, "Jakub").click()
    expect(member(page, "Jakub")).to_have_attribute("aria-pressed", "true")
    expect(bookings).to_contain_text("Football Juniors")
    expect(bookings).to_contain_text("Chess Online")
    expect(bookings).not_to_contain_text("Swimming - Beginners")
    expect(page.locator("#past-bookings")).to_contain_text("Summer Camp 2026")
    # Family-level sections do not change when switching.
    assert family.inner_text() == family_text
    screenshot(page, f"home-anna-jakub-{viewport}")

    nav = page.locator("nav#bottom-nav")
    if viewport == "phone":
        expect(nav).to_be_visible()
        for name in ("Bookings", "Benefits", "Orders"):
            expect(nav.get_by_role("link", name=name)).to_be_visible()
        nav.get_by_role("link", name="Benefits").click()
    else:
        expect(nav).to_be_hidden()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Benefits").click()
    page.wait_for_url(re.compile(r"/benefits/?$"))
    expect(page.locator("#passes")).to_contain_text("Open Swim 10 entries")
    expect(page.locator("#credit")).to_contain_text("EUR 15.00")
    screenshot(page, f"benefits-anna-{viewport}")

    page.get_by_role("button", name="Account").click()
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(app_server + "/")
    page.wait_for_url(re.compile(r"/login"))


def test_peter_sees_only_the_shared_booking(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "peter@example.com")
    expect(member(page, "Ema")).to_be_visible()
    expect(page.locator("button.cp-member")).to_have_count(1)
    bookings = page.locator("#active-bookings")
    expect(bookings).to_contain_text("Swimming - Beginners")
    expect(bookings).to_contain_text("Shared with you")
    expect(page.locator("#unpaid-prompt")).to_have_count(0)
    expect(page.get_by_text("Jakub")).to_have_count(0)
    screenshot(page, "home-peter-phone")


def test_scaled_out_run_keeps_tab_state_in_redis(app_server, smtp_server, phone_page):
    """With TEST_REDIS_URL the app runs 2 workers on the Redis state manager: tab state must live there."""
    import os

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("single-worker run (memory state manager); the PostgreSQL + Redis run checks this")
    import redis

    login(phone_page, app_server, smtp_server, "ben@example.com")
    expect(member(phone_page, "Lily")).to_be_visible()
    keys = redis.Redis.from_url(url).keys("*client_profile___state___home____home_state*")
    assert keys, "no Client Profile state in Redis"


def test_a_provider_side_change_appears_without_a_reload(app_env, app_server, smtp_server, phone_page):
    """The provider ends Peter's shared access from the admin CLI: his open page follows within 2 seconds, and
    again when access is given back. No reload happens (a marker set in the page survives)."""
    from sqlalchemy import create_engine, text

    from tests.e2e.conftest import admin

    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        booking_id = conn.execute(
            text(
                "SELECT b.id FROM booking b JOIN attendee a ON a.id = b.attendee_id "
                "JOIN booking_share s ON s.booking_id = b.id WHERE a.first_name = 'Ema'"
            )
        ).scalar_one()
    engine.dispose()
    page = phone_page
    login(page, app_server, smtp_server, "peter@example.com")
    expect(member(page, "Ema")).to_be_visible()
    page.evaluate("window.__no_reload_marker = 1")
    try:
        admin(app_env, "unshare", str(booking_id), "peter@example.com")
        expect(page.get_by_text("Nothing is booked for you yet.")).to_be_visible(timeout=2500)
        expect(member(page, "Ema")).to_have_count(0)
    finally:
        admin(app_env, "share", str(booking_id), "peter@example.com")
    expect(member(page, "Ema")).to_be_visible(timeout=2500)
    assert page.evaluate("window.__no_reload_marker") == 1
