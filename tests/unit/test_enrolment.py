"""Enrolments in the console (services.schedule.enrolment): enrol creates the booking, its attendances and its
term fee (with the family's discounts); capacity, duplicates, dates and other providers are refused with nothing
written; ending and moving keep the history; who may do it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import func, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Booking,
    BookingStatus,
    Charge,
    ChargeDiscount,
    ClassSession,
    Discount,
    Family,
    Programme,
)
from client_profile.models.staff import AuditEntry
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound, StaleEdit
from client_profile.services.money import fees
from client_profile.services.schedule import enrolment
from tests.families_helpers import NOW, TZ, build


@pytest.fixture
def w(db):
    return build(db)


def everything(db) -> tuple:
    db.expire_all()
    return (
        sorted((b.id, b.status, b.starts_on, b.ends_on, b.version) for b in db.exec(select(Booking))),
        sorted((a.id, a.booking_id, a.session_id, a.state) for a in db.exec(select(Attendance))),
        sorted((c.id, c.amount_minor, c.reference) for c in db.exec(select(Charge))),
        sorted((f.id, f.data_version) for f in db.exec(select(Family))),
        db.exec(select(func.count()).select_from(AuditEntry)).one(),
    )


def rows(db, booking_id: int) -> list[tuple[date, str]]:
    """The booking's attendances as (local day of the session, state), in time order."""
    db.expire_all()
    found = db.exec(
        select(ClassSession.starts_at, Attendance.state)
        .join(Attendance, Attendance.session_id == ClassSession.id)
        .where(Attendance.booking_id == booking_id)
        .order_by(ClassSession.starts_at)
    ).all()
    return [(fmt.local(at, TZ).date(), AttendanceState(state).value) for at, state in found]


def set_state(db, booking_id: int, day: date, state: AttendanceState) -> None:
    for att in db.exec(select(Attendance).where(Attendance.booking_id == booking_id)).all():
        session = db.get(ClassSession, att.session_id)
        if fmt.local(session.starts_at, TZ).date() == day:
            att.state = state
            db.add(att)
    db.commit()


def audits(db, *actions: str) -> list[AuditEntry]:
    return list(
        db.exec(select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)).all()
    )


# ------------------------------------------------------------------------------------------------ enrol


def test_enrol_creates_the_booking_its_attendances_and_its_fee(db, w):
    booking = enrolment.enrol(db, w.office, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    assert (booking.status, booking.starts_on, booking.ends_on) == (
        BookingStatus.active,
        date(2027, 3, 10),
        date(2027, 4, 30),
    )
    assert (booking.price_minor, booking.currency, booking.provider_id) == (12000, "EUR", w.provider.id)
    assert rows(db, booking.id) == [(date(2027, 3, d), "scheduled") for d in (16, 23, 30)] + [
        (date(2027, 4, d), "scheduled") for d in (6, 13, 20, 27)
    ]
    staff = {a.changed_by_staff_id for a in db.exec(select(Attendance))}
    assert staff == {w.office.staff_id}
    [fee] = db.exec(select(Charge)).all()
    assert (fee.amount_minor, fee.currency, fee.family_id, fee.booking_id) == (
        12000,
        "EUR",
        w.novak.id,
        booking.id,
    )
    assert (fee.reference, fee.due_on, fee.description) == (
        "202700001",
        date(2027, 3, 24),
        "Swimming, Beginners - Tuesday 16:00 - term fee",
    )
    [entry] = audits(db, "booking.create")
    assert (entry.family_id, entry.class_id, entry.staff_id, entry.entity_id) == (
        w.novak.id,
        w.beginners.id,
        w.office.staff_id,
        booking.id,
    )
    assert json.loads(entry.after_json)["starts_on"] == "2027-03-10"
    assert "EUR 120.00" in entry.summary
    db.refresh(w.novak)
    assert w.novak.data_version == 1  # the family's open pages show the new booking


def test_the_fee_gets_the_familys_discounts_and_references_count_up(db, w):
    db.add(Discount(provider_id=w.provider.id, family_id=w.novak.id, name="Sibling discount 10%", percent=10))
    db.commit()
    enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, date(2027, 3, 10), now=NOW)
    enrolment.enrol(db, w.owner, w.jakub.id, w.advanced.id, date(2027, 3, 10), now=NOW)
    db.commit()
    fees_made = db.exec(select(Charge).order_by(Charge.id)).all()
    assert [(c.amount_minor, c.reference) for c in fees_made] == [(10800, "202700001"), (13500, "202700002")]
    assert [d.saving_minor for d in db.exec(select(ChargeDiscount).order_by(ChargeDiscount.id))] == [
        1200,
        1500,
    ]
    assert fees.next_fee_reference(db, w.provider.id, 2027) == "202700003"
    assert fees.next_fee_reference(db, w.other_provider.id, 2027) == "202700001"


def test_a_free_programme_makes_no_fee(db, w):
    swimming = db.get(Programme, w.beginners.programme_id)
    swimming.price_minor = 0
    db.add(swimming)
    db.commit()
    enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    assert db.exec(select(func.count()).select_from(Charge)).one() == 0


def test_enrol_from_a_past_day_within_the_register_window(db, w):
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-03", now=NOW)
    assert rows(db, booking.id)[0] == (date(2027, 3, 9), "scheduled")  # yesterday's session, for the register


@pytest.mark.parametrize(
    ("from_date", "message"),
    [
        (
            "2027-03-02",
            "An enrolment's first day can be at the earliest 3 Mar 2027: registers can be changed for 7 days.",
        ),
        ("2027-05-01", "Beginners - Tuesday 16:00 ends on 30 Apr 2027."),
        ("10.3.2027", "Enter the date, e.g. 2027-03-01."),
        (None, "Enter the date, e.g. 2027-03-01."),
    ],
)
def test_enrol_date_rules(db, w, from_date, message):
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, from_date, now=NOW)
    assert err.value.fields == {"from_date": message}
    db.rollback()
    assert everything(db) == before


def test_capacity_counts_active_bookings(db, w):
    enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    lily = enrolment.enrol(db, w.owner, w.lily.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        enrolment.enrol(db, w.owner, w.jakub.id, w.beginners.id, "2027-03-10", now=NOW)
    assert err.value.fields == {"class_id": "Beginners - Tuesday 16:00 is full (2 places)."}
    db.rollback()
    assert everything(db) == before
    [option] = [o for o in enrolment.class_options(db, w.office, now=NOW) if o.id == w.beginners.id]
    assert (option.places_left, option.price) == (0, "EUR 120.00")
    # Lily leaves from 1 April: her place is free from then on, not before
    enrolment.end_enrolment(db, w.owner, lily.id, lily.version, "2027-04-01", now=NOW)
    db.commit()
    with pytest.raises(FieldErrors):
        enrolment.enrol(db, w.owner, w.jakub.id, w.beginners.id, "2027-03-31", now=NOW)
    db.rollback()
    jakub = enrolment.enrol(db, w.owner, w.jakub.id, w.beginners.id, "2027-04-01", now=NOW)
    assert rows(db, jakub.id)[0] == (date(2027, 4, 6), "scheduled")


def test_already_enrolled_is_refused(db, w):
    enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-04-01", now=NOW)
    assert err.value.fields == {"class_id": "Ema Novak is already enrolled in Beginners - Tuesday 16:00."}
    db.rollback()
    assert everything(db) == before


def test_other_providers_and_junk_ids_are_not_found(db, w):
    before = everything(db)
    for attendee_id, class_id in (
        (w.other_child.id, w.beginners.id),
        (w.ema.id, w.other_class.id),
        ("1", w.beginners.id),
        (w.ema.id, True),
        (10**12, w.beginners.id),
    ):
        with pytest.raises(NotFound):
            enrolment.enrol(db, w.owner, attendee_id, class_id, "2027-03-10", now=NOW)
        db.rollback()
    other = Booking(provider_id=w.other_provider.id, attendee_id=w.other_child.id, class_id=w.other_class.id)
    db.add(other)
    db.commit()
    before = everything(db)
    with pytest.raises(NotFound):
        enrolment.end_enrolment(db, w.owner, other.id, 0, "2027-03-10", now=NOW)
    with pytest.raises(NotFound):
        enrolment.move_enrolment(db, w.owner, other.id, 0, w.advanced.id, "2027-03-10", now=NOW)
    db.rollback()
    assert everything(db) == before


# ------------------------------------------------------------------------------------------------ rights


def _calls(db, w):
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    return {
        "enrol": lambda who: enrolment.enrol(db, who, w.lily.id, w.beginners.id, "2027-03-10", now=NOW),
        "end_enrolment": lambda who: enrolment.end_enrolment(db, who, booking.id, 0, "2027-03-20", now=NOW),
        "move_enrolment": lambda who: enrolment.move_enrolment(
            db, who, booking.id, 0, w.advanced.id, "2027-03-20", now=NOW
        ),
        "class_options": lambda who: enrolment.class_options(db, who, now=NOW),
    }


def test_every_public_function_is_in_the_rights_table(db, w):
    public = {
        n
        for n, f in vars(enrolment).items()
        if callable(f) and not n.startswith("_") and getattr(f, "__module__", "") == enrolment.__name__
    }
    # Query helpers that take no identity (they return WHERE terms or counts for callers that checked it).
    assert public - {"ClassOption", "places_taken", "active_on"} == set(_calls(db, w))


@pytest.mark.parametrize("name", ["enrol", "end_enrolment", "move_enrolment", "class_options"])
@pytest.mark.parametrize("role", ["owner", "office"])
def test_owner_and_office_may(db, w, name, role):
    _calls(db, w)[name](getattr(w, role))
    db.commit()


@pytest.mark.parametrize("name", ["enrol", "end_enrolment", "move_enrolment", "class_options"])
def test_instructor_and_client_are_refused(db, w, name):
    call = _calls(db, w)[name]
    before = everything(db)
    with pytest.raises(Forbidden):
        call(w.instructor)
    db.rollback()
    with pytest.raises(NotFound):
        call(w.client)
    db.rollback()
    assert everything(db) == before


# ------------------------------------------------------------------------------------------------ end


def _ema_in_beginners_since_march_3(db, w) -> Booking:
    """Ema enrolled from 3 March: attended on 9 March, excused on 23 March, a make-up in the advanced class on
    18 March."""
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-03", now=NOW)
    db.commit()
    set_state(db, booking.id, date(2027, 3, 9), AttendanceState.attended)
    set_state(db, booking.id, date(2027, 3, 23), AttendanceState.cancelled)
    makeup_session = [
        s for s in w.sessions[w.advanced.id] if s.starts_at.day == 18 and s.starts_at.month == 3
    ][0]
    db.add(Attendance(booking_id=booking.id, session_id=makeup_session.id, state=AttendanceState.makeup))
    db.commit()
    return booking


def test_end_removes_only_future_scheduled_sessions(db, w):
    booking = _ema_in_beginners_since_march_3(db, w)
    ended = enrolment.end_enrolment(db, w.office, booking.id, booking.version, "2027-03-20", now=NOW)
    db.commit()
    assert rows(db, booking.id) == [
        (date(2027, 3, 9), "attended"),  # history
        (date(2027, 3, 16), "scheduled"),  # before the end: still coming
        (date(2027, 3, 18), "makeup"),  # a make-up is not touched
        (date(2027, 3, 23), "cancelled"),  # an excused session (it may have earned a credit) stays
    ]
    assert (ended.ends_on, ended.status, ended.version) == (date(2027, 3, 19), BookingStatus.active, 1)
    [entry] = audits(db, "booking.end")
    assert (json.loads(entry.before_json), json.loads(entry.after_json)) == (
        {"ends_on": "2027-04-30"},
        {"ends_on": "2027-03-19"},
    )
    assert "5 sessions removed" in entry.summary
    assert db.exec(select(Charge)).one().status.value == "unpaid"  # money is the office's to settle


def test_end_from_today_is_ended_and_never_started_is_cancelled(db, w):
    booking = _ema_in_beginners_since_march_3(db, w)
    enrolment.end_enrolment(db, w.office, booking.id, booking.version, "2027-03-10", now=NOW)
    db.commit()
    db.refresh(booking)
    assert (booking.status, booking.ends_on) == (BookingStatus.ended, date(2027, 3, 9))
    with pytest.raises(DomainError, match="already ended"):
        enrolment.end_enrolment(db, w.office, booking.id, booking.version, "2027-03-20", now=NOW)
    db.rollback()
    lily = enrolment.enrol(db, w.office, w.lily.id, w.beginners.id, "2027-03-16", now=NOW)
    enrolment.end_enrolment(db, w.office, lily.id, lily.version, "2027-03-16", now=NOW)
    db.commit()
    db.refresh(lily)
    assert (lily.status, rows(db, lily.id)) == (BookingStatus.cancelled, [])


def test_end_refusals_write_nothing(db, w):
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    enrolment.end_enrolment(db, w.owner, booking.id, 0, "2027-04-10", now=NOW)
    db.commit()
    before = everything(db)
    with pytest.raises(StaleEdit):  # a form opened before the first end
        enrolment.end_enrolment(db, w.office, booking.id, 0, "2027-04-01", now=NOW)
    db.rollback()
    with pytest.raises(FieldErrors) as err:
        enrolment.end_enrolment(db, w.office, booking.id, 1, "2027-04-20", now=NOW)
    assert err.value.fields == {"from_date": "This enrolment already ends on 9 Apr 2027."}
    db.rollback()
    with pytest.raises(FieldErrors):
        enrolment.end_enrolment(db, w.office, booking.id, 1, "2027-02-01", now=NOW)
    db.rollback()
    assert everything(db) == before
    enrolment.end_enrolment(db, w.office, booking.id, 1, "2027-04-01", now=NOW)  # brought forward
    db.commit()
    assert db.get(Booking, booking.id).ends_on == date(2027, 3, 31)


# ------------------------------------------------------------------------------------------------ move


def test_move_keeps_history_and_charges_no_second_fee(db, w):
    old = _ema_in_beginners_since_march_3(db, w)
    new = enrolment.move_enrolment(db, w.office, old.id, old.version, w.advanced.id, "2027-03-15", now=NOW)
    db.commit()
    db.refresh(old)
    assert (old.ends_on, old.status) == (date(2027, 3, 14), BookingStatus.active)  # ends on Sunday
    assert rows(db, old.id) == [
        (date(2027, 3, 9), "attended"),
        (date(2027, 3, 18), "makeup"),
        (date(2027, 3, 23), "cancelled"),
    ]
    assert (new.class_id, new.starts_on, new.ends_on, new.price_minor) == (
        w.advanced.id,
        date(2027, 3, 15),
        date(2027, 4, 30),
        15000,
    )
    assert rows(db, new.id) == [(date(2027, 3, d), "scheduled") for d in (18, 25)] + [
        (date(2027, 4, d), "scheduled") for d in (1, 8, 15, 22, 29)
    ]
    assert [c.booking_id for c in db.exec(select(Charge))] == [old.id]  # the term's fee, once
    moved, created = audits(db, "booking.move", "booking.create")[1:]
    assert (moved.entity_id, moved.class_id, json.loads(moved.after_json)["moved_to_booking"]) == (
        old.id,
        w.beginners.id,
        new.id,
    )
    assert (created.entity_id, created.class_id, created.family_id) == (new.id, w.advanced.id, w.novak.id)


def test_move_back_reopens_the_old_booking(db, w):
    old = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    new = enrolment.move_enrolment(db, w.owner, old.id, 0, w.advanced.id, "2027-03-10", now=NOW)
    db.commit()
    db.refresh(old)
    assert (old.status, rows(db, old.id)) == (BookingStatus.cancelled, [])
    back = enrolment.move_enrolment(db, w.owner, new.id, new.version, w.beginners.id, "2027-03-20", now=NOW)
    db.commit()
    assert back.id == old.id  # one booking per attendee and class
    assert (back.status, back.starts_on, back.ends_on) == (
        BookingStatus.active,
        date(2027, 3, 10),
        date(2027, 4, 30),
    )
    assert rows(db, back.id)[0] == (date(2027, 3, 23), "scheduled")
    assert db.exec(select(func.count()).select_from(Charge)).one() == 1
    assert [e.action for e in audits(db, "booking.reopen")] == ["booking.reopen"]


def test_move_refusals_write_nothing(db, w):
    ema = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    w.advanced.capacity = 1
    db.add(w.advanced)
    db.commit()
    enrolment.enrol(db, w.owner, w.lily.id, w.advanced.id, "2027-03-10", now=NOW)
    db.commit()
    before = everything(db)
    for to_class, error in ((w.beginners.id, "Choose another class"), (w.advanced.id, "is full")):
        with pytest.raises(FieldErrors) as err:
            enrolment.move_enrolment(db, w.office, ema.id, 0, to_class, "2027-03-20", now=NOW)
        assert error in err.value.fields["class_id"]
        db.rollback()
    w.advanced.capacity = 5
    db.add(w.advanced)
    db.commit()
    with pytest.raises(StaleEdit):
        enrolment.move_enrolment(db, w.office, ema.id, 3, w.advanced.id, "2027-03-20", now=NOW)
    db.rollback()
    with pytest.raises(NotFound):
        enrolment.move_enrolment(db, w.office, ema.id, 0, w.other_class.id, "2027-03-20", now=NOW)
    db.rollback()
    assert everything(db) == before
