"""The owner builds the schedule in the console, on a phone and on a desktop: logs in at /admin/login with the
e-mailed code, creates a programme and a weekly class on /admin/schedule (a bad field is shown next to it),
opens the class's page, sees its sessions, moves one and cancels another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import app_today, screenshot, staff_login

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_owner_creates_a_programme_and_a_class_and_changes_its_sessions(
    app_server, smtp_server, page, viewport
):
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.goto(app_server + "/admin/schedule")
    expect(page.get_by_role("heading", name="Schedule", level=1)).to_be_visible()
    expect(page.locator(".cp-programme").first).to_be_visible()
    expect(page.get_by_text("Beginners - Tuesday 16:00")).to_be_visible()

    programme = f"Diving ({viewport})"
    page.locator("#new-programme summary").click()
    page.fill("#programme-name", programme)
    page.fill("#programme-price", "90.00")
    page.click("#programme-submit")
    expect(page.get_by_role("status")).to_contain_text(f"Programme {programme} created")
    expect(page.locator(".cp-programme", has_text=programme)).to_contain_text("EUR 90.00")

    start = app_today() + timedelta(days=7)
    name = f"Divers - Tuesday 18:00 ({viewport})"
    page.locator("#new-class summary").click()
    page.select_option("#class-programme_id", label=f"{programme} · EUR 90.00")
    page.fill("#class-name", name)
    page.select_option("#class-weekday", value="1")
    page.fill("#class-start_time", "18:00")
    page.fill("#class-duration_minutes", "50")
    page.fill("#class-starts_on", start.isoformat())
    page.fill("#class-ends_on", (start - timedelta(days=1)).isoformat())
    page.fill("#class-venue", "City pool")
    page.select_option("#class-instructor_id", label="Martina Kovacova (instructor)")
    page.fill("#class-capacity", "6")
    page.click("#class-submit")
    # The term's end before its start: the message is next to that field, and the form keeps what was typed.
    expect(page.locator("#class-ends_on-error")).to_contain_text("must not be before its first day")
    expect(page.locator("#class-name")).to_have_value(name)
    expect(page.get_by_text("Correct the field marked in red above.")).to_be_visible()
    if viewport == "phone":
        screenshot(page, "console-schedule-field-error-phone")

    page.fill("#class-ends_on", (start + timedelta(days=34)).isoformat())
    page.click("#class-submit")
    expect(page.get_by_role("status")).to_contain_text(f"Class {name} created. Sessions: 5 new.")
    link = page.locator(".cp-class-link", has_text=name)
    expect(link).to_contain_text("0 / 6 enrolled")
    expect(link).to_contain_text("Martina Kovacova")
    no_sideways_scroll(page)
    screenshot(page, f"console-schedule-{viewport}")

    link.click()
    page.wait_for_url(re.compile(r"/admin/classes/\d+$"))
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    sessions = page.locator(".cp-session")
    expect(sessions).to_have_count(5)
    first, second = sessions.nth(0), sessions.nth(1)
    expect(first).to_contain_text("18:00-18:50")
    expect(first).to_contain_text("City pool")

    # Move the first session half an hour earlier.
    first.locator("summary", has_text="Move").click()
    first.locator("input[name=start_time]").fill("17:30")
    first.locator(".cp-move-submit").click()
    expect(page.get_by_role("status")).to_contain_text("The session was moved")
    expect(sessions.nth(0)).to_contain_text("17:30-18:20")
    expect(sessions.nth(0)).to_contain_text("one-off or moved")

    # Cancel the second with a note; it can be restored.
    second.locator("summary", has_text="Cancel").click()
    second.locator("input[name=note]").fill("Pool maintenance")
    second.locator(".cp-cancel-submit").click()
    expect(page.get_by_role("status")).to_contain_text("The session was cancelled")
    expect(sessions.nth(1)).to_have_attribute("data-status", "cancelled")
    expect(sessions.nth(1)).to_contain_text("Pool maintenance")
    expect(sessions.nth(1).get_by_role("button", name="Restore session")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"console-class-{viewport}")
