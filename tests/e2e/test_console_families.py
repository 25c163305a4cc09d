"""The console's families pages in Chromium: the owner finds ben's family and enrols Lily in a class, and ben,
logged in to his profile in another browser, sees the new booking and its term fee; an instructor sees the
refusal and nothing of any family.

Correct at any instant (TEST_NOW): the enrolment starts on the day the form offers (the provider's today), and
the demo's classes run for weeks after the instant it was loaded at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import VIEWPORTS, login, screenshot, staff_login

pytestmark = pytest.mark.e2e

# Each viewport enrols Lily in a class of its own (the app and its data are shared by the run).
CLASS_FOR = {"desktop": "Chess Online", "phone": "Football Juniors"}


def _carter_id(app_env) -> int:
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM family WHERE name = 'Carter'")).scalar_one()
    engine.dispose()
    return found


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_owner_enrols_lily_and_ben_sees_the_booking_and_its_fee(
    app_server, smtp_server, browser, page, viewport
):
    programme = CLASS_FOR[viewport]
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Families").click()
    page.wait_for_url(re.compile(r"/admin/families$"))
    page.get_by_label("Search families").fill("ben@example.com")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".cp-family-row")).to_have_count(1)
    row = page.locator(".cp-family-row", has_text="Carter")
    expect(row).to_contain_text("Lily Carter")
    _no_sideways_scroll(page)
    screenshot(page, f"console-families-{viewport}")
    row.click()
    page.wait_for_url(re.compile(r"/admin/families/\d+$"))
    expect(page.get_by_role("heading", name="Carter", level=1)).to_be_visible()

    enrol = page.locator("#enrol-card")
    enrol.get_by_label("Attendee").select_option(label="Lily Carter")
    option = enrol.locator("select[name=class_id] option", has_text=programme)
    enrol.get_by_label("Class").select_option(option.get_attribute("value"))
    starts = enrol.get_by_label("From").input_value()  # the day the form offers: the provider's today
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", starts)
    enrol.get_by_role("button", name="Enrol").click()
    expect(enrol.get_by_role("status")).to_contain_text("Enrolled from")
    # (each booking's Move form lists every class: the card is found by its title)
    booking = page.locator(".cp-booking-row").filter(has=page.get_by_text(programme, exact=True))
    expect(booking).to_contain_text(f"From {starts}")
    expect(booking).to_contain_text("active")
    _no_sideways_scroll(page)
    screenshot(page, f"console-family-{viewport}")

    # Ben, in a browser of his own on his phone, sees the booking on his profile and its fee under Payments.
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        ben = context.new_page()
        ben.set_default_timeout(20000)
        login(ben, app_server, smtp_server, "ben@example.com")
        expect(ben.get_by_text(programme).first).to_be_visible()
        ben.goto(app_server + "/payments")
        expect(ben.locator(".cp-unpaid", has_text=programme)).to_be_visible()
        screenshot(ben, f"console-enrolled-ben-payments-{viewport}")
    finally:
        context.close()


def test_a_stale_edit_says_reload_and_shows_the_stored_values(app_server, smtp_server, browser, phone_page):
    """Two office tabs on the same family: the second one's edit of ben's phone is refused, and its form then
    shows what the first one saved."""
    first = phone_page
    staff_login(first, app_server, smtp_server, "office@example.com")
    first.goto(app_server + "/admin/families")
    first.get_by_label("Search families").fill("Carter")
    first.get_by_role("button", name="Search").click()
    first.locator(".cp-family-row", has_text="Carter").click()
    first.wait_for_url(re.compile(r"/admin/families/\d+$"))
    address = first.url
    second = first.context.new_page()
    second.set_default_timeout(20000)
    second.goto(address)
    expect(second.get_by_role("heading", name="Carter", level=1)).to_be_visible()

    def edit_phone(tab, phone: str) -> None:
        client = tab.locator(".cp-client-row", has_text="ben@example.com")
        client.get_by_text("Edit", exact=True).click()
        client.get_by_label("Phone").fill(phone)
        client.get_by_role("button", name="Save client").click()

    edit_phone(first, "+421 907 333 001")
    expect(first.locator(".cp-client-row").get_by_role("status")).to_contain_text("Saved ben@example.com")
    edit_phone(second, "+421 907 333 002")
    client = second.locator(".cp-client-row", has_text="ben@example.com")
    expect(client.get_by_role("alert")).to_contain_text("changed by someone else")
    expect(client).to_contain_text("+421 907 333 001")
    client.get_by_text("Edit", exact=True).click()
    expect(client.get_by_label("Phone")).to_have_value("+421 907 333 001")
    screenshot(second, "console-family-stale-edit-phone")


def test_martina_sees_no_family(app_env, app_server, smtp_server, phone_page):
    page = phone_page
    staff_login(page, app_server, smtp_server, "martina@example.com")
    expect(page.get_by_role("navigation", name="Console").get_by_role("link", name="Families")).to_have_count(
        0
    )
    page.goto(app_server + "/admin/families")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your role does not allow you to see or change families."
    )
    expect(page.locator(".cp-family-row")).to_have_count(0)
    page.goto(app_server + f"/admin/families/{_carter_id(app_env)}")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your role does not allow you to see or change families."
    )
    expect(page.locator(".cp-client-row, .cp-attendee-row, .cp-booking-row")).to_have_count(0)
    expect(page.get_by_text("ben@example.com")).to_have_count(0)
    expect(page.get_by_text("Lily")).to_have_count(0)
