"""The provider's whole path in Chromium, as issue 11 tells it: the owner creates a programme and a class on
/admin/schedule, enrols Lily (ben's child) in that class on the family's page, and ben, logged in to his
profile in another browser, sees the new booking and its term fee.

Correct at any instant (TEST_NOW): the class's term starts on the app's today (the day the enrolment form
offers) and runs four weeks, meeting on tomorrow's weekday."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, app_today, login, screenshot, staff_login

pytestmark = pytest.mark.e2e


def test_a_class_built_in_the_console_reaches_bens_profile(app_server, smtp_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        staff_login(page, app_server, smtp_server, "office@example.com")
        page.goto(app_server + "/admin/schedule")
        programme = "Water Polo"
        page.locator("#new-programme summary").click()
        page.fill("#programme-name", programme)
        page.fill("#programme-level", "Juniors, 8-12 years")
        page.fill("#programme-price", "80.00")
        page.click("#programme-submit")
        expect(page.get_by_role("status")).to_contain_text(f"Programme {programme} created")

        today = app_today()
        page.locator("#new-class summary").click()
        page.select_option("#class-programme_id", label=f"{programme} · EUR 80.00")
        page.fill("#class-name", "Polo - after school")
        page.select_option("#class-weekday", value=str((today.weekday() + 1) % 7))
        page.fill("#class-start_time", "17:00")
        page.fill("#class-starts_on", today.isoformat())
        page.fill("#class-ends_on", (today + timedelta(days=28)).isoformat())
        page.fill("#class-venue", "City pool")
        page.fill("#class-capacity", "8")
        page.fill("#class-price", "75.00")  # its own price, not the programme's
        page.click("#class-submit")
        expect(page.get_by_role("status")).to_contain_text(
            "Class Polo - after school created. Sessions: 4 new."
        )

        page.get_by_role("navigation", name="Console").get_by_role("link", name="Families").click()
        page.get_by_label("Search families").fill("Lily")
        page.get_by_role("button", name="Search").click()
        page.locator(".cp-family-row", has_text="Carter").click()
        page.wait_for_url(re.compile(r"/admin/families/\d+$"))
        enrol = page.locator("#enrol-card")
        enrol.get_by_label("Attendee").select_option(label="Lily Carter")
        option = enrol.locator("select[name=class_id] option", has_text="Polo - after school")
        enrol.get_by_label("Class").select_option(option.get_attribute("value"))
        assert enrol.get_by_label("From").input_value() == today.isoformat()
        enrol.get_by_role("button", name="Enrol").click()
        expect(enrol.get_by_role("status")).to_contain_text("Enrolled from")
        booking = page.locator(".cp-booking-row").filter(has=page.get_by_text(programme, exact=True))
        expect(booking).to_contain_text("EUR 75.00")
        screenshot(page, "console-new-class-enrolled-desktop")
    finally:
        context.close()

    ben_context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        ben = ben_context.new_page()
        ben.set_default_timeout(20000)
        login(ben, app_server, smtp_server, "ben@example.com")
        expect(ben.get_by_text(programme).first).to_be_visible()
        ben.goto(app_server + "/payments")
        fee = ben.locator(".cp-unpaid", has_text=programme)
        expect(fee).to_be_visible()
        expect(fee).to_contain_text("75.00")
        screenshot(ben, "console-new-class-ben-payments-phone")
    finally:
        ben_context.close()
