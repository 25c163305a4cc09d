"""services.demo.load_demo: every fixed fact of the demo, idempotency and reset.

The facts are checked by ``check_*(db, now)`` functions, for the demo as loaded at ``now``; the tests here run
them at noon of fixed days, tests/unit/test_demo_instants.py at every weekday and hour that matters."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import SQLModel, func, select

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingShare,
    BookingStatus,
    Charge,
    ChargeDiscount,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    Client,
    CreditEntry,
    CreditKind,
    Discount,
    EntryPass,
    EntryPassEntry,
    Family,
    Invoice,
    InvoiceKind,
    MakeupCredit,
    MakeupCreditStatus,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Programme,
    Provider,
    as_utc,
)
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError

TZ = ZoneInfo("Europe/Bratislava")
TODAY = date(2026, 11, 26)  # a Thursday
# A Tuesday across the end of summer time (25 Oct 2026), and a leap day.
OTHER_DAYS = [date(2026, 10, 20), date(2028, 2, 29), date(2027, 1, 2)]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _counts(db) -> dict[str, int]:
    tables = SQLModel.metadata.sorted_tables
    return {t.name: db.exec(select(func.count()).select_from(t)).one() for t in tables}


def _client(db, email) -> Client:
    return db.exec(select(Client).where(Client.email == email)).one()


def _attendees(db, family_id) -> dict[str, Attendee]:
    return {a.first_name: a for a in db.exec(select(Attendee).where(Attendee.family_id == family_id))}


def _bookings(db, attendee) -> dict[str, tuple[Booking, ClassGroup, Programme]]:
    rows = db.exec(
        select(Booking, ClassGroup, Programme)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Booking.attendee_id == attendee.id)
    ).all()
    return {p.name: (b, c, p) for b, c, p in rows}


def _attendance(db, booking) -> list[tuple[Attendance, ClassSession]]:
    return db.exec(
        select(Attendance, ClassSession)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(Attendance.booking_id == booking.id)
        .order_by(ClassSession.starts_at)
    ).all()


def _local(dt: datetime) -> datetime:
    return as_utc(dt).astimezone(TZ)


def _now(today: date) -> datetime:
    return datetime.combine(today, time(12), tzinfo=TZ)


def _today(now: datetime) -> date:
    return now.astimezone(TZ).date()


@pytest.fixture
def demo(db):
    summary = load_demo(db, today=TODAY)
    db.commit()
    return summary


def test_provider_settings(db, demo):
    check_provider_settings(db, demo)


def check_provider_settings(db, demo):
    p = db.exec(select(Provider)).one()
    assert (demo.provider_id, demo.provider_slug, demo.created) == (p.id, "little-otters", True)
    assert p.slug == "little-otters" and p.name == "Little Otters Swim & Sport"
    assert (p.currency, p.timezone, p.language) == ("EUR", "Europe/Bratislava", "en")
    assert p.makeups_enabled and p.online_payment_enabled and p.invoicing_enabled
    assert p.bank_account_name and p.bank_bic and p.bank_reference_hint
    assert p.bank_iban.replace(" ", "").startswith("SK") and len(p.bank_iban.replace(" ", "")) == 24
    assert "@" in p.contact_email and p.brand_color.startswith("#")
    assert [login.email for login in demo.logins] == [
        "anna@example.com",
        "ben@example.com",
        "peter@example.com",
    ]


def test_families_clients_and_ages(db, demo):
    check_families_clients_and_ages(db, _now(TODAY))


def check_families_clients_and_ages(db, now):
    today = _today(now)
    anna, ben, peter = (_client(db, e) for e in ("anna@example.com", "ben@example.com", "peter@example.com"))
    assert (anna.full_name, ben.full_name, peter.full_name) == ("Anna Novak", "Ben Carter", "Peter Novak")
    assert db.get(Family, anna.family_id).name == "Novak"
    assert db.get(Family, ben.family_id).name == "Carter"
    assert peter.family_id is None
    assert db.exec(select(func.count()).select_from(Client)).one() == 3
    novak = _attendees(db, anna.family_id)
    carter = _attendees(db, ben.family_id)
    assert set(novak) == {"Ema", "Jakub"} and set(carter) == {"Lily"}
    assert _age(novak["Ema"].birth_date, today) == 7
    assert _age(novak["Jakub"].birth_date, today) == 10
    assert _age(carter["Lily"].birth_date, today) == 8


def test_ema_swimming_booking_sessions_and_makeup_credit(db, demo):
    check_ema_swimming_booking_sessions_and_makeup_credit(db, _now(TODAY))


def check_ema_swimming_booking_sessions_and_makeup_credit(db, now):
    today = _today(now)
    ema = _attendees(db, _client(db, "anna@example.com").family_id)["Ema"]
    bookings = _bookings(db, ema)
    assert set(bookings) == {"Swimming - Beginners"}
    booking, group, _ = bookings["Swimming - Beginners"]
    assert booking.status == BookingStatus.active
    assert (group.weekday, group.start_time, group.capacity) == (1, time(16, 0), 8)
    assert group.venue and group.instructor and not group.is_online

    rows = _attendance(db, booking)
    past = [(a, s) for a, s in rows if as_utc(s.starts_at) < now]
    upcoming = [(a, s) for a, s in rows if as_utc(s.starts_at) > now]
    assert len(past) + len(upcoming) == len(rows)
    assert Counter(a.state for a, _ in past) == {
        AttendanceState.attended: 3,
        AttendanceState.cancelled: 1,
        AttendanceState.missed: 1,
    }
    assert len(upcoming) == 8 and all(a.state == AttendanceState.scheduled for a, _ in upcoming)
    for _, s in rows:  # Tuesdays at 16:00 Bratislava time, stored as aware UTC
        local = _local(s.starts_at)
        assert (local.weekday(), local.time()) == (1, time(16, 0))
        assert as_utc(s.ends_at) > as_utc(s.starts_at)
    starts = [_local(s.starts_at).date() for _, s in upcoming]
    # The next session is within a week (today's counts when it has not started yet).
    assert starts[0] >= today and starts[0] - today <= timedelta(days=7)
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))

    credits = db.exec(select(MakeupCredit)).all()
    assert len(credits) == 1
    credit = credits[0]
    cancelled = next(a for a, _ in past if a.state == AttendanceState.cancelled)
    assert credit.status == MakeupCreditStatus.open
    assert (credit.source_attendance_id, credit.attendee_id, credit.booking_id) == (
        cancelled.id,
        ema.id,
        booking.id,
    )
    assert as_utc(credit.expires_at) - as_utc(credit.earned_at) == timedelta(days=90)
    assert as_utc(credit.expires_at) > now


def test_ema_unpaid_term_fee_and_share_with_peter(db, demo):
    check_ema_unpaid_term_fee_and_share_with_peter(db, _now(TODAY))


def check_ema_unpaid_term_fee_and_share_with_peter(db, now):
    anna = _client(db, "anna@example.com")
    ema = _attendees(db, anna.family_id)["Ema"]
    booking = _bookings(db, ema)["Swimming - Beginners"][0]
    charge = db.exec(select(Charge).where(Charge.booking_id == booking.id)).one()
    # EUR 120.00 less the sibling discount (10 %), frozen on the fee.
    assert (charge.description, charge.amount_minor, charge.currency) == ("Autumn term fee", 10800, "EUR")
    assert [
        (d.name, d.percent, d.saving_minor)
        for d in db.exec(select(ChargeDiscount).where(ChargeDiscount.charge_id == charge.id))
    ] == [("Sibling discount 10%", 10, 1200)]
    assert charge.status == ChargeStatus.unpaid and charge.due_on == _today(now) + timedelta(days=7)
    assert charge.family_id == anna.family_id
    assert db.exec(select(Payment).where(Payment.charge_id == charge.id)).all() == []

    peter = _client(db, "peter@example.com")
    shares = db.exec(select(BookingShare)).all()
    assert len(shares) == 1
    share = shares[0]
    assert (share.booking_id, share.grantee_email) == (booking.id, "peter@example.com")
    assert share.grantee_client_id == peter.id
    assert (share.notify, share.can_pay, share.can_manage, share.revoked_at) == (True, False, False, None)


def _paid(db, charge: Charge) -> bool:
    payments = db.exec(select(Payment).where(Payment.charge_id == charge.id)).all()
    invoices = db.exec(
        select(Invoice).where(Invoice.charge_id == charge.id, Invoice.kind == InvoiceKind.invoice)
    ).all()
    receipts = db.exec(
        select(Invoice).where(Invoice.charge_id == charge.id, Invoice.kind == InvoiceKind.receipt)
    ).all()
    return (
        charge.status == ChargeStatus.paid
        and charge.paid_at is not None
        and sum(p.amount_minor for p in payments if p.status == PaymentStatus.succeeded)
        == charge.amount_minor
        and (
            len(invoices) == 1
            and invoices[0].total_minor == charge.amount_minor
            or not invoices
            and charge.description == "Credit top-up"
        )  # credit is invoiced when used
        and sorted(r.payment_id for r in receipts) == sorted(p.id for p in payments)
    )


def test_jakub_bookings(db, demo):
    check_jakub_bookings(db, _now(TODAY))


def check_jakub_bookings(db, now):
    jakub = _attendees(db, _client(db, "anna@example.com").family_id)["Jakub"]
    bookings = _bookings(db, jakub)
    assert set(bookings) == {"Football Juniors", "Chess Online", "Summer Camp 2026"}

    football, fgroup, _ = bookings["Football Juniors"]
    assert (fgroup.weekday, fgroup.start_time) == (5, time(10, 0))
    chess, cgroup, _ = bookings["Chess Online"]
    assert (cgroup.weekday, cgroup.start_time, cgroup.is_online) == (3, time(17, 0), True)
    assert cgroup.online_link.startswith("https://")
    for booking, weekday, start in ((football, 5, time(10)), (chess, 3, time(17))):
        assert booking.status == BookingStatus.active
        rows = _attendance(db, booking)
        assert any(as_utc(s.starts_at) > now for _, s in rows)
        assert all(
            (_local(s.starts_at).weekday(), _local(s.starts_at).time()) == (weekday, start) for _, s in rows
        )
        charges = db.exec(select(Charge).where(Charge.booking_id == booking.id)).all()
        assert charges and all(_paid(db, c) for c in charges)
        # Made while both the sibling and the early-bird discounts were valid: both, each on the full price.
        savings = db.exec(
            select(ChargeDiscount.name, ChargeDiscount.saving_minor)
            .where(ChargeDiscount.charge_id == charges[0].id)
            .order_by(ChargeDiscount.id)
        ).all()
        full = booking.price_minor
        assert [tuple(r) for r in savings] == [
            ("Sibling discount 10%", full // 10),
            ("Early bird 5%", full // 20),
        ]
        assert charges[0].amount_minor == full - full // 10 - full // 20

    camp, _, _ = bookings["Summer Camp 2026"]
    assert camp.status == BookingStatus.ended
    rows = _attendance(db, camp)
    assert rows and all(as_utc(s.starts_at) < now and a.state == AttendanceState.attended for a, s in rows)


def test_family_discounts(db, demo):
    check_family_discounts(db, _now(TODAY))


def check_family_discounts(db, now):
    family_id = _client(db, "anna@example.com").family_id
    discounts = {d.name: d for d in db.exec(select(Discount).where(Discount.family_id == family_id))}
    assert set(discounts) == {"Sibling discount 10%", "Early bird 5%"}
    sibling, early = discounts["Sibling discount 10%"], discounts["Early bird 5%"]
    assert sibling.attendee_id is None and early.attendee_id is None
    assert sibling.percent == 10 and (sibling.valid_until is None or as_utc(sibling.valid_until) > now)
    assert sibling.valid_from is None or as_utc(sibling.valid_from) <= now
    assert early.percent == 5 and early.valid_until is not None and as_utc(early.valid_until) < now


def test_entry_passes(db, demo):
    check_entry_passes(db, _now(TODAY))


def check_entry_passes(db, now):
    family_id = _client(db, "anna@example.com").family_id
    passes = {p.name: p for p in db.exec(select(EntryPass).where(EntryPass.family_id == family_id))}
    assert set(passes) == {"Open Swim 10 entries", "Open Swim 5 entries"}
    ten = passes["Open Swim 10 entries"]
    used = db.exec(
        select(func.count())
        .select_from(EntryPassEntry)
        .where(EntryPassEntry.entry_pass_id == ten.id, EntryPassEntry.returned_at.is_(None))
    ).one()
    assert ten.entries_total == 10 and used == 4 and ten.entries_total - used == 6
    assert timedelta(days=55) <= as_utc(ten.expires_at) - now <= timedelta(days=65)
    item = db.get(OrderItem, ten.order_item_id)
    order = db.get(Order, item.order_id)
    assert item.description == "Open Swim 10 entries" and order.status == OrderStatus.paid
    assert as_utc(passes["Open Swim 5 entries"].expires_at) < now


def test_credit_ledger_and_orders(db, demo):
    check_credit_ledger_and_orders(db, _now(TODAY))


def check_credit_ledger_and_orders(db, now=None):
    family_id = _client(db, "anna@example.com").family_id
    entries = db.exec(
        select(CreditEntry).where(CreditEntry.family_id == family_id).order_by(CreditEntry.created_at)
    ).all()
    assert sum(e.amount_minor for e in entries) == 1500
    assert [(e.kind, e.amount_minor) for e in entries] == [(CreditKind.top_up, 5000), (CreditKind.use, -3500)]
    # The top-up was bought as an order paid by bank transfer: a payment, a receipt, no invoice.
    top_up = entries[0]
    assert top_up.order_id is not None and top_up.charge_id is not None
    top_up_payment = db.exec(select(Payment).where(Payment.charge_id == top_up.charge_id)).one()
    assert (top_up_payment.method, top_up_payment.amount_minor) == (PaymentMethod.bank_transfer, 5000)
    assert [d.kind for d in db.exec(select(Invoice).where(Invoice.charge_id == top_up.charge_id))] == [
        InvoiceKind.receipt
    ]

    orders = db.exec(select(Order).where(Order.family_id == family_id)).all()
    items = {o.id: db.exec(select(OrderItem).where(OrderItem.order_id == o.id)).all() for o in orders}
    for o in orders:
        assert sum(i.quantity * i.unit_price_minor for i in items[o.id]) == o.total_minor
    charges = {o.id: db.exec(select(Charge).where(Charge.order_id == o.id)).one() for o in orders}
    by_name = {charges[o.id].description: o for o in orders}
    assert {(n, o.status, o.total_minor) for n, o in by_name.items()} == {
        ("Swim cap + goggles", OrderStatus.unpaid, 1800),
        ("Open Swim 10 entries", OrderStatus.paid, 9000),
        ("Camp day", OrderStatus.paid, 3500),
        ("Credit top-up", OrderStatus.paid, 5000),
    }
    gear = by_name["Swim cap + goggles"]
    assert len(items[gear.id]) >= 2 and charges[gear.id].status == ChargeStatus.unpaid
    assert charges[gear.id].amount_minor == 1800
    for name in ("Open Swim 10 entries", "Camp day"):
        assert _paid(db, charges[by_name[name].id]) and by_name[name].paid_at is not None
    camp_day = by_name["Camp day"]
    payment = db.exec(select(Payment).where(Payment.charge_id == charges[camp_day.id].id)).one()
    assert payment.method == PaymentMethod.credit
    use = entries[1]
    assert use.order_id == camp_day.id and use.charge_id == charges[camp_day.id].id


def test_lily_in_the_same_class_everything_paid(db, demo):
    check_lily_in_the_same_class_everything_paid(db, _now(TODAY))


def check_lily_in_the_same_class_everything_paid(db, now=None):
    ben = _client(db, "ben@example.com")
    lily = _attendees(db, ben.family_id)["Lily"]
    ema = _attendees(db, _client(db, "anna@example.com").family_id)["Ema"]
    lily_booking = _bookings(db, lily)["Swimming - Beginners"][0]
    ema_booking = _bookings(db, ema)["Swimming - Beginners"][0]
    assert lily_booking.class_id == ema_booking.class_id
    assert set(_bookings(db, lily)) == {"Swimming - Beginners"}
    charges = db.exec(select(Charge).where(Charge.family_id == ben.family_id)).all()
    assert charges and all(_paid(db, c) for c in charges)
    assert db.exec(select(func.count()).select_from(Order).where(Order.family_id == ben.family_id)).one() == 0


def test_peter_sees_only_the_shared_booking(db, demo):
    check_peter_sees_only_the_shared_booking(db, _now(TODAY))


def check_peter_sees_only_the_shared_booking(db, now=None):
    peter = _client(db, "peter@example.com")
    assert peter.family_id is None
    shares = db.exec(
        select(BookingShare).where(
            BookingShare.grantee_client_id == peter.id, BookingShare.revoked_at.is_(None)
        )
    ).all()
    assert len(shares) == 1


def test_money_invariants(db, demo):
    check_money_invariants(db, _now(TODAY))


def check_money_invariants(db, now=None):
    charges = db.exec(select(Charge)).all()
    assert len({c.reference for c in charges}) == len(charges)
    documents = db.exec(select(Invoice)).all()
    invoices = [d for d in documents if d.kind == InvoiceKind.invoice]
    paid = [c for c in charges if c.status == ChargeStatus.paid]
    top_ups = set(db.exec(select(CreditEntry.charge_id).where(CreditEntry.kind == CreditKind.top_up)).all())
    assert sorted(i.charge_id for i in invoices) == sorted(c.id for c in paid if c.id not in top_ups)
    for (
        inv
    ) in invoices:  # the lines (a fee's discounts too) add up to the total, and their nets to the summary's
        assert sum(line["gross"] for line in inv.content["lines"]) == inv.total_minor
        if db.get(Charge, inv.charge_id).booking_id is not None:  # a fee
            assert sum(line["net"] for line in inv.content["lines"]) == inv.content["total_net"]
    assert sorted(d.payment_id for d in documents if d.kind == InvoiceKind.receipt) == sorted(
        p.id for p in db.exec(select(Payment)).all()
    )  # a receipt for each payment
    by_series: dict[tuple, list[Invoice]] = {}
    for inv in documents:
        by_series.setdefault((inv.provider_id, inv.kind, inv.year), []).append(inv)
    for (_, _, year), series in by_series.items():
        series.sort(key=lambda i: i.sequence)
        assert [i.sequence for i in series] == list(range(1, len(series) + 1))  # gap-free
        prefix = "R-" if series[0].kind == InvoiceKind.receipt else ""
        assert [i.number for i in series] == [f"{prefix}{year}-{i.sequence:04d}" for i in series]
        assert [as_utc(i.issued_at) for i in series] == sorted(as_utc(i.issued_at) for i in series)
        assert all(_local(i.issued_at).year == year for i in series)
    for p in db.exec(select(Payment)).all():
        assert p.status == PaymentStatus.succeeded and p.succeeded_at is not None
    assert all(c.currency == "EUR" for c in charges)


def check_all_facts(db, summary, now: datetime) -> None:
    """Every fixed fact of the demo loaded at ``now`` (aware)."""
    check_provider_settings(db, summary)
    for check in (
        check_families_clients_and_ages,
        check_ema_swimming_booking_sessions_and_makeup_credit,
        check_ema_unpaid_term_fee_and_share_with_peter,
        check_jakub_bookings,
        check_family_discounts,
        check_entry_passes,
        check_credit_ledger_and_orders,
        check_lily_in_the_same_class_everything_paid,
        check_peter_sees_only_the_shared_booking,
        check_money_invariants,
    ):
        check(db, now)


def test_second_run_changes_nothing(db, demo):
    before = _counts(db)
    again = load_demo(db, today=TODAY)
    db.commit()
    assert again.created is False and again.provider_id == demo.provider_id
    assert _counts(db) == before
    # Even on a later day nothing moves: only --reset rebuilds.
    load_demo(db, today=TODAY + timedelta(days=3))
    db.commit()
    assert _counts(db) == before


def test_reset_rebuilds_and_restores_changes(db, demo):
    before = _counts(db)
    fee = db.exec(
        select(Charge).where(Charge.description == "Autumn term fee", Charge.status == ChargeStatus.unpaid)
    ).one()
    fee.status = ChargeStatus.cancelled
    db.add(Client(provider_id=demo.provider_id, email="extra@example.com"))
    db.commit()
    rebuilt = load_demo(db, today=TODAY + timedelta(days=7), reset=True)
    db.commit()
    assert rebuilt.created is True
    assert _counts(db) == before
    fee = db.exec(
        select(Charge).where(Charge.description == "Autumn term fee", Charge.status == ChargeStatus.unpaid)
    ).one()
    assert fee.due_on == TODAY + timedelta(days=14)  # dates follow the new "today"
    assert db.exec(select(Client).where(Client.email == "extra@example.com")).first() is None


def test_reset_keeps_other_providers_rows(db, demo):
    other = Provider(slug="other", name="Other")
    db.add(other)
    db.flush()
    family = Family(provider_id=other.id, name="Smith")
    db.add(family)
    db.flush()
    db.add(Client(provider_id=other.id, email="anna@example.com", family_id=family.id))
    db.commit()
    load_demo(db, today=TODAY, reset=True)
    db.commit()
    assert db.exec(select(func.count()).select_from(Client).where(Client.provider_id == other.id)).one() == 1
    assert db.exec(select(func.count()).select_from(Family).where(Family.provider_id == other.id)).one() == 1
    assert db.exec(select(func.count()).select_from(Provider)).one() == 2


def test_refuses_a_database_of_another_provider(db):
    db.add(Provider(slug="real-club", name="Real Club"))
    db.commit()
    before = _counts(db)
    with pytest.raises(DomainError, match="Real Club"):
        load_demo(db, today=TODAY)
    db.rollback()
    assert _counts(db) == before


@pytest.mark.parametrize("today", OTHER_DAYS, ids=str)
def test_any_day_keeps_the_fixed_facts(db, today):
    load_demo(db, today=today)
    db.commit()
    now = _now(today)
    anna = _client(db, "anna@example.com")
    kids = _attendees(db, anna.family_id)
    assert {n: _age(a.birth_date, today) for n, a in kids.items()} == {"Ema": 7, "Jakub": 10}
    booking = _bookings(db, kids["Ema"])["Swimming - Beginners"][0]
    rows = _attendance(db, booking)
    assert all((_local(s.starts_at).weekday(), _local(s.starts_at).time()) == (1, time(16)) for _, s in rows)
    past = Counter(a.state for a, s in rows if as_utc(s.starts_at) < now)
    assert past == {AttendanceState.attended: 3, AttendanceState.cancelled: 1, AttendanceState.missed: 1}
    assert sum(1 for _, s in rows if as_utc(s.starts_at) > now) == 8
    camp = _bookings(db, kids["Jakub"])["Summer Camp 2026"][0]
    assert all(as_utc(s.starts_at) < now for _, s in _attendance(db, camp))
    charge = db.exec(select(Charge).where(Charge.booking_id == booking.id)).one()
    assert charge.due_on == today + timedelta(days=7)
    assert as_utc(db.exec(select(MakeupCredit)).one().expires_at) > now


def test_datetimes_are_aware_utc(db, demo):
    session = db.exec(select(ClassSession)).first()
    assert as_utc(session.starts_at).tzinfo is not None
    assert as_utc(session.starts_at).utcoffset() == UTC.utcoffset(None)
