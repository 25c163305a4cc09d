"""A booking's sessions from the client's side: what is scheduled, attended, cancelled or missed; excusing an
upcoming session under the provider's cancellation policy; signing back up.

Every cancellation rule lives here (late cancellations, what a cancellation earns; the deadline with weekends
and holidays is services.schedule.policy's) and is enforced on the server whatever the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    Charge,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    EntryPass,
    EntryPassEntry,
    MakeupCredit,
    MakeupCreditStatus,
    Programme,
    Provider,
    SessionStatus,
    as_utc,
    utcnow,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import fees
from client_profile.services.people import changes
from client_profile.services.people.access import (
    get_visible_booking,
    is_id,
    may_manage,
    visible_bookings_clause,
)
from client_profile.services.people.identity import Principal
from client_profile.services.schedule import makeups
from client_profile.services.schedule.policy import cancellation_deadline, provider_holidays

CANCEL_REASONS = {
    "illness": "Illness",
    "travel": "Travelling",
    "other": "Something else",
    "": "Prefer not to say",
}
MAX_NOTE = 500
# Attendance states that hold a place in a session.
OCCUPYING = (AttendanceState.scheduled, AttendanceState.attended, AttendanceState.makeup)


# ------------------------------------------------------------------------------------------ what it earns


@dataclass(frozen=True)
class CancelPreview:
    attendance_id: int
    session_label: str
    allowed: bool
    late: bool
    outcome: str  # "makeup" | "entry" | "nothing" | "refused"
    message: str  # plain words for the dialog


def _load_for_change(db: Session, principal: Principal, attendance_id: object):
    """The attendance with its booking, session, class and programme, if the principal may manage it."""
    if not is_id(attendance_id):
        raise NotFound("session")
    row = db.exec(
        select(Attendance, Booking, ClassSession, ClassGroup, Programme)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            Attendance.id == attendance_id,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("session")
    if not may_manage(db, principal, row[1]):
        raise DomainError("Your shared access to this booking does not include excusing sessions.")
    return row


def _open_entry(db: Session, attendance: Attendance, booking: Booking) -> EntryPassEntry | None:
    return db.exec(
        select(EntryPassEntry).where(
            EntryPassEntry.session_id == attendance.session_id,
            EntryPassEntry.attendee_id == booking.attendee_id,
            EntryPassEntry.returned_at.is_(None),
        )
    ).first()


def preview_cancel(
    db: Session, principal: Principal, provider: Provider, attendance_id: object, now: datetime | None = None
) -> CancelPreview:
    """What excusing this session would do, in plain words, before the client confirms."""
    now = now or utcnow()
    attendance, booking, session, _cls, programme = _load_for_change(db, principal, attendance_id)
    booked_cls = db.get(ClassGroup, booking.class_id)
    _cls = booked_cls  # a credit's deadline follows the booking's class (its end, for that policy)
    label = fmt.session_label(session.starts_at, provider.timezone)

    def refused(msg: str) -> CancelPreview:
        return CancelPreview(attendance.id, label, False, False, "refused", msg)

    if attendance.state != AttendanceState.scheduled:
        return refused("Only a scheduled session can be excused.")
    if session.status == SessionStatus.cancelled:
        return refused("The provider has cancelled this session.")
    if as_utc(session.starts_at) <= now:
        return refused("This session has already started.")
    deadline = cancellation_deadline(provider, session.starts_at, provider_holidays(db, provider))
    deadline_label = fmt.session_label(deadline, provider.timezone)
    if now >= deadline:
        if not provider.allow_late_cancellation:
            return refused(
                f"The deadline to excuse this session was {deadline_label}. Please contact "
                f"{provider.name} directly."
            )
        return CancelPreview(
            attendance.id,
            label,
            True,
            True,
            "nothing",
            f"The deadline was {deadline_label}, so this is a late cancellation: the place is "
            "freed for someone else, but it does not earn a make-up.",
        )
    if _open_entry(db, attendance, booking) is not None:
        return CancelPreview(
            attendance.id,
            label,
            True,
            False,
            "entry",
            "The entry used for this session goes back to your pass.",
        )
    if makeups.earns_credit(provider, programme, AttendanceState.cancelled):
        valid = makeups.credit_expiry(provider, _cls, now).astimezone(ZoneInfo(provider.timezone))
        return CancelPreview(
            attendance.id,
            label,
            True,
            False,
            "makeup",
            f"You excuse it in time (before {deadline_label}), so you get a make-up credit "
            f"to book another session by {fmt.day_label(valid.date())}.",
        )
    why = makeups.no_credit_reason(provider, programme, AttendanceState.cancelled)
    return CancelPreview(
        attendance.id, label, True, False, "nothing", f"The place is freed. Nothing is earned: {why}"
    )


@dataclass(frozen=True)
class CancelResult:
    state: AttendanceState
    outcome: str
    message: str
    credit_id: int | None = None


def excuse(
    db: Session,
    principal: Principal,
    provider: Provider,
    attendance_id: object,
    reason: object = "",
    note: object = "",
    now: datetime | None = None,
) -> CancelResult:
    """Excuse (cancel) one upcoming session. Applied once: a repeated or concurrent request changes nothing."""
    now = now or utcnow()
    if not isinstance(reason, str) or reason not in CANCEL_REASONS:
        raise DomainError("Please choose a reason from the list.")
    if not isinstance(note, str):
        raise DomainError("The note must be text.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"The note can be at most {MAX_NOTE} characters.")
    preview = preview_cancel(db, principal, provider, attendance_id, now)
    if not preview.allowed:
        raise DomainError(preview.message)
    attendance, booking, session, _cls, programme = _load_for_change(db, principal, attendance_id)
    new_state = AttendanceState.late_cancelled if preview.late else AttendanceState.cancelled
    done = db.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.state == AttendanceState.scheduled)
        .values(
            state=new_state,
            cancel_reason=reason,
            cancel_note=note,
            changed_at=now,
            changed_by_client_id=principal.client_id,
        )
    ).rowcount
    if done != 1:
        raise DomainError("This session was already changed. Please look again.")
    credit_id = None
    if preview.outcome == "entry":
        entry = _open_entry(db, attendance, booking)
        if entry is not None:
            entry.returned_at = now
            db.add(entry)
    elif preview.outcome == "makeup":
        credit = makeups.grant_credit(
            db, provider, attendance, booking, db.get(ClassGroup, booking.class_id), now
        )
        credit_id = credit.id
    changes.bump_for_bookings(db, [booking.id])
    db.flush()
    makeups.offer_freed_place(db, provider, session.id, now)
    return CancelResult(new_state, preview.outcome, preview.message, credit_id)


def sign_back_up(
    db: Session, principal: Principal, provider: Provider, attendance_id: object, now: datetime | None = None
) -> None:
    """Undo an excuse while the session has not started and still has a place. The credit or returned entry
    it earned goes back; a credit already spent on a make-up blocks this (cancel that make-up first)."""
    now = now or utcnow()
    attendance, booking, session, cls, _programme = _load_for_change(db, principal, attendance_id)
    if attendance.state not in (AttendanceState.cancelled, AttendanceState.late_cancelled):
        raise DomainError("Only an excused session can be signed back up for.")
    if session.status == SessionStatus.cancelled or as_utc(session.starts_at) <= now:
        raise DomainError("This session has already started or was cancelled by the provider.")
    credit = db.exec(select(MakeupCredit).where(MakeupCredit.source_attendance_id == attendance.id)).first()
    if credit is not None and credit.status == MakeupCreditStatus.used:
        raise DomainError(
            "The make-up credit from this cancellation is already used. Cancel that make-up "
            "first to sign back up here."
        )
    # Lock the session row (PostgreSQL) so two sign-ups cannot both see the last place; on SQLite the
    # conditional UPDATE below takes the write lock and evaluates its count atomically.
    db.exec(select(ClassSession.id).where(ClassSession.id == session.id).with_for_update()).first()
    occupied = (
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session.id, Attendance.state.in_(OCCUPYING))
        .scalar_subquery()
    )
    done = db.execute(
        update(Attendance)
        .where(
            Attendance.id == attendance.id,
            Attendance.state.in_([AttendanceState.cancelled, AttendanceState.late_cancelled]),
            occupied < cls.capacity,
        )
        .values(
            state=AttendanceState.scheduled,
            cancel_reason="",
            cancel_note="",
            changed_at=now,
            changed_by_client_id=principal.client_id,
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        raise DomainError("Sorry, this session is full now, so you cannot sign back up.")
    if credit is not None and credit.status == MakeupCreditStatus.open:
        credit.status, credit.closed_reason = MakeupCreditStatus.void, "Signed back up for the session"
        db.add(credit)
    returned = db.exec(
        select(EntryPassEntry)
        .join(EntryPass, EntryPass.id == EntryPassEntry.entry_pass_id)
        .where(
            EntryPassEntry.session_id == session.id,
            EntryPassEntry.attendee_id == booking.attendee_id,
            EntryPassEntry.returned_at.is_not(None),
            EntryPass.expires_at > now,
        )
    ).first()
    if returned is not None:
        returned.returned_at = None
        db.add(returned)
    changes.bump_for_bookings(db, [booking.id])
    db.flush()


# ------------------------------------------------------------------------------------------ the views


@dataclass(frozen=True)
class SessionRow:
    attendance_id: int
    day: str  # "Tue 1 Dec"
    time: str  # "16:00–17:00"
    state: (
        str  # scheduled / attended / excused / excused late / missed / make-up / cancelled by provider / ...
    )
    tab: str  # upcoming (including excused future ones) / attended / missed (past excused, missed, cancelled)
    is_makeup: bool
    online_link: str
    venue: str
    can_cancel: bool
    deadline: str
    can_sign_back_up: bool
    note: str
    class_name: str = ""
    can_cancel_makeup: bool = False
    outcome: str = ""  # "Excused by you · a make-up credit was added", or why nothing was earned
    livestream_from: str = ""  # "16:45": when the join link appears, for an online session not yet open


@dataclass
class BookingDetail:
    id: int
    attendee: str
    programme: str
    description: str
    class_name: str
    place: str
    is_online: bool
    schedule: str
    dates: str
    instructor: str
    price: str
    status: str
    shared_with_me: bool
    can_manage: bool
    # What the booking's fee cost after its discounts, line by line ([] without discounts; fees.discount_parts).
    price_parts: list[tuple[str, str]] = field(default_factory=list)
    upcoming: list[SessionRow] = field(default_factory=list)
    attended: list[SessionRow] = field(default_factory=list)
    missed: list[SessionRow] = field(default_factory=list)
    open_credits: int = 0
    # The next instant at which something on the page changes by itself (a deadline passes, a livestream
    # opens or ends, a session starts): the open page reloads then even if no data changed.
    reload_at: datetime | None = None


_STATE_LABEL = {
    AttendanceState.scheduled: "scheduled",
    AttendanceState.attended: "attended",
    AttendanceState.cancelled: "excused",
    AttendanceState.late_cancelled: "excused late",
    AttendanceState.missed: "missed",
    AttendanceState.makeup: "make-up",
}
_EXCUSED = (AttendanceState.cancelled, AttendanceState.late_cancelled)
# The join link shows from shortly before the start until the end (never for past or future-only sessions).
LIVESTREAM_OPENS_BEFORE = timedelta(minutes=15)


def livestream_open(session: ClassSession, now: datetime) -> bool:
    return as_utc(session.starts_at) - LIVESTREAM_OPENS_BEFORE <= now < as_utc(session.ends_at)


def livestream_link(provider: Provider, cls: ClassGroup, session: ClassSession) -> str:
    """The join link of an online session (the session's own link overrides the class's), or ""."""
    if not provider.livestream_enabled or not cls.is_online:
        return ""
    link = session.online_link or cls.online_link
    return link if link.startswith(("https://", "http://")) else ""


def _price_after_discounts(db: Session, booking: Booking, detail: BookingDetail) -> None:
    """A booking whose one fee got discounts shows what it costs (the fee's amount) with the discounts under it;
    otherwise the list price stays (no fee yet, no discount, or several instalments)."""
    fee_rows = db.exec(
        select(Charge.id, Charge.amount_minor).where(
            Charge.booking_id == booking.id, Charge.status != ChargeStatus.cancelled
        )
    ).all()
    savings = fees.savings_by_charge(db, [charge_id for charge_id, _ in fee_rows])
    if len(fee_rows) == 1 and savings.get(fee_rows[0][0]):
        charge_id, amount = fee_rows[0]
        detail.price = fmt.money(amount, booking.currency)
        detail.price_parts = fees.discount_parts(amount, booking.currency, savings[charge_id])


def booking_detail(
    db: Session, principal: Principal, provider: Provider, booking_id: object, now: datetime | None = None
) -> BookingDetail:
    """Programme details and every session of a booking, sorted into upcoming / attended / cancelled or missed.
    Raises NotFound for a booking the principal may not see (the same as a missing one)."""
    now = now or utcnow()
    booking = get_visible_booking(db, principal, booking_id)
    cls, programme, attendee = db.exec(
        select(ClassGroup, Programme, Attendee)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .join(Attendee, Attendee.id == booking.attendee_id)
        .where(ClassGroup.id == booking.class_id)
    ).one()
    can_manage = may_manage(db, principal, booking)
    tz = provider.timezone
    now_local = fmt.local(now, tz)
    holidays = provider_holidays(db, provider)
    rows = db.exec(
        select(Attendance, ClassSession, ClassGroup)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .where(Attendance.booking_id == booking.id)
        .order_by(ClassSession.starts_at)
    ).all()
    start_day, end_day = booking.starts_on or cls.starts_on, booking.ends_on or cls.ends_on
    detail = BookingDetail(
        id=booking.id,
        attendee=attendee.first_name,
        programme=programme.name,
        description=programme.description,
        class_name=cls.name,
        place="Online" if cls.is_online else cls.venue,
        is_online=cls.is_online,
        schedule=fmt.schedule_label(cls.weekday, cls.start_time),
        dates=" – ".join(fmt.day_label(d) for d in (start_day, end_day) if d),
        instructor=cls.instructor,
        price=fmt.money(booking.price_minor or programme.price_minor, booking.currency),
        status=booking.status.value,
        shared_with_me=attendee.family_id != principal.family_id,
        can_manage=can_manage,
    )
    _price_after_discounts(db, booking, detail)
    credits_by_source = (
        dict(
            db.exec(
                select(MakeupCredit.source_attendance_id, MakeupCredit.status).where(
                    MakeupCredit.source_attendance_id.in_([a.id for a, _, _ in rows])
                )
            ).all()
        )
        if rows
        else {}
    )
    boundaries: list[datetime] = []
    for attendance, session, s_cls in rows:
        start, end = fmt.local(session.starts_at, tz), fmt.local(session.ends_at, tz)
        future = as_utc(session.starts_at) > now
        provider_cancelled = session.status == SessionStatus.cancelled
        state = "cancelled by provider" if provider_cancelled else _STATE_LABEL[attendance.state]
        deadline = cancellation_deadline(provider, session.starts_at, holidays) if future else None
        in_time = deadline is not None and now < deadline
        can_cancel = (
            can_manage
            and future
            and not provider_cancelled
            and attendance.state == AttendanceState.scheduled
            and (in_time or provider.allow_late_cancellation)
        )
        excused = attendance.state in _EXCUSED
        if (
            future
            and not provider_cancelled
            and (excused or attendance.state in (AttendanceState.scheduled, AttendanceState.makeup))
        ):
            tab = "upcoming"  # an excused session stays in the list, with its undo
        elif provider_cancelled or excused or attendance.state == AttendanceState.missed:
            tab = "missed"
        elif future:
            tab = "upcoming"
        else:  # attended, or past and not marked by the provider yet
            tab = "attended"
            if attendance.state != AttendanceState.attended:
                state = "awaiting attendance"
        attending = not provider_cancelled and attendance.state in (
            AttendanceState.scheduled,
            AttendanceState.makeup,
        )
        link = livestream_link(provider, s_cls, session) if attending else ""
        opens = as_utc(session.starts_at) - LIVESTREAM_OPENS_BEFORE
        if future or as_utc(session.ends_at) > now:
            boundaries += [opens, as_utc(session.starts_at), as_utc(session.ends_at)]
            if deadline is not None:
                boundaries.append(deadline)
        outcome = ""
        if excused or attendance.state == AttendanceState.missed:
            who = (
                ("Excused by you" if attendance.changed_by_client_id == principal.client_id else "Excused")
                if excused
                else ""
            )
            credit = credits_by_source.get(attendance.id)
            earned = {
                MakeupCreditStatus.open: "a make-up credit was added to Benefits",
                MakeupCreditStatus.used: "its make-up credit is used",
                MakeupCreditStatus.expired: "its make-up credit expired",
            }.get(credit, "")
            why = "" if earned else makeups.no_credit_reason(provider, programme, attendance.state)
            outcome = " · ".join(p for p in (who, earned or why) if p)
        row = SessionRow(
            attendance_id=attendance.id,
            day=fmt.short_day(start, now_local),
            time=f"{start:%H:%M}–{end:%H:%M}",
            state=state,
            tab=tab,
            is_makeup=attendance.state == AttendanceState.makeup,
            online_link=link if livestream_open(session, now) else "",
            venue=session.venue or ("Online" if s_cls.is_online else s_cls.venue),
            can_cancel=can_cancel,
            deadline=fmt.session_label(deadline, tz) if can_cancel and in_time else "",
            can_sign_back_up=(can_manage and future and not provider_cancelled and excused),
            note=session.note,
            class_name=s_cls.name,
            can_cancel_makeup=(
                can_manage
                and future
                and not provider_cancelled
                and attendance.state == AttendanceState.makeup
                and (in_time or provider.allow_late_cancellation)
            ),
            outcome=outcome,
            livestream_from=f"{fmt.local(opens, tz):%H:%M}" if link and now < opens else "",
        )
        {"upcoming": detail.upcoming, "attended": detail.attended, "missed": detail.missed}[tab].append(row)
    detail.reload_at = min((b for b in boundaries if b > now), default=None)
    detail.missed.reverse()  # newest first for history
    detail.attended.reverse()
    detail.open_credits = sum(makeups.bookable_credits(db, principal, provider, now, booking.id).values())
    return detail
