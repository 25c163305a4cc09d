"""/admin/integrations in Chromium against the production build: the owner makes an API key, reads it once, uses
it on /api/v1, revokes it; a webhook to this machine is refused in production (the SSRF guard)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, staff_login

pytestmark = pytest.mark.e2e


def test_the_owner_makes_uses_and_revokes_an_api_key(app_server, smtp_server, phone_page):
    page = phone_page
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.wait_for_url(re.compile(r"/admin/integrations$"))
    page.fill("#api-key-name", "Spreadsheet")
    page.click("#api-key-submit")
    expect(page.get_by_role("status")).to_contain_text("The key Spreadsheet was made")
    key = page.locator("#new-api-key").inner_text().strip()
    assert re.fullmatch(r"cpk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", key)
    row = page.locator(".cp-api-key-row", has_text="Spreadsheet")
    expect(row).to_contain_text(key[:12])
    expect(row).to_contain_text("Never used")
    screenshot(page, "console-integrations-phone")

    auth = {"Authorization": f"Bearer {key}"}
    answer = httpx.get(f"{app_server}/api/v1/families", headers=auth)
    assert answer.status_code == 200 and answer.json()["data"]
    assert httpx.post(f"{app_server}/api/v1/families", headers=auth, json={"name": "X"}).status_code == 403

    page.reload()
    expect(page.locator("#new-api-key")).to_have_count(0)  # shown once
    expect(row).to_contain_text("Last used")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    assert httpx.get(f"{app_server}/api/v1/families", headers=auth).status_code == 401

    page.fill("#webhook-url", "http://127.0.0.1:9/hooks")
    page.locator("#webhook-booking").check()
    page.click("#webhook-submit")
    expect(page.get_by_text("Webhooks may only go to public addresses")).to_be_visible()
