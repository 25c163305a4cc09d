"""The provider console in Chromium: staff log in at /admin/login, an owner manages the team, an instructor sees
only what her role opens, and a parent gets no console at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot, staff_login

pytestmark = pytest.mark.e2e


def test_the_owner_invites_a_coach_and_gives_her_the_office_role(app_server, smtp_server, page, viewport):
    staff_login(page, app_server, smtp_server, "office@example.com")
    expect(page.get_by_role("heading", name="Hello, Little Otters Office")).to_be_visible()
    screenshot(page, f"console-home-{viewport}")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Staff").click()
    page.wait_for_url(re.compile(r"/admin/staff$"))
    address = f"coach-{viewport}@example.com"
    page.fill("#invite-email", address)
    page.fill("#invite-full_name", f"Coach {viewport}")
    page.select_option("#invite-role", "instructor")
    page.click("#invite-submit")
    expect(page.get_by_role("status")).to_contain_text(f"{address} was added as instructor")
    row = page.locator(".cp-staff-row", has_text=address)
    expect(row).to_be_visible()
    row.get_by_label(f"Role of {address}").select_option("office")
    expect(page.get_by_role("status")).to_contain_text(f"{address} is now office")
    screenshot(page, f"console-staff-{viewport}")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Audit log").click()
    expect(page.locator(".cp-audit-row").first).to_contain_text(f"{address}: instructor -> office")


def test_martina_has_no_staff_pages(app_server, smtp_server, phone_page):
    page = phone_page
    staff_login(page, app_server, smtp_server, "martina@example.com")
    expect(page.get_by_role("heading", name="Hello, Martina Kovacova")).to_be_visible()
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="Staff")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto(app_server + "/admin/staff")
    expect(page.get_by_role("alert")).to_contain_text("Your role does not allow you to manage staff.")
    expect(page.locator(".cp-staff-row")).to_have_count(0)


def test_anna_gets_no_console(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/admin")
    page.wait_for_url(re.compile(r"/admin/login"))  # her profile session is not a console session
    box, _ = smtp_server
    before = box.count()
    page.fill("input[name=email]", "anna@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/login/code"))  # the same answer as for staff...
    page.wait_for_timeout(3000)
    assert box.count() == before  # ...and no e-mail: she is not staff
    page.goto(app_server + "/")
    expect(page.get_by_text("Ema").first).to_be_visible()  # still logged in to her profile
