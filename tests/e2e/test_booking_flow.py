"""Anna on a phone and a desktop: open Ema's swimming booking, read the history, excuse the next-but-one
Tuesday (and see the make-up it earns), sign back up, and watch a provider-side attendance change arrive."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import admin, login, screenshot

pytestmark = pytest.mark.e2e


FILTERS = {"Upcoming": "upcoming", "Attended": "attended", "Cancelled": "missed"}


def _filter(page, label: str):
    return page.locator(f"#sessions-tab button.cp-filter[data-filter='{FILTERS[label]}']")


def _count(page, label: str) -> int:
    return int(re.search(r"(\d+)\s*$", _filter(page, label).inner_text()).group(1))


def _missed_session(app_env) -> tuple[int, int, str]:
    """A past session of Ema's swimming booking the provider marked missed or attended."""
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT s.id, a.id, t.state FROM attendance t JOIN class_session s ON s.id = t.session_id "
                "JOIN booking b ON b.id = t.booking_id JOIN attendee a ON a.id = b.attendee_id "
                "WHERE a.first_name = 'Ema' AND t.state IN ('missed', 'attended') ORDER BY s.starts_at DESC LIMIT 1"
            )
        ).one()
    engine.dispose()
    return row[0], row[1], row[2]


def test_booking_sessions_excuse_sign_back_up_and_live_attendance(
    app_env, app_server, smtp_server, page, viewport
):
    login(page, app_server, smtp_server, "anna@example.com")
    page.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    expect(page.get_by_role("heading", name="Swimming - Beginners")).to_be_visible()
    expect(page.get_by_text("Tuesdays 16:00")).to_be_visible()
    expect(page.locator("#next-sessions .cp-session").first).to_contain_text("Tue")
    screenshot(page, f"booking-overview-{viewport}")

    page.get_by_role("tab", name="Sessions").click()
    sessions = page.locator("#sessions-tab")
    expect(sessions).to_be_visible()
    attended_before = _count(page, "Attended")
    assert attended_before >= 3 and _count(page, "Cancelled") >= 1
    _filter(page, "Cancelled").click()
    expect(sessions.locator(".cp-session[data-state='missed']").first).to_be_visible()
    _filter(page, "Upcoming").click()
    # The filter goes through the URL (a navigation and a reload): wait for the list itself to switch before
    # reading a row from it (a stale row of the previous filter was read once: the missed Tue 17 Nov).
    expect(_filter(page, "Upcoming")).to_have_attribute("aria-pressed", "true")
    expect(sessions.locator(".cp-session[data-state='missed']")).to_have_count(0)
    upcoming_before = _count(page, "Upcoming")
    screenshot(page, f"booking-sessions-{viewport}")

    # Excuse the second upcoming session (always more than a day away, so it is in time).
    second = sessions.locator(".cp-session").nth(1)
    day = second.get_attribute("data-day")
    second.get_by_role("button", name="Excuse").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("make-up credit")
    screenshot(page, f"booking-excuse-dialog-{viewport}")
    dialog.get_by_text("Illness").click()
    dialog.get_by_role("button", name="Excuse session").click()
    expect(page.locator("#booking-message")).to_contain_text("make-up credit")
    expect(dialog).to_have_count(0)
    # The excused session stays in the list, marked, with its undo (no "Excuse until" any more).
    assert _count(page, "Upcoming") == upcoming_before
    row = sessions.locator(f".cp-session[data-day='{day}']")
    expect(row).to_contain_text("excused")
    expect(row.locator(".cp-outcome")).to_have_text("Excused by you · a make-up credit was added to Benefits")
    expect(row).not_to_contain_text("Excuse until")
    screenshot(page, f"booking-excused-{viewport}")
    row.get_by_role("button", name="Sign back up").click()
    expect(page.locator("#booking-message")).to_contain_text("signed back up")
    expect(row).to_contain_text("scheduled")
    assert _count(page, "Upcoming") == upcoming_before

    # The provider changes a past attendance from the admin CLI: the open page follows without a reload.
    page.evaluate("window.__no_reload_marker = 1")
    session_id, attendee_id, state = _missed_session(app_env)
    new_state = "attended" if state == "missed" else "missed"
    attended_now = _count(page, "Attended")
    admin(app_env, "attendance", str(session_id), str(attendee_id), new_state)
    expected = attended_now + (1 if new_state == "attended" else -1)
    expect(_filter(page, "Attended")).to_have_text(re.compile(rf"Attended\s*{expected}$"), timeout=2500)
    assert page.evaluate("window.__no_reload_marker") == 1
    admin(app_env, "attendance", str(session_id), str(attendee_id), state)  # as it was, for the next run
    expect(_filter(page, "Attended")).to_have_text(re.compile(rf"Attended\s*{attended_now}$"), timeout=2500)


def test_another_familys_booking_is_not_found(app_env, app_server, smtp_server, phone_page):
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        bens = conn.execute(
            text(
                "SELECT b.id FROM booking b JOIN attendee a ON a.id = b.attendee_id "
                "WHERE a.first_name = 'Lily'"
            )
        ).scalar_one()
    engine.dispose()
    login(phone_page, app_server, smtp_server, "anna@example.com")
    for path in (f"/bookings/{bens}", "/bookings/987654", "/bookings/not-a-number"):
        phone_page.goto(app_server + path)
        expect(phone_page.locator("#not-found")).to_be_visible()
        expect(phone_page.get_by_text("Lily")).to_have_count(0)


def test_booking_page_leads_to_its_payments(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    page.locator(".cp-booking-payments").click()
    page.wait_for_url(re.compile(r"/payments\?booking=\d+$"))
    expect(page.get_by_text("Autumn term fee").first).to_be_visible()


def test_tabs_and_filters_live_in_the_url(app_server, smtp_server, phone_page):
    """Back returns to the previous tab or filter instead of leaving the booking; a reload keeps the view."""
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    page.get_by_role("tab", name="Sessions").click()
    page.wait_for_url(re.compile(r"\?tab=sessions$"))
    _filter(page, "Cancelled").click()
    page.wait_for_url(re.compile(r"\?tab=sessions&filter=missed$"))
    expect(_filter(page, "Cancelled")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(_filter(page, "Cancelled")).to_have_attribute("aria-pressed", "true")
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?tab=sessions$"))
    expect(_filter(page, "Upcoming")).to_have_attribute("aria-pressed", "true")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/bookings/\d+/?$"))
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
