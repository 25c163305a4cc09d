"""The CSV import in Chromium: the office downloads the template, uploads a file of three families (the browser's
own multipart form POST), sees the dry run, imports it, and finds the families under /admin/families. At 390 px and
1280 px (each viewport imports families of its own: the app's data is shared by the run)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, staff_login

pytestmark = pytest.mark.e2e

HEADER = (
    "family_name;client_email;client_name;phone;guardian2_email;guardian2_name;"
    "attendee_first_name;attendee_last_name;birth_date;class;start_date"
)


def _csv(tag: str) -> bytes:
    rows = [
        f"Horvat {tag};eva.horvat.{tag}@example.com;Eva Horvat;+421 900 111 222;;;Tomas;Horvat;2018-04-12;;",
        f"Horvat {tag};eva.horvat.{tag}@example.com;;;;;Sara;Horvat;1.9.2020;;",
        f"Kral {tag};peter.kral.{tag}@example.com;Peter Kral;;;;Filip;Kral;30.11.2017;;",
        f"Mraz {tag};oto.mraz.{tag}@example.com;Oto Mraz;;mila.mraz.{tag}@example.com;Mila Mraz;Ivan;Mraz;2019-02-02;;",
    ]
    return ("\ufeff" + HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode()


def test_the_office_imports_three_families_from_a_csv(app_server, smtp_server, page, viewport):
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Families").click()
    page.get_by_role("link", name="Import from a spreadsheet").click()
    page.wait_for_url(re.compile(r"/admin/import$"))
    expect(page.get_by_role("heading", name="Import families", level=1)).to_be_visible()

    with page.expect_download() as download:
        page.locator("#import-template").click()
    template = download.value.path().read_bytes().decode("utf-8-sig")
    assert template.splitlines()[0] == HEADER

    page.locator("#import-file").set_input_files(
        files=[{"name": f"families-{viewport}.csv", "mimeType": "text/csv", "buffer": _csv(viewport)}]
    )
    page.locator("#import-check").click()
    page.wait_for_url(re.compile(r"/admin/import/[A-Za-z0-9_-]{32}$"))
    expect(page.get_by_role("heading", name=f"Dry run: families-{viewport}.csv")).to_be_visible()
    rows = page.locator(".cp-import-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("New family, new attendee")
    expect(rows.nth(1)).to_contain_text("Family from row 2, new attendee")
    expect(rows.nth(3)).to_contain_text("New family, new second guardian, new attendee")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"console-import-dry-run-{viewport}")

    page.get_by_role("button", name="Import 4 rows").click()
    expect(page.get_by_role("status").filter(has_text="Imported:")).to_contain_text("4 rows: 3 new families")
    expect(page.get_by_role("heading", name=f"Imported: families-{viewport}.csv")).to_be_visible()
    screenshot(page, f"console-import-done-{viewport}")

    page.get_by_role("link", name="See the families").click()
    page.wait_for_url(re.compile(r"/admin/families$"))
    page.get_by_label("Search families").fill(viewport)
    page.get_by_role("button", name="Search").click()
    families = page.locator(".cp-family-row")
    expect(families).to_have_count(3)
    expect(families.filter(has_text=f"Horvat {viewport}")).to_contain_text("Sara Horvat")
    expect(families.filter(has_text=f"Mraz {viewport}")).to_contain_text(f"mila.mraz.{viewport}@example.com")
