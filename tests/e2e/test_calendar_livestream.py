"""The Bookings tab offers the family's calendar feed (fetched and parsed back), and an online class's
sessions show the livestream link only around their time, while in-person ones never do."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_calendar_feed_and_livestream_link(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/bookings")
    url_input = page.get_by_label("Calendar feed link")
    expect(url_input).to_have_value(re.compile(r"/calendar/\d+-[A-Za-z0-9_-]+\.ics$"))
    screenshot(page, "bookings-calendar-phone")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Link copied")).to_be_visible()  # the toast still shows without Reflex's overlay
    feed = page.request.get(url_input.input_value())
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.body())
    summaries = {str(e.get("SUMMARY")) for e in cal.walk("VEVENT")}
    assert any(s.startswith("Ema: Swimming - Beginners") for s in summaries)
    assert any(s.startswith("Jakub: Chess Online") for s in summaries)
    assert not any("Lily" in s for s in summaries)

    page.goto(app_server + "/bookings")
    page.locator(".cp-booking-link", has_text="Chess Online").first.click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    # The join link shows only from 15 minutes before a session until its end (services.schedule.attendance); before
    # that the row says when it appears. Past sessions never offer it.
    first = page.locator("#next-sessions .cp-session").first
    expect(first.locator(".cp-livestream, .cp-livestream-from")).to_have_count(1)
    if first.locator(".cp-livestream").count():
        expect(first.locator(".cp-livestream")).to_have_attribute("href", re.compile(r"^https://"))
    else:
        expect(first.locator(".cp-livestream-from")).to_have_text(re.compile(r"^Join link from \d\d:\d\d$"))
    expect(page.locator("#next-sessions .cp-session").nth(1).locator(".cp-livestream")).to_have_count(0)
    page.get_by_role("tab", name="Sessions").click()
    page.locator("#sessions-tab button.cp-filter[data-filter='attended']").click()
    expect(page.locator("#sessions-tab .cp-session").first).to_be_visible()
    expect(page.locator("#sessions-tab .cp-livestream")).to_have_count(0)
    page.goto(app_server + "/bookings")
    page.locator(".cp-booking-link", has_text="Football Juniors").first.click()
    page.wait_for_url(re.compile(r"/bookings/\d+/?$"))
    expect(page.locator("#next-sessions .cp-session").first).to_be_visible()
    expect(page.locator("#next-sessions .cp-livestream")).to_have_count(0)
