"""My data on /account: Anna asks for a fresh code, enters it and downloads her family's zip."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import login, screenshot, staff_login

pytestmark = pytest.mark.e2e

JSON_FILES = {
    "family.json",
    "clients.json",
    "attendees.json",
    "bookings.json",
    "attendance.json",
    "charges.json",
    "payments.json",
    "orders.json",
    "benefits.json",
    "shares.json",
    "messages.json",
}


def test_anna_confirms_with_a_fresh_code_and_downloads_her_data(app_server, smtp_server, phone_page):
    page = phone_page
    box, _ = smtp_server
    login(page, app_server, smtp_server, "anna@example.com")
    page.goto(app_server + "/account")
    card = page.locator("#my-data")
    expect(card).to_contain_text("kept for 10 years")
    expect(page.locator("#my-data-download")).to_have_count(0)
    # Without the code the download is refused.
    assert page.request.get(app_server + "/account/my-data.zip").status == 403
    screenshot(page, "my-data-locked-phone")

    before = box.count()
    page.locator("#my-data-send-code").click()
    expect(card).to_contain_text("We sent a 6-digit code")
    code = box.wait_for_code("anna@example.com", before)
    page.locator("#my-data-code").fill(code)
    page.locator("#my-data-confirm").click()
    expect(page.locator("#my-data-download")).to_be_visible()
    expect(page.locator("#my-data-delete-open")).to_be_visible()
    screenshot(page, "my-data-unlocked-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "my-data-unlocked-desktop")

    with page.expect_download() as info:
        page.locator("#my-data-download").click()
    download = info.value
    assert download.suggested_filename.startswith("my-data-") and download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as fh:
        archive = zipfile.ZipFile(io.BytesIO(fh.read()))
    names = set(archive.namelist())
    assert names >= JSON_FILES
    assert any(n.startswith("invoices/") and n.endswith(".pdf") for n in names)
    attendees = archive.read("attendees.json").decode()
    assert "Ema" in attendees and "Jakub" in attendees and "Lily" not in attendees

    page.locator("#my-data-delete-open").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Invoices and receipts are kept")
    screenshot(page, "my-data-delete-confirm-desktop")
    dialog.get_by_role("button", name="Keep our data").click()
    expect(dialog).to_have_count(0)


def test_the_owner_sees_a_deletion_request_on_the_families_page(app_server, app_env, smtp_server, phone_page):
    """A request of the Carters, written directly (confirming it would erase a family other tests use): the
    section, its dialog, and nothing done on "Not now"; the row is removed afterwards."""
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.begin() as conn:
        family_id, provider_id = conn.execute(
            text("SELECT id, provider_id FROM family WHERE name = 'Carter'")
        ).one()
        conn.execute(
            text(
                "INSERT INTO deletion_request (provider_id, family_id, requested_at) "
                "VALUES (:p, :f, CURRENT_TIMESTAMP)"
            ),
            {"p": provider_id, "f": family_id},
        )
    try:
        page = phone_page
        staff_login(page, app_server, smtp_server, "office@example.com")
        page.goto(app_server + "/admin/families")
        section = page.locator("#deletion-requests")
        expect(section).to_contain_text("Deletion requests")
        expect(section).to_contain_text("Carter")
        screenshot(page, "deletion-requests-phone")
        page.set_viewport_size({"width": 1280, "height": 800})
        section.locator(".cp-deletion-confirm-open").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("Invoices, receipts and credit notes are kept")
        screenshot(page, "deletion-requests-dialog-desktop")
        dialog.get_by_role("button", name="Not now").click()
        expect(dialog).to_have_count(0)
        expect(section).to_contain_text("Carter")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM deletion_request WHERE family_id = :f"), {"f": family_id})
        engine.dispose()
