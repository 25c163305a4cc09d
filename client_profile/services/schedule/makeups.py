"""Make-ups: one engine that decides which sessions a credit can be used for, explains itself when the answer
is "none", books a make-up without ever exceeding capacity, gives the credit back on an in-time cancellation,
and runs the waitlist for full sessions.

Rules (docs/domain.md "Make-ups", docs/decisions.md "Make-ups"):
- A credit comes from an in-time cancellation (services.schedule.attendance) and, when the provider says so, from a
  missed session. Its deadline is the deadline to *book* (policy: N days, end of the class, or N days with at
  most K open credits per booking).
- Offered sessions are in a compatible class of the same programme (the same make-up group, or any class of the
  programme when the credit's class has none), start within the next N days and not within the next M hours,
  are scheduled, are not already on the attendee's calendar, and have a real free place:
  capacity + extra make-up capacity (the provider's, replaced or added to by the class) - everyone booked
  (regular, attended, make-ups) - places held for waitlist offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, true, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    MakeupCredit,
    MakeupCreditStatus,
    MakeupWaitlistEntry,
    Programme,
    Provider,
    SessionStatus,
    WaitlistStatus,
    as_utc,
    utcnow,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.notifications import reminders
from client_profile.services.people import changes
from client_profile.services.people.access import (
    is_id,
    managed_bookings_clause,
    may_manage,
    visible_bookings_clause,
)
from client_profile.services.people.identity import Principal
from client_profile.services.providers import current_provider
from client_profile.services.schedule.policy import cancellation_deadline, provider_holidays
from client_profile.settings import get_settings

MAX_WAITLIST_PER_CREDIT = 3


# ------------------------------------------------------------------------------------------ credits


def credit_expiry(provider: Provider, cls: ClassGroup, now: datetime) -> datetime:
    """The deadline to book a make-up with a credit earned now, by the provider's policy."""
    by_days = now + timedelta(days=provider.makeup_validity_days)
    if provider.makeup_expiry_mode == "class_end" and cls.ends_on is not None:
        end = datetime.combine(
            cls.ends_on + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(provider.timezone)
        )
        return max(end.astimezone(ZoneInfo("UTC")), now + timedelta(hours=1))
    return by_days


def earns_credit(provider: Provider, programme: Programme, state: AttendanceState) -> bool:
    if not (provider.makeups_enabled and programme.makeups_enabled):
        return False
    if state == AttendanceState.cancelled:
        return provider.makeup_from_cancelled
    if state == AttendanceState.missed:
        return provider.makeup_from_missed
    return False


def no_credit_reason(provider: Provider, programme: Programme, state: AttendanceState) -> str:
    """Why an attendance in this state earns no make-up credit, in plain words ("" when it does, or when the
    state is not about missing a session). The one place both the excuse dialog and the session list ask."""
    if state not in (AttendanceState.cancelled, AttendanceState.late_cancelled, AttendanceState.missed):
        return ""
    if not provider.makeups_enabled:
        return f"{provider.name} does not offer make-ups."
    if not programme.makeups_enabled:
        return f"Make-ups are switched off for {programme.name}."
    if state == AttendanceState.late_cancelled:
        return "Excused after the deadline, so it does not earn a make-up."
    if earns_credit(provider, programme, state):
        return ""
    if state == AttendanceState.missed:
        return (
            f"Missed without an excuse: at {provider.name} only sessions excused before the deadline earn "
            "a make-up."
        )
    return f"{provider.name} gives no make-ups for excused sessions."


def grant_credit(
    db: Session, provider: Provider, attendance: Attendance, booking: Booking, cls: ClassGroup, now: datetime
) -> MakeupCredit:
    """Open (or re-open) the credit an attendance earns; applies the carry-over cap. The caller checked
    earns_credit()."""
    credit = db.exec(select(MakeupCredit).where(MakeupCredit.source_attendance_id == attendance.id)).first()
    expires = credit_expiry(provider, cls, now)
    if credit is None:
        credit = MakeupCredit(
            attendee_id=booking.attendee_id,
            booking_id=booking.id,
            source_attendance_id=attendance.id,
            earned_at=now,
            expires_at=expires,
        )
    else:
        credit.status, credit.closed_reason, credit.used_at = MakeupCreditStatus.open, "", None
        credit.earned_at, credit.expires_at = now, expires
    db.add(credit)
    db.flush()
    if provider.makeup_expiry_mode == "carry_over":
        open_ids = db.exec(
            select(MakeupCredit.id)
            .where(
                MakeupCredit.booking_id == booking.id,
                MakeupCredit.status == MakeupCreditStatus.open,
                MakeupCredit.expires_at > now,
            )
            .order_by(MakeupCredit.earned_at.desc(), MakeupCredit.id.desc())
        ).all()
        for old in open_ids[provider.makeup_carry_over_max :]:
            db.execute(
                update(MakeupCredit)
                .where(MakeupCredit.id == old)
                .values(
                    status=MakeupCreditStatus.expired,
                    closed_reason=f"Only {provider.makeup_carry_over_max} make-up credits carry over",
                )
            )
    reminders.notify_makeup_earned(db, credit.id, now)  # "you have a make-up to book", in this transaction
    return credit


def void_credit_of(db: Session, attendance_id: int, reason: str) -> None:
    """The attendance no longer earns its credit (the provider corrected it): withdraw it if still open."""
    db.execute(
        update(MakeupCredit)
        .where(
            MakeupCredit.source_attendance_id == attendance_id, MakeupCredit.status == MakeupCreditStatus.open
        )
        .values(status=MakeupCreditStatus.void, closed_reason=reason)
    )


# ------------------------------------------------------------------------------------------ capacity


def makeup_limit(provider: Provider, cls: ClassGroup) -> int:
    """Places a session of this class has for everyone, make-ups included."""
    if cls.extra_makeup_mode == "replace":
        extra = cls.extra_makeup_capacity
    elif cls.extra_makeup_mode == "add":
        extra = provider.makeup_extra_capacity + cls.extra_makeup_capacity
    else:
        extra = provider.makeup_extra_capacity
    return cls.capacity + extra


def _occupied(session_ids, now: datetime, except_entry: int | None = None):
    """(session_id, places taken) for the sessions: attendances holding a place plus live waitlist holds."""
    taken = (
        select(Attendance.session_id.label("sid"), func.count().label("n"))
        .where(
            Attendance.session_id.in_(session_ids),
            Attendance.state.in_(
                [AttendanceState.scheduled, AttendanceState.attended, AttendanceState.makeup]
            ),
        )
        .group_by(Attendance.session_id)
    )
    holds = (
        select(MakeupWaitlistEntry.session_id.label("sid"), func.count().label("n"))
        .where(
            MakeupWaitlistEntry.session_id.in_(session_ids),
            MakeupWaitlistEntry.status == WaitlistStatus.offered,
            MakeupWaitlistEntry.offer_expires_at > now,
            MakeupWaitlistEntry.id != (except_entry or 0),
        )
        .group_by(MakeupWaitlistEntry.session_id)
    )
    return taken, holds


def places_taken(db: Session, session_ids: list[int], now: datetime, except_entry: int | None = None) -> dict:
    if not session_ids:
        return {}
    taken_q, holds_q = _occupied(session_ids, now, except_entry)
    result: dict[int, int] = {}
    for sid, n in list(db.exec(taken_q).all()) + list(db.exec(holds_q).all()):
        result[sid] = result.get(sid, 0) + n
    return result


# ------------------------------------------------------------------------------------------ offers


@dataclass(frozen=True)
class Offer:
    credit_id: int  # the credit that would book it
    session_id: int
    day: str
    time: str
    class_name: str
    place: str
    places_left: int
    on_waitlist: bool = False


@dataclass
class CreditOffers:
    credit_id: int
    attendee: str
    programme: str
    earned_from: str
    expires: str
    bookable: bool  # the credit itself can still be used
    offers: list[Offer] = field(default_factory=list)
    full: list[Offer] = field(
        default_factory=list
    )  # compatible, in the window, but full: waitlist candidates
    reason: str = ""  # why nothing is offered, in plain words ("" when something is)
    advice: str = ""  # what the parent can do about it
    booking_id: int = 0
    count: int = 1  # open credits of this booking shown as this one card (the soonest-expiring is used first)


def _credit_row(db: Session, principal: Principal, credit_id: object):
    if not is_id(credit_id):
        raise NotFound("make-up credit")
    row = db.exec(
        select(MakeupCredit, Booking, ClassGroup, Programme, Attendee, ClassSession.starts_at)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        # A credit the office granted has no source session (services.money.console_benefits).
        .outerjoin(Attendance, Attendance.id == MakeupCredit.source_attendance_id)
        .outerjoin(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            MakeupCredit.id == credit_id,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("make-up credit")
    return row


def _candidates(
    db: Session,
    provider: Provider,
    cls: ClassGroup,
    attendee_id: int,
    now: datetime,
    beyond_window: bool = False,
):
    """Compatible, scheduled sessions in the booking window that the attendee is not already in
    (``beyond_window``: also the later ones, to tell when the next one opens)."""
    window_start = now + timedelta(hours=provider.makeup_min_hours_before)
    window_end = None if beyond_window else now + timedelta(days=provider.makeup_window_days)
    compatible = ClassGroup.programme_id == cls.programme_id
    if cls.makeup_group is not None:
        compatible = and_(
            compatible, or_(ClassGroup.makeup_group == cls.makeup_group, ClassGroup.makeup_group.is_(None))
        )
    # Not offered: sessions already on the attendee's calendar, and sessions of a class they are booked in
    # (an excused regular session is signed back up for, not made up). A cancelled make-up can be re-booked.
    already = (
        select(Attendance.session_id)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            Booking.attendee_id == attendee_id,
            or_(
                Attendance.state.in_(
                    [AttendanceState.scheduled, AttendanceState.attended, AttendanceState.makeup]
                ),
                ClassSession.class_id == Booking.class_id,
            ),
        )
    )
    return db.exec(
        select(ClassSession, ClassGroup)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .where(
            compatible,
            ClassSession.status == SessionStatus.scheduled,
            ClassSession.starts_at > window_start,
            ClassSession.starts_at <= window_end if window_end is not None else true(),
            ClassSession.id.not_in(already),
        )
        .order_by(ClassSession.starts_at)
    ).all()


def offers_for(
    db: Session, principal: Principal, provider: Provider, credit_id: object, now: datetime | None = None
) -> CreditOffers:
    now = now or utcnow()
    credit, booking, cls, programme, attendee, source_start = _credit_row(db, principal, credit_id)
    tz = provider.timezone
    result = CreditOffers(
        credit_id=credit.id,
        attendee=attendee.first_name,
        programme=programme.name,
        earned_from=(
            f"the session on {fmt.session_label(source_start, tz)}"
            if source_start is not None
            else "the provider (granted)"
        ),
        expires=fmt.day_label(fmt.local(credit.expires_at, tz).date()),
        bookable=False,
        booking_id=booking.id,
    )
    if not (provider.makeups_enabled and programme.makeups_enabled):
        result.reason = f"Make-ups are switched off for {programme.name}."
        result.advice = f"Please contact {provider.name} if you have questions."
        return result
    if credit.status == MakeupCreditStatus.used:
        result.reason = "This make-up credit is already used."
        return result
    if credit.status != MakeupCreditStatus.open or as_utc(credit.expires_at) <= now:
        result.reason = f"This make-up credit expired on {result.expires}."
        result.advice = (
            "Credits must be used (booked) before their date; excuse sessions in time to earn new ones."
        )
        return result
    result.bookable = True
    rows = _candidates(db, provider, cls, attendee.id, now)
    taken = places_taken(db, [s.id for s, _ in rows], now)
    waiting = set(
        db.exec(
            select(MakeupWaitlistEntry.session_id).where(
                MakeupWaitlistEntry.credit_id == credit.id,
                MakeupWaitlistEntry.status.in_([WaitlistStatus.waiting, WaitlistStatus.offered]),
            )
        ).all()
    )
    for session, s_cls in rows:
        start, end = fmt.local(session.starts_at, tz), fmt.local(session.ends_at, tz)
        left = makeup_limit(provider, s_cls) - taken.get(session.id, 0)
        offer = Offer(
            credit_id=credit.id,
            session_id=session.id,
            day=fmt.short_day(start, fmt.local(now, tz)),
            time=f"{start:%H:%M}–{end:%H:%M}",
            class_name=s_cls.name,
            place=session.venue or ("Online" if s_cls.is_online else s_cls.venue),
            places_left=max(left, 0),
            on_waitlist=session.id in waiting,
        )
        (result.offers if left > 0 else result.full).append(offer)
    if result.offers:
        return result
    days, hours = provider.makeup_window_days, provider.makeup_min_hours_before
    opens = _next_window_opening(db, provider, cls, attendee.id, now)
    later = f" More sessions open for make-ups {opens}." if opens else ""
    if len(result.full) == 1:
        only = result.full[0]
        result.reason = (
            f"The only {programme.name} session you could make up in the next {days} days "
            f"({only.day}, {only.class_name}) is full."
        )
    elif result.full:
        result.reason = (
            f"All {len(result.full)} {programme.name} sessions you could make up in the next "
            f"{days} days are full."
        )
    if result.full:
        result.advice = (
            "Join the waiting list: if a place frees up, we hold it for you and let you know."
            f"{later} Your credit is valid until {result.expires}."
        )
    else:
        result.reason = (
            f"There are no {programme.name} sessions to make up in the next {days} days "
            f"(make-ups can be booked from {days} days until {hours} hours before a session)."
        )
        result.advice = (
            f"{later.strip() or 'Look again in a few days.'} Your credit is valid until {result.expires}."
        )
    return result


def _next_window_opening(
    db: Session, provider: Provider, cls: ClassGroup, attendee_id: int, now: datetime
) -> str:
    """When the next compatible session beyond the window becomes bookable ("today at 16:00", "on Tue 8 Dec"),
    or "" when none is scheduled."""
    window_end = now + timedelta(days=provider.makeup_window_days)
    later = [
        s
        for s, _ in _candidates(db, provider, cls, attendee_id, now, beyond_window=True)
        if as_utc(s.starts_at) > window_end
    ]
    if not later:
        return ""
    opens = as_utc(later[0].starts_at) - timedelta(days=provider.makeup_window_days)
    return fmt.from_label(fmt.local(opens, provider.timezone), fmt.local(now, provider.timezone))


def open_credit_ids(db: Session, principal: Principal, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        db.exec(
            select(MakeupCredit.id)
            .join(Booking, Booking.id == MakeupCredit.booking_id)
            .where(
                visible_bookings_clause(principal),
                MakeupCredit.status == MakeupCreditStatus.open,
                MakeupCredit.expires_at > now,
            )
            .order_by(MakeupCredit.expires_at)
        ).all()
    )


def bookable_credits(
    db: Session,
    principal: Principal,
    provider: Provider,
    now: datetime | None = None,
    booking_id: int | None = None,
) -> dict[int, int]:
    """How many open credits each attendee has that the principal may use right now: on a booking they may
    manage, with at least one offered session that has a free place (the engine's own offers). The make-up
    entry points (home, booking page) show only for these; other credits stay in Benefits with the reason.
    Returns {attendee_id: count}; attendees with none are absent."""
    now = now or utcnow()
    where = [
        managed_bookings_clause(principal),
        MakeupCredit.status == MakeupCreditStatus.open,
        MakeupCredit.expires_at > now,
    ]
    if booking_id is not None:
        where.append(Booking.id == booking_id)
    rows = db.exec(
        select(MakeupCredit.id, Booking.attendee_id)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .where(*where)
    ).all()
    counts: dict[int, int] = {}
    for credit_id, attendee_id in rows:
        if offers_for(db, principal, provider, credit_id, now).offers:
            counts[attendee_id] = counts.get(attendee_id, 0) + 1
    return counts


def no_credit_explanation(provider: Provider) -> str:
    if not provider.makeups_enabled:
        return f"{provider.name} does not offer make-ups."
    return (
        "You have no make-up credits to use. You earn one when you excuse a session in time (before its "
        "deadline); you can excuse a session from its booking page."
    )


# ------------------------------------------------------------------------------------------ booking


def _ensure_may_manage(db: Session, principal: Principal, booking: Booking) -> None:
    if not may_manage(db, principal, booking):
        raise DomainError("Your shared access to this booking does not include booking make-ups.")


def book_makeup(
    db: Session,
    principal: Principal,
    provider: Provider,
    credit_id: object,
    session_id: object,
    now: datetime | None = None,
    *,
    waitlist_entry_id: int | None = None,
) -> Attendance:
    """Use a credit for one offered session. Run it in unit_of_work(immediate=True): the place check and the
    insert happen under the session's lock, so the last place goes to exactly one family, and a repeated submit
    finds the credit used."""
    now = now or utcnow()
    credit, booking, cls, programme, attendee, _src = _credit_row(db, principal, credit_id)
    _ensure_may_manage(db, principal, booking)
    if not is_id(session_id):
        raise NotFound("session")
    if credit.status != MakeupCreditStatus.open or as_utc(credit.expires_at) <= now:
        raise DomainError("This make-up credit was already used or has expired.")
    offered = {s.id: s_cls for s, s_cls in _candidates(db, provider, cls, attendee.id, now)}
    if session_id not in offered or not (provider.makeups_enabled and programme.makeups_enabled):
        raise DomainError(
            "This session cannot be booked as a make-up (it is not among the offered sessions)."
        )
    # PostgreSQL: serialise bookings of this session on its row. SQLite: the IMMEDIATE transaction already
    # holds the database's write lock.
    db.exec(select(ClassSession.id).where(ClassSession.id == session_id).with_for_update()).first()
    used = db.execute(
        update(MakeupCredit)
        .where(
            MakeupCredit.id == credit.id,
            MakeupCredit.status == MakeupCreditStatus.open,
            MakeupCredit.expires_at > now,
        )
        .values(status=MakeupCreditStatus.used, used_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if used != 1:
        raise DomainError("This make-up credit was already used or has expired.")
    taken = places_taken(db, [session_id], now, except_entry=waitlist_entry_id).get(session_id, 0)
    if taken >= makeup_limit(provider, offered[session_id]):
        raise DomainError("Sorry, the last place in this session was just taken. Please choose another one.")
    attendance = db.exec(
        select(Attendance).where(Attendance.booking_id == booking.id, Attendance.session_id == session_id)
    ).first()
    if attendance is None:
        attendance = Attendance(booking_id=booking.id, session_id=session_id)
    elif attendance.state not in (AttendanceState.cancelled, AttendanceState.late_cancelled):
        raise DomainError("This session is already on the calendar.")
    # A make-up cancelled earlier for this session is booked again on the same row.
    attendance.state, attendance.makeup_credit_id = AttendanceState.makeup, credit.id
    attendance.cancel_reason = attendance.cancel_note = ""
    attendance.changed_at, attendance.changed_by_client_id = now, principal.client_id
    db.add(attendance)
    db.flush()
    # Any place this credit was queueing for is no longer needed.
    db.execute(
        update(MakeupWaitlistEntry)
        .where(
            MakeupWaitlistEntry.credit_id == credit.id,
            MakeupWaitlistEntry.status.in_([WaitlistStatus.waiting, WaitlistStatus.offered]),
            MakeupWaitlistEntry.id != (waitlist_entry_id or 0),
        )
        .values(status=WaitlistStatus.withdrawn, closed_at=now)
    )
    changes.bump_for_bookings(db, [booking.id])
    return attendance


def cancel_makeup(
    db: Session, principal: Principal, provider: Provider, attendance_id: object, now: datetime | None = None
) -> bool:
    """Cancel a booked make-up. In time (the provider's cancellation deadline) the credit comes back with its
    original deadline; late, the place is freed but the credit stays used. Returns whether it came back."""
    now = now or utcnow()
    if not is_id(attendance_id):
        raise NotFound("make-up")
    row = db.exec(
        select(Attendance, Booking, ClassSession)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            Attendance.id == attendance_id,
            Attendance.state == AttendanceState.makeup,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("make-up")
    attendance, booking, session = row
    _ensure_may_manage(db, principal, booking)
    if as_utc(session.starts_at) <= now:
        raise DomainError("This make-up has already started.")
    in_time = now < cancellation_deadline(provider, session.starts_at, provider_holidays(db, provider))
    if not in_time and not provider.allow_late_cancellation:
        raise DomainError(
            f"The deadline to cancel this make-up has passed. Please contact {provider.name} directly."
        )
    credit_id = attendance.makeup_credit_id
    done = db.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.state == AttendanceState.makeup)
        .values(
            state=AttendanceState.late_cancelled if not in_time else AttendanceState.cancelled,
            makeup_credit_id=None,
            changed_at=now,
            changed_by_client_id=principal.client_id,
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        raise DomainError("This make-up was already changed. Please look again.")
    if in_time and credit_id is not None:
        db.execute(
            update(MakeupCredit)
            .where(MakeupCredit.id == credit_id, MakeupCredit.status == MakeupCreditStatus.used)
            .values(status=MakeupCreditStatus.open, used_at=None)
        )
    changes.bump_for_bookings(db, [booking.id])
    offer_freed_place(db, provider, session.id, now)
    return in_time


# ------------------------------------------------------------------------------------------ waitlist


def join_waitlist(
    db: Session,
    principal: Principal,
    provider: Provider,
    credit_id: object,
    session_id: object,
    now: datetime | None = None,
) -> MakeupWaitlistEntry:
    now = now or utcnow()
    if not provider.makeup_waitlist_enabled:
        raise DomainError("The make-up waiting list is not available.")
    result = offers_for(db, principal, provider, credit_id, now)
    if not result.bookable:
        raise DomainError(result.reason)
    if not any(o.session_id == session_id for o in result.full):
        raise DomainError(
            "You can only queue for a full session that matches this credit; this one has places "
            "or does not match."
        )
    credit, booking, *_ = _credit_row(db, principal, credit_id)
    _ensure_may_manage(db, principal, booking)
    active = db.exec(
        select(func.count())
        .select_from(MakeupWaitlistEntry)
        .where(
            MakeupWaitlistEntry.credit_id == credit.id,
            MakeupWaitlistEntry.status.in_([WaitlistStatus.waiting, WaitlistStatus.offered]),
        )
    ).one()
    existing = db.exec(
        select(MakeupWaitlistEntry).where(
            MakeupWaitlistEntry.credit_id == credit.id, MakeupWaitlistEntry.session_id == session_id
        )
    ).first()
    if existing is not None and existing.status in (WaitlistStatus.waiting, WaitlistStatus.offered):
        return existing
    if active >= MAX_WAITLIST_PER_CREDIT:
        raise DomainError(f"You can queue one credit for at most {MAX_WAITLIST_PER_CREDIT} sessions.")
    entry = existing or MakeupWaitlistEntry(
        credit_id=credit.id, session_id=session_id, attendee_id=booking.attendee_id
    )
    entry.status, entry.created_at, entry.closed_at = WaitlistStatus.waiting, now, None
    entry.offered_at = entry.offer_expires_at = None
    db.add(entry)
    db.flush()
    changes.bump_for_bookings(db, [booking.id])
    return entry


def leave_waitlist(db: Session, principal: Principal, entry_id: object, now: datetime | None = None) -> None:
    now = now or utcnow()
    entry = _managed_entry(db, principal, entry_id)
    if entry.status not in (WaitlistStatus.waiting, WaitlistStatus.offered):
        raise DomainError("You are no longer on this waiting list.")
    was_offered = entry.status == WaitlistStatus.offered
    entry.status, entry.closed_at = WaitlistStatus.withdrawn, now
    db.add(entry)
    db.flush()
    booking_id = db.exec(select(MakeupCredit.booking_id).where(MakeupCredit.id == entry.credit_id)).one()
    changes.bump_for_bookings(db, [booking_id])
    if was_offered:
        offer_freed_place(db, current_provider(db), entry.session_id, now)


def _managed_entry(db: Session, principal: Principal, entry_id: object) -> MakeupWaitlistEntry:
    """A waiting-list entry of a booking the principal may see and change (the same rule as joining it)."""
    if not is_id(entry_id):
        raise NotFound("waiting list entry")
    row = db.exec(
        select(MakeupWaitlistEntry, Booking)
        .join(MakeupCredit, MakeupCredit.id == MakeupWaitlistEntry.credit_id)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .where(
            MakeupWaitlistEntry.id == entry_id,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("waiting list entry")
    entry, booking = row
    _ensure_may_manage(db, principal, booking)
    return entry


def accept_offer(
    db: Session, principal: Principal, provider: Provider, entry_id: object, now: datetime | None = None
) -> Attendance:
    """Confirm a held place (a click is required; nothing is booked automatically)."""
    now = now or utcnow()
    entry = _managed_entry(db, principal, entry_id)
    if (
        entry.status != WaitlistStatus.offered
        or entry.offer_expires_at is None
        or as_utc(entry.offer_expires_at) <= now
    ):
        raise DomainError("This offer has expired or was withdrawn.")
    attendance = book_makeup(
        db, principal, provider, entry.credit_id, entry.session_id, now, waitlist_entry_id=entry.id
    )
    entry.status, entry.closed_at = WaitlistStatus.accepted, now
    db.add(entry)
    return attendance


def offer_freed_place(
    db: Session, provider: Provider, session_id: int, now: datetime | None = None
) -> int | None:
    """A place in this session may have freed up: hold it for the first in its queue (if the session still
    has room after existing holds). Returns the offered entry id. The notification goes through the outbox."""
    now = now or utcnow()
    session_row = db.exec(
        select(ClassSession, ClassGroup)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .where(ClassSession.id == session_id)
    ).first()
    if session_row is None or not provider.makeup_waitlist_enabled:
        return None
    session, cls = session_row
    latest_offer = as_utc(session.starts_at) - timedelta(hours=provider.makeup_min_hours_before)
    if now >= latest_offer or session.status != SessionStatus.scheduled:
        return None
    if places_taken(db, [session_id], now).get(session_id, 0) >= makeup_limit(provider, cls):
        return None
    entry = db.exec(
        select(MakeupWaitlistEntry)
        .where(
            MakeupWaitlistEntry.session_id == session_id, MakeupWaitlistEntry.status == WaitlistStatus.waiting
        )
        .order_by(MakeupWaitlistEntry.created_at, MakeupWaitlistEntry.id)
    ).first()
    if entry is None:
        return None
    expires = min(now + timedelta(hours=provider.makeup_waitlist_offer_hours), latest_offer)
    claimed = db.execute(
        update(MakeupWaitlistEntry)
        .where(MakeupWaitlistEntry.id == entry.id, MakeupWaitlistEntry.status == WaitlistStatus.waiting)
        .values(status=WaitlistStatus.offered, offered_at=now, offer_expires_at=expires)
    ).rowcount
    if claimed != 1:
        return None
    booking_id = db.exec(select(MakeupCredit.booking_id).where(MakeupCredit.id == entry.credit_id)).one()
    changes.bump_for_bookings(db, [booking_id])
    _notify_offer(db, entry.id, expires, now)
    return entry.id


def _notify_offer(db: Session, entry_id: int, expires: datetime, now: datetime) -> None:
    reminders.notify_waitlist_offer(db, entry_id, f"{get_settings().base_url}/makeups", expires, now=now)


def expire_offers(db: Session, provider: Provider, now: datetime | None = None) -> int:
    """Offers past their time pass to the next in the queue; entries of started sessions close. For the worker."""
    now = now or utcnow()
    stale = db.exec(
        select(MakeupWaitlistEntry).where(
            MakeupWaitlistEntry.status == WaitlistStatus.offered, MakeupWaitlistEntry.offer_expires_at <= now
        )
    ).all()
    for entry in stale:
        entry.status, entry.closed_at = WaitlistStatus.expired, now
        db.add(entry)
    db.flush()
    for session_id in {e.session_id for e in stale}:
        offer_freed_place(db, provider, session_id, now)
    started = db.execute(
        update(MakeupWaitlistEntry)
        .where(
            MakeupWaitlistEntry.status == WaitlistStatus.waiting,
            MakeupWaitlistEntry.session_id.in_(select(ClassSession.id).where(ClassSession.starts_at <= now)),
        )
        .values(status=WaitlistStatus.expired, closed_at=now)
    ).rowcount
    return len(stale) + started


# ------------------------------------------------------------------------------------------ the page


@dataclass(frozen=True)
class QueueItem:
    entry_id: int
    attendee: str
    day: str
    time: str
    class_name: str
    status: str  # waiting / offered
    hold_until: str


@dataclass
class MakeupsView:
    credits: list[CreditOffers] = field(default_factory=list)
    queue: list[QueueItem] = field(default_factory=list)
    no_credit: str = ""


def makeups_view(
    db: Session, principal: Principal, provider: Provider, now: datetime | None = None
) -> MakeupsView:
    """Everything the make-ups page shows: each open credit with its offers (or why none), and the waitlist."""
    now = now or utcnow()
    view = MakeupsView()
    by_booking: dict[int, CreditOffers] = {}
    for cid in open_credit_ids(db, principal, now):  # soonest-expiring first: that one is used first
        offers = offers_for(db, principal, provider, cid, now)
        if offers.booking_id in by_booking:  # one card, one explanation per booking, however many credits
            by_booking[offers.booking_id].count += 1
            continue
        by_booking[offers.booking_id] = offers
        view.credits.append(offers)
    rows = db.exec(
        select(MakeupWaitlistEntry, Attendee.first_name, ClassSession, ClassGroup.name)
        .join(MakeupCredit, MakeupCredit.id == MakeupWaitlistEntry.credit_id)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassSession, ClassSession.id == MakeupWaitlistEntry.session_id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .where(
            visible_bookings_clause(principal),
            MakeupWaitlistEntry.status.in_([WaitlistStatus.waiting, WaitlistStatus.offered]),
        )
        .order_by(ClassSession.starts_at)
    ).all()
    tz = provider.timezone
    for entry, first_name, session, class_name in rows:
        start, end = fmt.local(session.starts_at, tz), fmt.local(session.ends_at, tz)
        offered = (
            entry.status == WaitlistStatus.offered
            and entry.offer_expires_at is not None
            and as_utc(entry.offer_expires_at) > now
        )
        view.queue.append(
            QueueItem(
                entry.id,
                first_name,
                fmt.short_day(start, fmt.local(now, tz)),
                f"{start:%H:%M}–{end:%H:%M}",
                class_name,
                "offered" if offered else "waiting",
                fmt.session_label(entry.offer_expires_at, tz) if offered else "",
            )
        )
    if not view.credits:
        view.no_credit = no_credit_explanation(provider)
    return view
