"""Bank statements in the console, in Chromium: the office uploads a camt.053 statement that pays one of Anna's
unpaid charges, sees it matched next to money going out and a transfer with an unknown reference, confirms, and
the charge is paid (once: the same file uploaded again adds nothing). On a phone and a desktop.

Runs after test_payments_flow.py (file order), which pays Anna's demo items: each viewport adds an unpaid charge
of its own to the Novak family and pays it here, so the modules after this one find nothing left unpaid."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from client_profile.models import Charge, ChargeStatus, Family, Payment
from tests.e2e.conftest import app_today, screenshot, staff_login
from tests.statement_helpers import camt053

pytestmark = pytest.mark.e2e

REFERENCE = {"phone": "209900001", "desktop": "209900002"}


def _engine(app_env):
    return create_engine(app_env["REFLEX_DB_URL"])


def _new_charge(app_env, reference: str) -> int:
    engine = _engine(app_env)
    with Session(engine) as db:
        family = db.exec(select(Family).where(Family.name == "Novak")).one()
        charge = Charge(
            provider_id=family.provider_id,
            family_id=family.id,
            description=f"Pool party {reference}",
            amount_minor=4250,
            currency="EUR",
            reference=reference,
        )
        db.add(charge)
        db.commit()
        found = charge.id
    engine.dispose()
    return found


def _paid(app_env, charge_id: int) -> tuple[str, int]:
    engine = _engine(app_env)
    with Session(engine) as db:
        status = db.get(Charge, charge_id).status
        payments = len(db.exec(select(Payment).where(Payment.charge_id == charge_id)).all())
    engine.dispose()
    return status, payments


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_office_uploads_a_statement_and_settles_annas_charge_once(
    app_env, app_server, smtp_server, page, viewport, tmp_path
):
    reference = REFERENCE[viewport]
    charge_id = _new_charge(app_env, reference)
    day = app_today() - timedelta(days=1)
    statement = tmp_path / f"statement-{viewport}.xml"
    statement.write_bytes(
        camt053(
            (f"E2E-{viewport}-1", "42.50", reference, "CRDT", day, "Anna Novak"),
            (f"E2E-{viewport}-2", "120.00", "", "DBIT", day, "City pool s.r.o."),
            (f"E2E-{viewport}-3", "15.00", "777", "CRDT", day, "Somebody Else"),
        )
    )

    staff_login(page, app_server, smtp_server, "office@example.com")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Money").click()
    page.get_by_role("link", name="Bank statements").click()
    page.wait_for_url(re.compile(r"/admin/money/statements$"))
    page.get_by_label("Statement file").set_input_files(str(statement))
    page.get_by_role("button", name="Upload and match").click()
    page.wait_for_url(re.compile(r"/admin/money/statements/\d+$"))
    statement_url = page.url

    lines = page.locator(".cp-statement-line")
    expect(lines).to_have_count(3)
    matched = lines.nth(0)
    expect(matched).to_contain_text("EUR 42.50")
    expect(matched).to_contain_text("Matched")
    expect(matched).to_contain_text(f"Pool party {reference}")
    expect(lines.nth(1)).to_contain_text("Outgoing")
    expect(lines.nth(2)).to_contain_text("Unknown reference")
    expect(lines.nth(2).get_by_text("Pay a charge with this transfer")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, f"console-statement-{viewport}")

    page.get_by_role("button", name="Settle 1 matched payment").click()
    expect(page.get_by_role("status")).to_contain_text("1 payment settled.")
    expect(matched).to_contain_text("Settled")
    expect(matched.get_by_role("link", name="Open the charge")).to_be_visible()
    expect(lines.nth(2)).to_contain_text("Unknown reference")  # unmatched lines stay listed
    assert _paid(app_env, charge_id) == (ChargeStatus.paid, 1)
    _no_sideways_scroll(page)
    screenshot(page, f"console-statement-settled-{viewport}")

    # The same file again: nothing new, the page says so, and nothing is paid twice.
    page.goto(app_server + "/admin/money/statements")
    page.get_by_label("Statement file").set_input_files(str(statement))
    page.get_by_role("button", name="Upload and match").click()
    page.wait_for_url(re.compile(r"/admin/money/statements/\d+\?again=1$"))
    assert page.url.split("?")[0] == statement_url
    expect(page.get_by_text("This file was uploaded before")).to_be_visible()
    expect(page.get_by_role("button", name="Settle 1 matched payment")).to_have_count(0)
    assert _paid(app_env, charge_id) == (ChargeStatus.paid, 1)
    page.goto(app_server + "/admin/money/statements")
    expect(page.locator(".cp-statement-row").first).to_contain_text("1 of 3 settled")
    _no_sideways_scroll(page)
    screenshot(page, f"console-statements-list-{viewport}")
