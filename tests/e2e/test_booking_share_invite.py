"""Anna shares Ema's swimming booking with grandma@example.com (may pay, not manage) from the booking page (a
1280 px desktop); Grandma (a 390 px phone) opens the invitation e-mail's link, logs in the normal way (her address
filled in), accepts, and sees only that booking and what is due on it (EUR 108.00), without the excuse button.
The provider cancels Ema's next session (the CLI): Anna, Peter and Grandma each get exactly one e-mail naming Ema,
the class and the local time, and Grandma's one-click unsubscribe link turns that kind off for her alone.
Anna revokes her; Grandma's open page loses the booking at her next step.

Runs before test_booking_shared_view.py and test_payments_flow.py (file order): the term fee is still unpaid."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _new_page, admin, login, screenshot

pytestmark = pytest.mark.e2e

GRANDMA = "grandma@example.com"


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _app_now(app_env) -> datetime:
    """The app's clock: it started at CLIENT_PROFILE_NOW under TEST_NOW (a few minutes ago at most, well inside
    the hour of margin below); the real time otherwise. This process keeps real time for the browser."""
    start = app_env.get("CLIENT_PROFILE_NOW")
    return datetime.fromisoformat(start) if start else datetime.now(UTC)


def _next_session(app_env, booking_id: int) -> tuple[int, str]:
    """The id and the local label ("Tue 8 Dec, 16:00") of the booking's next scheduled session."""
    from sqlalchemy import create_engine
    from sqlmodel import Session, select

    from client_profile import formatting as fmt
    from client_profile.models import Booking, ClassSession, SessionStatus
    from client_profile.models.base import as_utc

    engine = create_engine(app_env["REFLEX_DB_URL"])
    try:
        with Session(engine) as db:
            class_id = db.get(Booking, booking_id).class_id
            rows = db.exec(
                select(ClassSession)
                .where(ClassSession.class_id == class_id, ClassSession.status == SessionStatus.scheduled)
                .order_by(ClassSession.starts_at)
            ).all()
            upcoming = [r for r in rows if as_utc(r.starts_at) > _app_now(app_env) + timedelta(hours=1)]
            return upcoming[0].id, fmt.session_label(as_utc(upcoming[0].starts_at), "Europe/Bratislava")
    finally:
        engine.dispose()


def _preferences(app_env) -> list[tuple[str, str, bool]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(app_env["REFLEX_DB_URL"])
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT c.email, p.kind, p.enabled FROM notification_preference p "
                        "JOIN client c ON c.id = p.client_id ORDER BY c.email"
                    )
                )
            ]
    finally:
        engine.dispose()


def test_anna_shares_emas_booking_with_grandma_who_accepts_then_loses_it(
    app_env, app_server, smtp_server, browser
):
    box, _ = smtp_server
    anna_ctx, anna = _new_page(browser, "desktop")
    grandma_ctx, grandma = _new_page(browser, "phone")
    try:
        login(anna, app_server, smtp_server, "anna@example.com")
        anna.goto(app_server + "/bookings")
        anna.locator(".cp-booking-link", has_text="Swimming - Beginners").first.click()
        anna.wait_for_url(re.compile(r"/bookings/\d+/?$"))
        booking_url = anna.url
        expect(anna.locator("#sharing .cp-share[data-email='peter@example.com']")).to_be_visible()

        before = box.count()
        anna.click("#share-open")
        anna.fill("#share-email", GRANDMA)
        anna.fill("#share-name", "Grandma")
        anna.check("#share-can_pay")
        screenshot(anna, "share-dialog-desktop")
        anna.click("#share-submit")
        expect(anna.locator("#booking-message")).to_have_text(
            "Invitation sent to grandma@example.com. It is valid for 7 days."
        )
        row = anna.locator(".cp-share[data-email='grandma@example.com']")
        expect(row).to_have_attribute("data-status", "pending")
        expect(row).to_contain_text("May see the booking and get its messages, and pay its items")

        mail = box.wait_for(GRANDMA, before)
        assert mail["Subject"] == "Anna Novak shared Ema's booking with you"
        link = re.search(r"https?://\S+/invitation/\S+", _text(mail)).group(0)

        # Grandma: the link leads to the normal login with her address filled in, then to the invitation.
        grandma.goto(link)
        grandma.wait_for_url(re.compile(r"/login/?\?"))
        expect(grandma.locator("input[name=email]")).to_have_value(GRANDMA)
        before = box.count()
        grandma.click("button[type=submit]")
        grandma.wait_for_url(re.compile(r"/login/code"))
        grandma.fill("input[name=code]", box.wait_for_code(GRANDMA, before))
        grandma.click("button[type=submit]")
        grandma.wait_for_url(re.compile(r"/invitation/"))
        expect(grandma.locator("#invitation")).to_contain_text("Anna Novak shared Ema's booking with you")
        expect(grandma.locator("#invitation")).to_contain_text("pay its items")
        screenshot(grandma, "share-invitation-phone")
        grandma.click("#accept-invitation")
        grandma.wait_for_url(re.compile(r"/bookings/\d+/?$"))
        assert grandma.url.rstrip("/") == booking_url.rstrip("/")
        expect(grandma.locator("#next-sessions .cp-session").first).to_be_visible()
        expect(grandma.locator(".cp-excuse")).to_have_count(0)  # may pay, not manage
        expect(grandma.locator("#shared-with-me")).to_be_visible()
        expect(grandma.locator("#sharing")).to_have_count(0)

        grandma.goto(app_server + "/bookings")
        expect(grandma.locator(".cp-booking-link", has_text="Swimming - Beginners").first).to_be_visible()
        expect(grandma.get_by_text("Football Juniors")).to_have_count(0)  # Jakub's: not shared
        grandma.goto(app_server + "/payments")
        # Only Ema's term fee (EUR 120.00 less the family's 10% sibling discount), none of Jakub's items.
        expect(grandma.locator(".cp-unpaid")).to_have_count(1)
        fee = grandma.locator(".cp-unpaid", has_text="Autumn term fee")
        expect(fee).to_contain_text("EUR 108.00")
        expect(fee).to_contain_text("Full price EUR 120.00")
        expect(fee.locator(".cp-pay-check")).to_be_visible()  # she may pay it
        screenshot(grandma, "share-payments-phone")

        # The provider cancels Ema's next session: one e-mail each to Anna, Peter and Grandma (after the grace
        # period, NOTIFY_GRACE_SECONDS in the e2e environment), naming Ema, the class and the local time.
        session_id, when = _next_session(app_env, int(booking_url.rstrip("/").rsplit("/", 1)[1]))
        before = box.count()
        admin(app_env, "cancel-session", str(session_id), "--note", "Pool closed")
        people = ("anna@example.com", "peter@example.com", GRANDMA)
        mails = {who: box.wait_for(who, before, timeout=30) for who in people}
        for who, mail in mails.items():
            body = _text(mail)
            assert "Ema" in body and "Beginners - Tuesday 16:00" in body and when in body, (who, body)
        time.sleep(3)  # anything sent twice would have arrived by now
        subject = mails[GRANDMA]["Subject"]
        for who in people:
            same = [m for m in box.messages[before:] if who in str(m["To"]) and m["Subject"] == subject]
            assert len(same) == 1, (who, len(same))
        # Grandma's one-click unsubscribe (RFC 8058) turns off session changes for her, and for nobody else.
        assert mails[GRANDMA]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        grandma.goto(re.search(r"<(https?://[^>]+)>", mails[GRANDMA]["List-Unsubscribe"]).group(1))
        grandma.locator("#unsubscribe button").click()
        expect(grandma.get_by_role("status")).to_contain_text("You will no longer get e-mails about")
        assert _preferences(app_env) == [(GRANDMA, "session_changed", False)]

        # Anna sees the acceptance, then revokes; Grandma's open booking page loses it at her next step.
        expect(row).to_have_attribute("data-status", "active")  # the owner's page updates itself
        anna.locator("#share-history summary").click()
        expect(anna.locator("#share-history")).to_contain_text("Accepted grandma@example.com")
        screenshot(anna, "share-list-desktop")
        grandma.goto(booking_url)
        expect(grandma.locator("#next-sessions .cp-session").first).to_be_visible()
        row.locator(".cp-share-revoke").click()
        anna.locator(".cp-share-revoke-confirm").click()
        expect(anna.locator("#booking-message")).to_have_text("grandma@example.com no longer has access.")
        grandma.get_by_role("tab", name="Sessions").click()
        expect(grandma.locator("#not-found")).to_be_visible()
        screenshot(grandma, "share-revoked-phone")
        anna.set_viewport_size({"width": 390, "height": 844})  # the owner's list on a phone
        expect(anna.locator(".cp-share[data-email='peter@example.com'] .cp-share-revoke")).to_be_visible()
        screenshot(anna, "share-list-phone")
    finally:
        anna_ctx.close()
        grandma_ctx.close()
