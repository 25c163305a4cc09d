"""Enrolments in the provider console: enrol an attendee in a class from a date, end an enrolment from a date,
move it to another class (docs/decisions.md "Enrolments from the console").

Rules:
- Enrolling creates the Booking (the class's price, else its programme's; the provider's currency), one ``scheduled``
  attendance for every session of the class starting on or after the day (local midnight in the provider's
  timezone), and the term fee (services.money.fees.create_booking_fee, so the family's discounts apply; none
  when the price is zero or discounted to nothing), due FEE_DUE_DAYS after today.
- Refused: an attendee or a class of another provider (not found), a class that is full on that day (capacity
  counts the bookings active on it), an attendee already enrolled in the class on that day, a day before the
  register may still be changed (today - Provider.attendance_edit_days) or after the class ends.
- One booking per attendee and class (the table's unique key): enrolling again in a class left earlier re-opens
  that booking (history and charges stay on it); it gets a fee only if it has none that is not cancelled.
- Ending from a day: the booking's ``ends_on`` is the day before; the ``scheduled`` attendances of its class's
  sessions from that day are removed; everything else stays (marked, excused and make-up rows, the fee). Status:
  ``cancelled`` when no attendance is left (it never ran), ``ended`` when the day is today or past, otherwise it
  stays ``active`` until its ``ends_on`` (the pages read ``ends_on``).
- Moving = ending the old booking from the day and enrolling in the new class from the same day, in one unit of
  work, WITHOUT a new fee: the fee paid for the old class stands for the term (a price difference is a money
  matter for the office). The old booking keeps its history.

Every function takes the acting StaffPrincipal (the people right), locks the provider row on PostgreSQL (so two
enrolments cannot both take the last place or the same fee reference; on SQLite the state's unit of work is
``immediate``), audits each booking it creates or changes with the family and class, and bumps the family's data
version. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingStatus,
    Charge,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    Programme,
    Provider,
    utcnow,
)
from client_profile.services.errors import DomainError, FieldErrors, NotFound
from client_profile.services.money import fees
from client_profile.services.notifications import money_notices
from client_profile.services.people import audit
from client_profile.services.people.access import (
    Capability,
    get_people_attendee,
    is_id,
    people_bookings_clause,
    provider_classes_clause,
    require_staff,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule.classes import class_price, price_of

FEE_DUE_DAYS = 14
BOOKING_FIELDS = ("attendee_id", "class_id", "status", "starts_on", "ends_on", "price_minor", "currency")


@dataclass(frozen=True)
class ClassOption:
    """A class an attendee can be enrolled in, for the enrolment form."""

    id: int
    label: str  # "Swimming - Beginners Tuesday 16:00 (Tuesdays 16:00)"
    price: str
    places_left: int
    ends_on: str  # ISO, "" when open


@dataclass
class _Context:
    provider: Provider
    today: date
    earliest: date
    now: datetime


# ------------------------------------------------------------------------------------------------ input


def _day(value: object, key: str = "from_date") -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FieldErrors({key: "Enter the date, e.g. 2027-03-01."})


def _context(db: Session, principal: StaffPrincipal, now: datetime | None) -> _Context:
    """The provider, locked for the rest of the unit of work on PostgreSQL (FOR UPDATE; SQLite ignores it and
    relies on the immediate transaction), and the provider's today."""
    provider = db.exec(select(Provider).where(Provider.id == principal.provider_id).with_for_update()).one()
    now = now or utcnow()
    today = fmt.local(now, provider.timezone).date()
    return _Context(provider, today, today - timedelta(days=provider.attendance_edit_days), now)


def _check_day(ctx: _Context, day: date, what: str) -> None:
    if day < ctx.earliest:
        raise FieldErrors(
            {
                "from_date": f"{what} can be at the earliest {fmt.day_label(ctx.earliest)}: registers can be "
                f"changed for {ctx.provider.attendance_edit_days} days."
            }
        )


def _local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# ------------------------------------------------------------------------------------------------ lookups


def _class(db: Session, principal: StaffPrincipal, class_id: object) -> tuple[ClassGroup, Programme]:
    if not is_id(class_id):
        raise NotFound("class")
    row = db.exec(
        select(ClassGroup, Programme)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(ClassGroup.id == class_id, provider_classes_clause(principal))
    ).first()
    if row is None:
        raise NotFound("class")
    return row[0], row[1]


def _booking(db: Session, principal: StaffPrincipal, booking_id: object) -> Booking:
    clause = people_bookings_clause(principal)
    if not is_id(booking_id):
        raise NotFound("enrolment")
    row = db.exec(select(Booking).where(Booking.id == booking_id, clause)).first()
    if row is None:
        raise NotFound("enrolment")
    return row


def _name(attendee: Attendee) -> str:
    return f"{attendee.first_name} {attendee.last_name}".strip()


def active_on(day: date) -> tuple:
    """WHERE terms over Booking: active on that day (not ended, cancelled or past its end date). What capacity
    counts and what the console lists as a family's active bookings."""
    return (Booking.status == BookingStatus.active, (Booking.ends_on.is_(None)) | (Booking.ends_on >= day))


def places_taken(db: Session, class_id: int, day: date) -> int:
    """Bookings of the class active on that day (what its capacity counts)."""
    return db.exec(
        select(func.count()).select_from(Booking).where(Booking.class_id == class_id, *active_on(day))
    ).one()


# ------------------------------------------------------------------------------------------------ enrol


def _check_enrol(db: Session, attendee: Attendee, cls: ClassGroup, day: date) -> Booking | None:
    """Refuse an enrolment that breaks a rule (before anything is written); the attendee's earlier booking in
    this class (to re-open) or None."""
    if cls.ends_on is not None and day > cls.ends_on:
        raise FieldErrors({"from_date": f"{cls.name} ends on {fmt.day_label(cls.ends_on)}."})
    existing = db.exec(
        select(Booking).where(Booking.attendee_id == attendee.id, Booking.class_id == cls.id)
    ).first()
    if (
        existing is not None
        and existing.status == BookingStatus.active
        and (existing.ends_on is None or existing.ends_on >= day)
    ):
        raise FieldErrors({"class_id": f"{_name(attendee)} is already enrolled in {cls.name}."})
    if places_taken(db, cls.id, day) >= cls.capacity:
        places = "1 place" if cls.capacity == 1 else f"{cls.capacity} places"
        raise FieldErrors({"class_id": f"{cls.name} is full ({places})."})
    return existing


def _write_enrolment(
    db: Session,
    principal: StaffPrincipal,
    ctx: _Context,
    attendee: Attendee,
    cls: ClassGroup,
    programme: Programme,
    day: date,
    existing: Booking | None,
    charge_fee: bool,
) -> tuple[Booking, dict, Charge | None]:
    """Create (or re-open) the booking, its attendances from ``day`` and (``charge_fee``) its fee. Returns the
    booking, its values before (empty for a new one) and the fee."""
    before = audit.snapshot(existing, BOOKING_FIELDS)
    if existing is None:
        booking = Booking(
            provider_id=ctx.provider.id,
            attendee_id=attendee.id,
            class_id=cls.id,
            status=BookingStatus.active,
            starts_on=day,
            ends_on=cls.ends_on,
            price_minor=class_price(db, cls)[0],
            currency=ctx.provider.currency,
            created_at=ctx.now,
        )
    else:
        booking = existing
        booking.status = BookingStatus.active
        booking.ends_on = cls.ends_on
        booking.starts_on = min(booking.starts_on or day, day)
        booking.price_minor = class_price(db, cls)[0]
        booking.currency = ctx.provider.currency
        booking.version += 1
    db.add(booking)
    db.flush()
    have = set(db.exec(select(Attendance.session_id).where(Attendance.booking_id == booking.id)).all())
    sessions = db.exec(
        select(ClassSession.id)
        .where(
            ClassSession.class_id == cls.id,
            ClassSession.starts_at >= _local_midnight_utc(day, ctx.provider.timezone),
        )
        .order_by(ClassSession.starts_at)
    ).all()
    db.add_all(
        [
            Attendance(
                booking_id=booking.id,
                session_id=sid,
                state=AttendanceState.scheduled,
                changed_at=ctx.now,
                changed_by_staff_id=principal.staff_id,
            )
            for sid in sessions
            if sid not in have
        ]
    )
    fee = None
    if charge_fee and booking.price_minor > 0:
        has_fee = db.exec(
            select(Charge.id).where(Charge.booking_id == booking.id, Charge.status != ChargeStatus.cancelled)
        ).first()
        if has_fee is None:
            fee = fees.create_booking_fee(
                db,
                booking,
                f"{programme.name}, {cls.name} - term fee"[:300],
                booking.price_minor,
                fees.next_fee_reference(db, ctx.provider.id, ctx.today.year),
                ctx.today + timedelta(days=FEE_DUE_DAYS),
                now=ctx.now,
            )
            money_notices.notify_charge_due(db, fee.id if fee is not None else None, ctx.now)
    db.flush()
    return booking, before, fee


def enrol(
    db: Session,
    principal: StaffPrincipal,
    attendee_id: object,
    class_id: object,
    from_date: object,
    *,
    now: datetime | None = None,
) -> Booking:
    """Enrol the attendee in the class from ``from_date`` (a date or "YYYY-MM-DD"): the booking, its
    attendances and its term fee. Returns the booking."""
    require_staff(principal, Capability.people)
    day = _day(from_date)
    attendee = get_people_attendee(db, principal, attendee_id)
    cls, programme = _class(db, principal, class_id)
    ctx = _context(db, principal, now)
    _check_day(ctx, day, "An enrolment's first day")
    existing = _check_enrol(db, attendee, cls, day)
    booking, before, fee = _write_enrolment(db, principal, ctx, attendee, cls, programme, day, existing, True)
    fee_text = f", fee {fmt.money(fee.amount_minor, fee.currency)}" if fee is not None else ", no fee"
    audit.record(
        db,
        principal,
        action="booking.reopen" if existing is not None else "booking.create",
        entity="booking",
        entity_id=booking.id,
        summary=f"Enrolled {_name(attendee)} in {cls.name} from {fmt.day_label(day)}{fee_text}",
        before=before or None,
        after=audit.snapshot(booking, BOOKING_FIELDS),
        family_id=attendee.family_id,
        class_id=cls.id,
        now=ctx.now,
    )
    bump_families(db, [attendee.family_id])
    return booking


# ------------------------------------------------------------------------------------------------ end, move


def _check_end(ctx: _Context, booking: Booking, day: date) -> None:
    if booking.status != BookingStatus.active:
        raise DomainError("This enrolment has already ended.")
    _check_day(ctx, day, "The first day without the class")
    if booking.ends_on is not None and day > booking.ends_on:
        raise FieldErrors({"from_date": f"This enrolment already ends on {fmt.day_label(booking.ends_on)}."})


def _write_end(db: Session, ctx: _Context, booking: Booking, day: date) -> int:
    """End the booking from ``day``; returns how many scheduled attendances were removed."""
    own_sessions = select(ClassSession.id).where(
        ClassSession.class_id == booking.class_id,
        ClassSession.starts_at >= _local_midnight_utc(day, ctx.provider.timezone),
    )
    removable = db.exec(
        select(Attendance.id).where(
            Attendance.booking_id == booking.id,
            Attendance.state == AttendanceState.scheduled,
            Attendance.session_id.in_(own_sessions),
        )
    ).all()
    if removable:
        db.execute(delete(Attendance).where(Attendance.id.in_(removable)))
    left = db.exec(
        select(func.count()).select_from(Attendance).where(Attendance.booking_id == booking.id)
    ).one()
    booking.ends_on = day - timedelta(days=1)
    if left == 0:
        booking.status = BookingStatus.cancelled
    elif day <= ctx.today:
        booking.status = BookingStatus.ended
    db.add(booking)
    db.flush()
    return len(removable)


def end_enrolment(
    db: Session,
    principal: StaffPrincipal,
    booking_id: object,
    version: object,
    from_date: object,
    *,
    now: datetime | None = None,
) -> Booking:
    """End the enrolment from ``from_date`` (the first day without the class). ``version``: the booking's
    version the form was opened with."""
    require_staff(principal, Capability.people)
    day = _day(from_date)
    booking = _booking(db, principal, booking_id)
    ctx = _context(db, principal, now)
    _check_end(ctx, booking, day)
    attendee = db.get(Attendee, booking.attendee_id)
    cls = db.get(ClassGroup, booking.class_id)
    before = audit.snapshot(booking, BOOKING_FIELDS)
    booking.version = audit.claim_version(db, Booking, booking.id, version, "enrolment")
    removed = _write_end(db, ctx, booking, day)
    audit.record(
        db,
        principal,
        action="booking.end",
        entity="booking",
        entity_id=booking.id,
        summary=f"Ended {_name(attendee)} in {cls.name} from {fmt.day_label(day)} ({removed} sessions removed)",
        before=before,
        after=audit.snapshot(booking, BOOKING_FIELDS),
        family_id=attendee.family_id,
        class_id=cls.id,
        now=ctx.now,
    )
    bump_families(db, [attendee.family_id])
    return booking


def move_enrolment(
    db: Session,
    principal: StaffPrincipal,
    booking_id: object,
    version: object,
    to_class_id: object,
    from_date: object,
    *,
    now: datetime | None = None,
) -> Booking:
    """Move the enrolment to another class from ``from_date``: the old booking ends (its history stays), a new
    one starts in ``to_class_id`` without a second fee. Returns the new booking."""
    require_staff(principal, Capability.people)
    day = _day(from_date)
    old = _booking(db, principal, booking_id)
    cls, programme = _class(db, principal, to_class_id)
    ctx = _context(db, principal, now)
    if cls.id == old.class_id:
        raise FieldErrors({"class_id": "Choose another class than the current one."})
    _check_end(ctx, old, day)
    attendee = db.get(Attendee, old.attendee_id)
    existing = _check_enrol(db, attendee, cls, day)
    old_cls = db.get(ClassGroup, old.class_id)
    before = audit.snapshot(old, BOOKING_FIELDS)
    old.version = audit.claim_version(db, Booking, old.id, version, "enrolment")
    removed = _write_end(db, ctx, old, day)
    new, new_before, _ = _write_enrolment(db, principal, ctx, attendee, cls, programme, day, existing, False)
    name, when = _name(attendee), fmt.day_label(day)
    audit.record(
        db,
        principal,
        action="booking.move",
        entity="booking",
        entity_id=old.id,
        summary=f"Moved {name} from {old_cls.name} to {cls.name} from {when} ({removed} sessions removed)",
        before=before,
        after=audit.snapshot(old, BOOKING_FIELDS) | {"moved_to_booking": new.id},
        family_id=attendee.family_id,
        class_id=old_cls.id,
        now=ctx.now,
    )
    audit.record(
        db,
        principal,
        action="booking.reopen" if existing is not None else "booking.create",
        entity="booking",
        entity_id=new.id,
        summary=f"Enrolled {name} in {cls.name} from {when} (moved from {old_cls.name}, no new fee)",
        before=new_before or None,
        after=audit.snapshot(new, BOOKING_FIELDS) | {"moved_from_booking": old.id},
        family_id=attendee.family_id,
        class_id=cls.id,
        now=ctx.now,
    )
    bump_families(db, [attendee.family_id])
    return new


# ------------------------------------------------------------------------------------------------ form data


def _class_label(programme: Programme, cls: ClassGroup) -> str:
    slot = fmt.schedule_label(cls.weekday, cls.start_time)
    return f"{programme.name} - {cls.name}" + (f" ({slot})" if slot else "")


def class_options(
    db: Session, principal: StaffPrincipal, on: object = None, *, now: datetime | None = None
) -> list[ClassOption]:
    """The provider's classes that have not ended by ``on`` (default: today), with their price and the places
    left on that day, for the enrolment and move forms. Two queries."""
    require_staff(principal, Capability.people)
    provider = db.get(Provider, principal.provider_id)
    day = fmt.local(now or utcnow(), provider.timezone).date() if on in (None, "") else _day(on, "on")
    rows = db.exec(
        select(ClassGroup, Programme)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            provider_classes_clause(principal), (ClassGroup.ends_on.is_(None)) | (ClassGroup.ends_on >= day)
        )
        .order_by(Programme.name, ClassGroup.name, ClassGroup.id)
    ).all()
    taken = dict(
        db.exec(
            select(Booking.class_id, func.count())
            .where(Booking.class_id.in_([c.id for c, _ in rows] or [0]), *active_on(day))
            .group_by(Booking.class_id)
        ).all()
    )
    return [
        ClassOption(
            id=c.id,
            label=_class_label(p, c),
            price=fmt.money(price_of(c, p), provider.currency),
            places_left=max(c.capacity - int(taken.get(c.id, 0)), 0),
            ends_on=c.ends_on.isoformat() if c.ends_on else "",
        )
        for c, p in rows
    ]
