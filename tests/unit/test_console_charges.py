"""Charges, discounts and orders in the console (services.money.charges): discounts applied and frozen on a new
fee (the client's /payments and the invoice show the saving), edits and cancellations of unpaid charges only,
orders with their charge and entry pass, the provider's list with its filters (overdue by the provider's local
date), the CSV export (formula-safe), rights and foreign ids, and exactly-once under concurrency."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
import time_machine
from sqlmodel import Session, func, select

from client_profile import formatting as fmt
from client_profile.db import get_engine, unit_of_work
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeDiscount,
    ChargeStatus,
    Client,
    Discount,
    EntryPass,
    Family,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Provider,
    utcnow,
)
from client_profile.models.staff import AuditEntry, StaffMember
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound, StaleEdit
from client_profile.services.home import home_view
from client_profile.services.money import billing, charges, payments
from client_profile.services.people.identity import Principal, StaffPrincipal
from client_profile.services.providers import current_provider

TZ = "Europe/Bratislava"


def staff_principal(db, email: str = "office@example.com") -> StaffPrincipal:
    m = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    return StaffPrincipal(m.id, m.provider_id, 1, m.email, m.full_name, m.role.value)


def anna(db) -> Principal:
    c = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    return Principal(c.id, c.provider_id, c.family_id, 1, c.email, c.full_name)


def family(db, name: str) -> Family:
    return db.exec(select(Family).where(Family.name == name)).one()


def attendee(db, first: str) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == first)).first()


def audits(db, action: str) -> int:
    return db.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)).one()


def other_family(db) -> Family:
    """A family of another provider (its ids must look like missing ones)."""
    other = Provider(slug="sharks", name="Sharks", currency="EUR", timezone=TZ)
    db.add(other)
    db.flush()
    fam = Family(provider_id=other.id, name="Shark")
    db.add(fam)
    db.commit()
    return fam


def local_today(db) -> date:
    return fmt.local(utcnow(), current_provider(db).timezone).date()


# ------------------------------------------------------------------------------------------------ charges


def test_a_one_off_fee_for_ema_gets_the_family_discount_frozen_and_anna_sees_the_saving(demo):
    db, office = demo, staff_principal(demo)
    novak, ema = family(db, "Novak"), attendee(db, "Ema")
    charge = charges.create_charge(
        db,
        office,
        novak.id,
        kind="one_off",
        attendee_id=str(ema.id),
        description="Swim gala entry",
        amount="50.00",
        due_on="",
    )
    db.commit()
    assert charge.amount_minor == 4500 and charge.attendee_id == ema.id and charge.booking_id is None
    assert charge.due_on == local_today(db) + timedelta(days=charges.DUE_DAYS)
    frozen = db.exec(select(ChargeDiscount).where(ChargeDiscount.charge_id == charge.id)).all()
    assert [(f.name, f.saving_minor) for f in frozen] == [("Sibling discount 10%", 500)]
    assert audits(db, "charge.create") == 1
    view = payments.payments_view(db, anna(db), current_provider(db), gateway=None)
    item = next(i for i in view.unpaid if i.charge_id == charge.id)
    assert item.attendee == "Ema" and item.amount == "EUR 45.00"
    assert item.discount_parts == (("Full price", "EUR 50.00"), ("Sibling discount 10%", "-EUR 5.00"))
    home = home_view(db, anna(db), current_provider(db))
    assert any(u.attendee == "Ema" and u.description == "Swim gala entry" for u in home.unpaid)

    # The discount deleted later: the fee keeps what it saved.
    discount = db.exec(select(Discount).where(Discount.name == "Sibling discount 10%")).one()
    charges.delete_discount(db, office, discount.id)
    db.commit()
    db.expire_all()
    assert db.get(Charge, charge.id).amount_minor == 4500
    kept = db.exec(select(ChargeDiscount).where(ChargeDiscount.charge_id == charge.id)).one()
    assert kept.saving_minor == 500 and kept.discount_id is None

    # Paid: the invoice shows the full price and the discount as its own line.
    payment = Payment(
        provider_id=charge.provider_id,
        charge_id=charge.id,
        method=PaymentMethod.cash,
        status=PaymentStatus.succeeded,
        amount_minor=4500,
        succeeded_at=utcnow(),
    )
    db.add(payment)
    db.flush()
    assert payments.mark_charge_paid(db, charge, utcnow())
    billing.issue_documents(db, current_provider(db), charge, payment, issue_invoice=True)
    db.commit()
    invoice = db.exec(
        select(Invoice).where(Invoice.charge_id == charge.id, Invoice.kind == InvoiceKind.invoice)
    ).one()
    lines = [(line["description"], line["gross"]) for line in invoice.content["lines"]]
    assert lines == [("Swim gala entry (Ema Novak)", 5000), ("Sibling discount 10%", -500)]
    assert invoice.total_minor == 4500


def test_a_term_fee_for_a_booking_names_itself_and_a_family_fee_gets_only_family_discounts(demo):
    db, office = demo, staff_principal(demo)
    novak, ema = family(db, "Novak"), attendee(db, "Ema")
    booking = db.exec(select(Booking).where(Booking.attendee_id == ema.id)).first()
    db.add(
        Discount(
            provider_id=novak.provider_id, family_id=novak.id, attendee_id=ema.id, name="Ema 5%", percent=5
        )
    )
    db.commit()
    fee = charges.create_charge(
        db, office, novak.id, kind="term", booking_id=str(booking.id), amount="100.00", vat_rate="23"
    )
    assert fee.description.endswith(" - term fee") and fee.booking_id == booking.id
    assert fee.vat_rate_bp == 2300 and fee.amount_minor == 10000 - 1000 - 500  # family 10 % and Ema's 5 %
    whole = charges.create_charge(db, office, novak.id, description="Club t-shirt", amount="20.00")
    assert whole.attendee_id is None and whole.amount_minor == 1800  # Ema's own discount is not the family's
    db.commit()
    # The family's page: what is due first, then the history.
    statuses = [r.status for r in charges.family_money(db, office, novak.id).charges]
    due = [s in ("unpaid", "overdue") for s in statuses]
    assert due == sorted(due, reverse=True) and "paid" in statuses
    assert {r.description for r in charges.family_money(db, office, novak.id).charges} >= {
        fee.description,
        "Club t-shirt",
    }


def test_bad_input_names_the_fields_and_writes_nothing(demo):
    db, office = demo, staff_principal(demo)
    novak = family(db, "Novak")
    before = db.exec(select(func.count()).select_from(Charge)).one()
    with pytest.raises(FieldErrors) as refused:
        charges.create_charge(
            db,
            office,
            novak.id,
            kind="weekly",
            description="",
            amount="-5",
            due_on="tomorrow",
            vat_rate="200",
        )
    assert set(refused.value.fields) == {"kind", "description", "amount", "due_on", "vat_rate"}
    db.rollback()
    assert db.exec(select(func.count()).select_from(Charge)).one() == before


def test_foreign_and_junk_ids_are_not_found_and_an_instructor_is_refused(demo):
    db, office = demo, staff_principal(demo)
    shark = other_family(db)
    carter, ema = family(db, "Carter"), attendee(db, "Ema")
    lily_booking = db.exec(
        select(Booking)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendee.first_name == "Lily")
    ).first()
    for call in (
        lambda: charges.create_charge(db, office, shark.id, description="x", amount="1.00"),
        lambda: charges.create_charge(db, office, "1 OR 1=1", description="x", amount="1.00"),
        lambda: charges.create_charge(
            db, office, carter.id, attendee_id=str(ema.id), description="x", amount="1"
        ),
        lambda: charges.create_charge(
            db, office, family(db, "Novak").id, booking_id=str(lily_booking.id), description="x", amount="1"
        ),
        lambda: charges.family_money(db, office, shark.id),
        lambda: charges.create_discount(db, office, shark.id, name="x", kind="percent", value="5"),
        lambda: charges.cancel_charge(db, office, 2**40, 0, "x"),
        lambda: charges.end_discount(db, office, None),
    ):
        with pytest.raises(NotFound):
            call()
        db.rollback()
    martina = staff_principal(db, "martina@example.com")
    with pytest.raises(Forbidden):
        charges.family_money(db, martina, carter.id)
    with pytest.raises(Forbidden):
        charges.list_charges(db, martina)


def test_edit_and_cancel_only_an_unpaid_charge_with_its_version(demo):
    db, office = demo, staff_principal(demo)
    novak = family(db, "Novak")
    charge = charges.create_charge(db, office, novak.id, description="Trip", amount="30.00")
    db.commit()
    charges.update_charge(db, office, charge.id, 0, description="Trip to Vienna", due_on="2027-01-15")
    db.commit()
    assert (charge.description, charge.due_on, charge.version) == ("Trip to Vienna", date(2027, 1, 15), 1)
    with pytest.raises(StaleEdit):
        charges.update_charge(db, office, charge.id, 0, description="Again", due_on="2027-01-16")
    db.rollback()
    with pytest.raises(FieldErrors) as refused:
        charges.cancel_charge(db, office, charge.id, 1, "  ")
    assert set(refused.value.fields) == {"reason"}
    charges.cancel_charge(db, office, charge.id, 1, "Trip called off")
    db.commit()
    db.expire_all()
    charge = db.get(Charge, charge.id)
    assert charge.status == ChargeStatus.cancelled and charge.cancel_reason == "Trip called off"
    assert audits(db, "charge.cancel") == 1
    with pytest.raises(DomainError, match="cancelled"):
        charges.cancel_charge(db, office, charge.id, charge.version, "Twice")
    db.rollback()
    # A paid charge is a refund's business.
    paid = db.exec(select(Charge).where(Charge.status == ChargeStatus.paid)).first()
    for call in (
        lambda: charges.cancel_charge(db, office, paid.id, paid.version, "No"),
        lambda: charges.update_charge(
            db, office, paid.id, paid.version, description="No", due_on="2027-01-01"
        ),
    ):
        with pytest.raises(DomainError, match="paid"):
            call()
        db.rollback()
    # The client no longer sees the cancelled one.
    view = payments.payments_view(db, anna(db), current_provider(db), gateway=None)
    assert charge.id not in {i.charge_id for i in view.unpaid + view.paid}


# ------------------------------------------------------------------------------------------------ discounts


def test_discounts_created_ended_and_deleted(demo):
    db, office = demo, staff_principal(demo)
    carter = family(db, "Carter")
    lily = attendee(db, "Lily")
    today = local_today(db)
    with pytest.raises(FieldErrors) as refused:
        charges.create_discount(
            db, office, carter.id, name="", kind="percent", value="150", valid_until="2000-01-01"
        )
    assert set(refused.value.fields) == {"name", "value", "valid_until"}
    db.rollback()
    d = charges.create_discount(
        db,
        office,
        carter.id,
        attendee_id=str(lily.id),
        name="Lily loyalty",
        kind="amount",
        value="5.00",
        valid_until=(today + timedelta(days=30)).isoformat(),
    )
    db.commit()
    assert d.amount_minor == 500 and d.attendee_id == lily.id
    assert fmt.local(d.valid_until, TZ).date() == today + timedelta(days=30)  # that day included
    fee = charges.create_charge(
        db, office, carter.id, attendee_id=str(lily.id), description="Gala", amount="20"
    )
    assert fee.amount_minor == 1500
    money = charges.family_money(db, office, carter.id)
    assert [(r.name, r.who, r.value, r.state) for r in money.discounts] == [
        ("Lily loyalty", "Lily Carter", "EUR 5.00", "active")
    ]
    charges.end_discount(db, office, d.id)
    db.commit()
    with pytest.raises(DomainError, match="already ended"):
        charges.end_discount(db, office, d.id)
    db.rollback()
    later = charges.create_charge(
        db, office, carter.id, attendee_id=str(lily.id), description="Gala 2", amount="20"
    )
    assert later.amount_minor == 2000
    charges.delete_discount(db, office, d.id)
    db.commit()
    with pytest.raises(NotFound):
        charges.delete_discount(db, office, d.id)
    assert audits(db, "discount.create") == audits(db, "discount.end") == audits(db, "discount.delete") == 1


# ------------------------------------------------------------------------------------------------ orders


def test_an_order_with_a_pass_gets_its_charge_and_cancelling_it_removes_the_pass(demo):
    db, office = demo, staff_principal(demo)
    carter = family(db, "Carter")
    until = (local_today(db) + timedelta(days=90)).isoformat()
    with pytest.raises(FieldErrors) as refused:
        charges.create_order(
            db, office, carter.id, [{"kind": "entry_pass", "description": "Pass", "price": "9"}]
        )
    assert set(refused.value.fields) == {"item1_entries", "item1_valid_until"}
    db.rollback()
    order = charges.create_order(
        db,
        office,
        carter.id,
        [
            {
                "kind": "entry_pass",
                "description": "Open Swim 10 entries",
                "quantity": "1",
                "price": "90.00",
                "entries": "10",
                "valid_until": until,
            },
            {"kind": "product", "description": "Swim cap", "quantity": "2", "price": "8.00"},
            {"kind": "service", "description": "", "quantity": "1", "price": ""},  # an empty line: skipped
        ],
    )
    db.commit()
    charge = db.exec(select(Charge).where(Charge.order_id == order.id)).one()
    assert order.total_minor == charge.amount_minor == 10600 and order.number.startswith("O-")
    assert charge.description == "Open Swim 10 entries + Swim cap"
    assert not db.exec(select(ChargeDiscount).where(ChargeDiscount.charge_id == charge.id)).all()
    the_pass = db.exec(select(EntryPass).where(EntryPass.family_id == carter.id)).one()
    assert the_pass.entries_total == 10
    charges.cancel_order(db, office, order.id, charge.version, "Bought by mistake")
    db.commit()
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.cancelled
    assert db.get(Charge, charge.id).status == ChargeStatus.cancelled
    assert db.exec(select(EntryPass).where(EntryPass.family_id == carter.id)).all() == []
    assert audits(db, "order.create") == audits(db, "order.cancel") == 1


# ------------------------------------------------------------------------------------------------ the list


def test_overdue_is_by_the_providers_local_date():
    """At 23:30 UTC on 3 Dec it is already 4 Dec in Bratislava: a charge due on 3 Dec is overdue there."""
    with time_machine.travel(datetime(2026, 12, 3, 23, 30, tzinfo=UTC), tick=False):
        from client_profile.services.demo import load_demo

        with Session(get_engine(), expire_on_commit=False) as db:
            load_demo(db)
            db.commit()
            office = staff_principal(db)
            novak = family(db, "Novak")
            due_3 = charges.create_charge(
                db, office, novak.id, description="Due 3 Dec", amount="10", due_on="2026-12-03"
            )
            due_4 = charges.create_charge(
                db, office, novak.id, description="Due 4 Dec", amount="10", due_on="2026-12-04"
            )
            db.commit()
            overdue = charges.list_charges(db, office, charges.parse_filters("overdue"))
            ids = {r.id for r in overdue.rows}
            assert due_3.id in ids and due_4.id not in ids
            unpaid = {
                r.id: r.status for r in charges.list_charges(db, office, charges.parse_filters("unpaid")).rows
            }
            assert unpaid[due_3.id] == "overdue" and unpaid[due_4.id] == "unpaid"


def test_filters_by_status_family_and_due_dates(demo, clean_db):
    db, office = demo, staff_principal(demo)
    everything = charges.list_charges(db, office)
    assert everything.count == db.exec(select(func.count()).select_from(Charge)).one()
    paid = charges.list_charges(db, office, charges.parse_filters("paid"))
    assert paid.rows and {r.status for r in paid.rows} == {"paid"}
    carters = charges.list_charges(db, office, charges.parse_filters("", "cart"))
    assert carters.rows and {r.family for r in carters.rows} == {"Carter"}
    day = local_today(db)
    window = charges.list_charges(
        db, office, charges.parse_filters("", "", day.isoformat(), (day + timedelta(days=30)).isoformat())
    )
    assert all(day.isoformat() <= r.due_iso <= (day + timedelta(days=30)).isoformat() for r in window.rows)
    with pytest.raises(FieldErrors) as refused:
        charges.parse_filters("owing", "", "soon", "2026-01-01")
    assert set(refused.value.fields) == {"status", "due_from"}
    with pytest.raises(FieldErrors):
        charges.parse_filters("", "", "2026-02-01", "2026-01-01")


def test_the_export_is_formula_safe(demo):
    db, office = demo, staff_principal(demo)
    novak = family(db, "Novak")
    novak.name = '=HYPERLINK("http://evil")'
    db.add(novak)
    db.commit()
    charges.create_charge(db, office, novak.id, description="+cmd|' /C calc'!A0", amount="10")
    charges.create_charge(db, office, novak.id, description="@SUM(1)", amount="10")
    db.commit()
    text = charges.export_csv(db, office, charges.parse_filters("unpaid"))
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == charges.CSV_HEADER
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert '\'=HYPERLINK("http://evil")' in cells and "'+cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells
    assert {row[9] for row in rows[1:]} <= {"unpaid", "overdue"}
    assert charges.safe_cell("-5") == "'-5" and charges.safe_cell("5") == "5"


# ------------------------------------------------------------------------------------------------ exactly once


def test_concurrent_charges_get_distinct_references_and_one_cancel_wins(demo):
    office = staff_principal(demo)
    novak_id = family(demo, "Novak").id
    demo.commit()
    workers = 6
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    made: list[int] = []

    def create(n: int) -> None:
        try:
            barrier.wait()

            def work(db):
                made.append(
                    charges.create_charge(db, office, novak_id, description=f"Race {n}", amount="10").id
                )
                return "ok"

            payments._with_retries(partial(unit_of_work, immediate=True), work)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with Session(get_engine()) as db:
        refs = db.exec(select(Charge.reference).where(Charge.description.like("Race %"))).all()
        assert len(refs) == len(set(refs)) == workers

    # Orders made at once get distinct numbers and references too.
    barrier = threading.Barrier(3)

    def order(n: int) -> None:
        try:
            barrier.wait()

            def work(db):
                line = {"kind": "product", "description": f"Race cap {n}", "quantity": "1", "price": "8"}
                charges.create_order(db, office, novak_id, [line])
                return "ok"

            payments._with_retries(partial(unit_of_work, immediate=True), work)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=order, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with Session(get_engine()) as db:
        numbers = db.exec(select(Order.number)).all()
        assert len(numbers) == len(set(numbers))
        refs = db.exec(select(Charge.reference)).all()
        assert len(refs) == len(set(refs))

    target = made[0]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def cancel() -> None:
        barrier.wait()
        try:
            with unit_of_work(immediate=True) as db:
                charges.cancel_charge(db, office, target, 0, "Race")
            outcomes.append("cancelled")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The other is refused: it saw the charge cancelled, or (PostgreSQL) its version claimed meanwhile.
    assert sorted(outcomes)[1] == "cancelled" and sorted(outcomes)[0] in ("DomainError", "StaleEdit")
    with Session(get_engine()) as db:
        assert (
            db.exec(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "charge.cancel", AuditEntry.entity_id == target)
            ).one()
            == 1
        )
