"""Account on a phone: "Log out on all devices" sits on /account, apart from "Log out", and asks first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_log_out_on_all_devices_asks_first(app_server, smtp_server, phone_page):
    page = phone_page
    login(page, app_server, smtp_server, "anna@example.com")
    page.get_by_role("button", name="Account").click()
    menu = page.get_by_role("dialog")
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    expect(menu.get_by_text("Log out on all devices")).to_have_count(0)
    page.keyboard.press("Escape")

    page.goto(app_server + "/account")
    page.locator("#logout-all-open").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("this one included")
    screenshot(page, "account-logout-all-confirm-phone")
    dialog.get_by_role("button", name="Keep me logged in").click()
    expect(dialog).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()  # still logged in

    page.locator("#logout-all-open").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Log out everywhere").click()
    page.wait_for_url(re.compile(r"/login\?logged_out=all"))
    page.goto(app_server + "/account")
    page.wait_for_url(re.compile(r"/login"))


def test_the_messages_card_switches_one_kind_and_shows_the_mandatory_ones(
    app_server, smtp_server, page, viewport
):
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/account")
    expect(page.get_by_text("What we tell you")).to_be_visible()
    expect(page.locator(".cp-notice-row", has_text="A new charge to pay")).to_contain_text("Always sent")
    switch = page.locator("#notice-session_changed")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(page.get_by_text("A session cancelled, moved or taking place after all: off.")).to_be_visible()
    page.reload()
    expect(page.locator("#notice-session_changed")).to_have_attribute("aria-checked", "false")
    screenshot(page, f"account-messages-{viewport}")
    page.locator("#notice-session_changed").click()
    expect(page.locator("#notice-session_changed")).to_have_attribute("aria-checked", "true")
