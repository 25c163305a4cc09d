"""`client-profile demo --reset` after the console and the API were used: every row they made goes with the demo
provider, and the rebuilt demo is the same as a fresh one (the browser tests reset between modules)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from client_profile.models import Client, NotificationPreference, Payment, WhatsAppConsent
from client_profile.services.demo import load_demo
from client_profile.services.integrations import api_keys, webhooks
from client_profile.services.money import console_payments as cp
from client_profile.services.money import statements
from client_profile.services.notifications import templates
from tests.statement_helpers import a_day, camt053, euros, staff_of, unpaid_of


def _counts(db) -> dict[str, int]:
    return {
        t.name: db.execute(select(func.count()).select_from(t)).scalar_one()
        for t in SQLModel.metadata.sorted_tables
    }


def test_a_reset_after_the_console_and_the_api_were_used_gives_the_fresh_demo(demo):
    fresh = _counts(demo)
    office = staff_of(demo)
    charge, other = unpaid_of(demo, "Novak")[:2]
    cp.record_payment(demo, office, charge.id, "cash", a_day().isoformat())
    demo.commit()
    payment = demo.exec(select(Payment).where(Payment.charge_id == charge.id)).scalars().one()
    demo.commit()  # the refund opens its own transactions
    cp.refund_payment(office, payment.id, "1.00", "Goodwill", gateway=None)  # a refund and its credit note
    statements.import_statement(
        demo,
        office,
        "s.xml",
        camt053(("R-1", euros(other.amount_minor), other.reference, "CRDT", a_day(), "Anna")),
    )
    templates.save_template(demo, office, "session_cancelled", "Closed: *|CLASS|*", "See *|PROFILE_URL|*", 0)
    api_keys.create_key(demo, office, "Accounting", write=True)
    webhooks.create_endpoint(demo, office, "https://hooks.example/cp", ["booking"])
    anna = demo.exec(select(Client).where(Client.email == "anna@example.com")).scalars().one()
    demo.add(NotificationPreference(client_id=anna.id, kind="makeup_earned", enabled=False))
    demo.add(WhatsAppConsent(client_id=anna.id, phone="+421900000000", text="Yes"))
    demo.commit()
    used = _counts(demo)
    assert all(used[t] > fresh[t] for t in ("refund", "bank_statement", "message_template", "api_key"))

    load_demo(demo, reset=True)
    demo.commit()
    assert _counts(demo) == fresh
