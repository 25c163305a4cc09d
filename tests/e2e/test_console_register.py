"""The attendance register in Chromium: Martina marks her Tuesday beginners on a phone and Anna's open booking page
follows within 2.5 s; an instructor cannot open another class's session; the office opens any class's register.

The run's instant is random (TEST_NOW): the session Martina marks is the newest of hers that has started, found
through the console's own finder (its default dates are the week either side of today), whatever the weekday and
hour. The demo's registers stay open 7 days after a session, so that one can always still be changed. Each test
leaves the register as the demo had it (Ema and Lily attended) for the tests after it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import login, screenshot, staff_login

pytestmark = pytest.mark.e2e

MARTINAS_CLASS = "Beginners - Tuesday 16:00"
OTHER_CLASS = "Beginners - Tuesday 17:00"
MIN_TAP = 44  # CSS px, as tests/e2e/test_tap_targets.py


def _open_newest_started_session(page) -> str:
    """On /admin: the finder's newest session that has started and can still be changed; opens its register and
    returns its day as the families' pages show it ("Tue 1 Dec")."""
    page.locator("#find-submit").click()
    found = page.locator("#found-sessions .cp-register-session[data-started='true'][data-editable='true']")
    expect(found.first).to_be_visible()
    card = found.last
    expect(card).to_contain_text(MARTINAS_CLASS)
    card.click()
    page.wait_for_url(re.compile(r"/admin/sessions/\d+/?$"))
    expect(page.locator("#register-class")).to_have_text(MARTINAS_CLASS)
    return page.locator("#register-when").inner_text().split(" · ")[0].strip()


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_buttons(page) -> list[str]:
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('main button')).map(b => {
            const r = b.getBoundingClientRect();
            return [b.getAttribute('aria-label') || b.innerText, Math.round(r.width), Math.round(r.height)];
        })"""
    )
    return [f"{name} {w}x{h}" for name, w, h in sizes if w < MIN_TAP or h < MIN_TAP]


def test_martina_marks_on_a_phone_and_annas_page_follows(app_server, smtp_server, phone_page, browser):
    page = phone_page
    staff_login(page, app_server, smtp_server, "martina@example.com")
    expect(page.get_by_role("heading", name="Hello, Martina Kovacova")).to_be_visible()
    expect(page.get_by_role("navigation", name="Console").get_by_role("link", name="Today")).to_be_visible()
    screenshot(page, "console-today-phone")
    day = _open_newest_started_session(page)

    # Anna, on her own device, has Ema's booking open at the attended sessions.
    anna_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        anna = anna_context.new_page()
        anna.set_default_timeout(20000)
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.locator("#active-bookings").get_by_role("link", name="Swimming - Beginners").click()
        anna.wait_for_url(re.compile(r"/bookings/\d+/?$"))
        anna.get_by_role("tab", name="Sessions").click()
        anna.locator("#sessions-tab button.cp-filter[data-filter='attended']").click()
        anna.wait_for_url(re.compile(r"filter=attended"))
        annas_row = anna.locator(f"#sessions-tab .cp-session[data-day='{day}']")

        ema = page.locator(".cp-register-line[data-name='Ema Novak']")
        expect(ema).to_be_visible()
        assert _small_buttons(page) == []
        _no_horizontal_scroll(page)
        screenshot(page, "console-register-phone")

        # Missed first (the demo has her attended), then attended: the change Anna's page must follow.
        if ema.get_attribute("data-state") != "missed":
            ema.get_by_role("button", name="Missed: Ema Novak").click()
            expect(ema).to_have_attribute("data-state", "missed")
            expect(ema.locator(".cp-line-state")).to_have_text("missed")
            expect(annas_row).to_have_count(0)
        ema.get_by_role("button", name="Attended: Ema Novak").click()
        expect(annas_row).to_have_attribute("data-state", "attended", timeout=2500)
        expect(annas_row).to_contain_text("attended", timeout=2500)
        expect(ema).to_have_attribute("data-state", "attended")
        expect(ema.get_by_role("button", name="Attended: Ema Novak")).to_have_attribute(
            "aria-pressed", "true"
        )
    finally:
        anna_context.close()

    # Back to not marked, then "All present" marks her again (and nobody who was marked changes).
    lily = page.locator(".cp-register-line[data-name='Lily Carter']")
    lily.get_by_role("button", name="Back to not marked: Lily Carter").click()
    expect(lily).to_have_attribute("data-state", "scheduled")
    expect(lily.locator(".cp-line-state")).to_have_text("not marked")
    screenshot(page, "console-register-unmarked-phone")
    page.locator("#all-present").click()
    expect(page.get_by_role("status")).to_contain_text("present")
    expect(lily).to_have_attribute("data-state", "attended")
    expect(ema).to_have_attribute("data-state", "attended")
    expect(page.locator("#all-present")).to_have_count(0)
    _no_horizontal_scroll(page)


def _session_of(app_env, class_name: str) -> int:
    """A session of a class, by the database (an instructor's console never shows another class's id)."""
    engine = create_engine(app_env["REFLEX_DB_URL"])
    with engine.connect() as conn:
        session_id = conn.execute(
            text(
                "SELECT s.id FROM class_session s JOIN class_group g ON g.id = s.class_id "
                "WHERE g.name = :name ORDER BY s.starts_at LIMIT 1"
            ),
            {"name": class_name},
        ).scalar_one()
    engine.dispose()
    return session_id


def test_martina_cannot_open_another_class(app_env, app_server, smtp_server, phone_page):
    page = phone_page
    other = _session_of(app_env, OTHER_CLASS)
    staff_login(page, app_server, smtp_server, "martina@example.com")
    for path in (f"/admin/sessions/{other}", "/admin/sessions/987654", "/admin/sessions/not-a-number"):
        page.goto(app_server + path)
        expect(page.locator("#register-not-found")).to_be_visible()
        expect(page.get_by_text(OTHER_CLASS)).to_have_count(0)
        expect(page.locator(".cp-register-line")).to_have_count(0)
    page.goto(app_server + "/admin")
    page.locator("#find-submit").click()
    expect(page.locator("#found-sessions .cp-register-session").first).to_be_visible()
    expect(page.locator(f"#found-sessions .cp-register-session[data-class='{OTHER_CLASS}']")).to_have_count(0)
    # Only her classes to choose from (the schedule's e2e test, in the same server, may have given her more).
    options = page.locator("#find-class option")
    expect(options.filter(has_text=MARTINAS_CLASS)).to_have_count(1)
    expect(options.filter(has_text=OTHER_CLASS)).to_have_count(0)


def test_the_office_opens_any_class_by_the_finder(app_server, smtp_server, page, viewport):
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.select_option("#find-class", label=OTHER_CLASS)
    page.locator("#find-submit").click()
    found = page.locator("#found-sessions .cp-register-session")
    expect(found.first).to_be_visible()
    expect(
        page.locator(f"#found-sessions .cp-register-session[data-class='{MARTINAS_CLASS}']")
    ).to_have_count(0)
    screenshot(page, f"console-finder-{viewport}")
    found.first.click()
    page.wait_for_url(re.compile(r"/admin/sessions/\d+/?$"))
    expect(page.locator("#register-class")).to_have_text(OTHER_CLASS)
    expect(page.locator(".cp-register-line[data-name='Adam Horvath']")).to_be_visible()
    _no_horizontal_scroll(page)
    screenshot(page, f"console-register-office-{viewport}")
