"""/admin/messages in Chromium: the owner puts *|PROFILE_URL|* into the session-cancelled e-mail's text (the
preview follows as they type), then writes to the families of Ema's swimming class; the e-mail arrives in the
SMTP sink with the profile link (the login page with the address filled in), and the sent list shows its
delivery per recipient."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, staff_login

pytestmark = pytest.mark.e2e

EMAS_CLASS = "Swimming - Beginners (Beginners - Tuesday 16:00): all families"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_owner_edits_a_text_and_writes_to_emas_class(app_server, smtp_server, page, viewport):
    box, _ = smtp_server
    staff_login(page, app_server, smtp_server, "office@example.com")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Messages").click()
    page.wait_for_url(re.compile(r"/admin/messages$"))
    # Every kind the app sends is listed; payment receipts are sent since the notifications landed.
    payment_row = page.locator(".cp-template-row", has_text="Payment received")
    expect(payment_row).to_contain_text("built-in text")
    expect(payment_row).not_to_contain_text("not sent yet")
    _no_sideways_scroll(page)
    screenshot(page, f"console-messages-{viewport}")

    # The session-cancelled text, with the profile link; the preview shows it with sample values.
    page.locator(".cp-template-row", has_text="Session cancelled").get_by_role("button").click()
    editor = page.locator(".cp-template-editor")
    expect(editor.get_by_role("heading", name="Session cancelled")).to_be_visible()
    editor.locator("#template-body").fill(
        "Hello *|FIRST_NAME|*,\n\n*|CLASS|* on *|SESSION_TIME|* is cancelled. *|NOTE|*\n\n"
        f"Your profile ({viewport}): *|PROFILE_URL|*"
    )
    expect(editor.locator(".cp-preview")).to_contain_text(f"Your profile ({viewport}): http")
    expect(editor.locator(".cp-preview")).to_contain_text("/login?email=anna%40example.com")
    _no_sideways_scroll(page)
    screenshot(page, f"console-messages-editor-{viewport}")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_contain_text("now uses your text")
    editor.get_by_role("button", name="Back to the list").click()
    expect(page.locator(".cp-template-row", has_text="Session cancelled")).to_contain_text("your text")

    # A message to the families of Ema's swimming class.
    form = page.locator("form", has=page.locator("#message-target"))
    form.locator("#message-target").select_option(label=EMAS_CLASS)
    expect(form.locator(".cp-audience")).to_contain_text("anna@example.com")
    subject = f"Pool closed today ({viewport})"
    form.locator("#message-subject").fill(subject)
    form.locator("#message-body").fill("Dear *|FIRST_NAME|*, no swimming for *|ATTENDEE|*. *|PROFILE_URL|*")
    expect(form.locator(".cp-preview")).to_contain_text("Dear Anna, no swimming for Ema.")
    before = box.count()
    form.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile(r"Queued for \d+ recipient"))).to_be_visible()

    deadline_msg = None
    for _ in range(3):
        msg = box.wait_for("anna@example.com", before, timeout=30)
        if msg["Subject"] == subject:
            deadline_msg = msg
            break
        before = box.messages.index(msg) + 1
    assert deadline_msg is not None
    text = deadline_msg.get_body(preferencelist=("plain",)).get_content()
    link = f"{app_server}/login?email=anna%40example.com"
    assert f"Dear Anna, no swimming for Ema. {link}" in text
    html = deadline_msg.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link}"' in html

    # The sent list shows each recipient's delivery; the link opens the login page with the address in it.
    page.reload()
    sent = page.locator(".cp-sent-message", has_text=subject)
    sent.get_by_text("Recipients").click()
    expect(sent.locator(".cp-delivery", has_text="anna@example.com")).to_contain_text("sent")
    _no_sideways_scroll(page)
    screenshot(page, f"console-messages-sent-{viewport}")
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("input[name=email]")).to_have_value("anna@example.com")
