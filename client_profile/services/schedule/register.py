"""The attendance register of the provider console (issue 11 item 4): an instructor's sessions of today and this
week, the list view of any session for owner and office, one session's register, marking one attendee and
"all present".

Every function takes the acting StaffPrincipal and checks it itself (Capability.register, through
services.people.access: an instructor only the classes they teach; another class's session looks missing). The
attendance rules are services.schedule.provider_sessions' (``apply_mark``), the same the operator CLI applies;
this module adds the console's own (docs/decisions.md "The attendance register"):

- **Edit window**: staff may change a session's register until ``Provider.attendance_edit_days`` days after
  the session's end (exactly then still; a minute later no longer). Later changes are refused with a message
  saying since when.
- **Audit**: every change is one audit row (``attendance.mark``, before/after state, the attendee's family and
  the session's class); "all present" is one row (``attendance.all_present``) listing everyone it marked. A
  change made after the session's local day is over says "late change" in the summary and ``late`` in after.
- **Who is a make-up guest**: an attendance whose booking is of another class (a make-up booked into this
  session) or that holds a make-up credit. Guests are listed in their own section; a guest who cancelled the
  make-up is not listed (they never had a place in this class). Regular attendees the family excused are
  listed, as excused, and cannot be changed here.
- **Incomplete**: a started, not cancelled session with an attendee (regular or make-up guest) still neither
  attended nor missed.

Times are aware UTC in the database; everything shown is local in the provider's timezone. The caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    Programme,
    Provider,
    SessionStatus,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people import audit
from client_profile.services.people.access import (
    Capability,
    get_register_session,
    is_id,
    register_classes_clause,
    require_staff,
)
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule.provider_sessions import (
    AttendanceChange,
    apply_mark,
    check_markable,
    parse_mark,
)

MAX_RANGE_DAYS = 92  # the list view's longest date range
MAX_ROWS = 500
_EXCUSED = frozenset({AttendanceState.cancelled, AttendanceState.late_cancelled})
_MARKED = frozenset({AttendanceState.attended, AttendanceState.missed})
_UNMARKED = frozenset({AttendanceState.scheduled, AttendanceState.makeup})


# --------------------------------------------------------------------------------------------- view types


@dataclass(frozen=True, slots=True)
class RegisterSessionRow:
    """One session in "my sessions" and in the list view."""

    id: int
    class_id: int
    class_name: str
    programme: str
    day: str  # local ISO date, "2026-12-01"
    day_label: str  # local, "Tue 1 Dec" ("Tue 5 Jan 2027" outside the current year)
    starts: str  # local "16:00"
    ends: str  # local "16:45"
    venue: str  # the session's venue, else the class's
    status: str  # scheduled / cancelled / completed
    is_today: bool
    started: bool
    expected: int  # places not excused: regular attendees and make-up guests
    guests: int  # of them make-up guests
    marked: int  # attended or missed
    incomplete: bool  # started, not cancelled, somebody still unmarked
    editable: bool  # started, not cancelled and within the edit window


@dataclass(frozen=True, slots=True)
class MySessions:
    today: list[RegisterSessionRow]  # today's sessions (provider-local day), oldest first
    week: list[RegisterSessionRow]  # Monday..Sunday of this week, today's included
    # Older sessions (before this week) that are still incomplete and still editable.
    to_finish: list[RegisterSessionRow]
    today_label: str  # "Tue 1 Dec"
    week_label: str  # "30 Nov - 6 Dec 2026"


@dataclass(frozen=True, slots=True)
class RegisterClassOption:
    id: int
    name: str
    programme: str


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One attendee's place in the register."""

    attendee_id: int
    attendance_id: int
    name: str  # "Ema Novak"
    initials: str  # "EN", for the photo placeholder
    has_photo: bool  # the photo is served by a staff route (see docs/decisions.md "The attendance register")
    state: str  # AttendanceState value
    is_guest: bool  # a make-up guest (listed in its own section)
    home_class: str  # a guest's own class ("" for regular attendees)
    excused: bool  # excused by the family: shown, never changed here
    can_mark: bool  # the register is editable and this line is not excused


@dataclass(frozen=True, slots=True)
class SessionRegister:
    session_id: int
    class_id: int
    class_name: str
    programme: str
    day_label: str  # "Tue 1 Dec"
    starts: str  # "16:00"
    ends: str  # "16:45"
    venue: str
    status: str
    started: bool
    editable: bool  # started, not cancelled, within the edit window
    notice: str  # why it cannot be marked ("" when it can)
    open_until: str  # local "Tue 8 Dec, 16:45": the last moment staff may change it
    regulars: list[RegisterLine]  # the class's own attendees (excused ones too), by name
    guests: list[RegisterLine]  # make-up guests, by name
    expected: int
    marked: int


@dataclass(frozen=True, slots=True)
class RegisterChange:
    """What a mark did: the attendance change and whether it was a late one."""

    change: AttendanceChange
    late: bool


# --------------------------------------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


def _provider(db: Session, principal: StaffPrincipal) -> Provider:
    provider = db.get(Provider, principal.provider_id)
    if provider is None:
        raise NotFound("provider")
    return provider


def edit_deadline(session: ClassSession, provider: Provider) -> datetime:
    """The last instant staff may change the session's register: its end plus the provider's edit days."""
    return as_utc(session.ends_at) + timedelta(days=max(0, provider.attendance_edit_days))


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (midnight local exists on every day in practice; fold 0 if twice)."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def _is_late(session: ClassSession, tz: ZoneInfo, now: datetime) -> bool:
    """A change after the session's local day is over (a correction on the same day is not late)."""
    day = as_utc(session.starts_at).astimezone(tz).date()
    return now >= _local_midnight(day + timedelta(days=1), tz)


def _check_editable(session: ClassSession, provider: Provider, now: datetime) -> None:
    deadline = edit_deadline(session, provider)
    if now > deadline:
        when = fmt.session_label(deadline, provider.timezone)
        days = provider.attendance_edit_days
        raise DomainError(
            f"The register of this session closed on {when}: attendance can be changed up to {days} "
            f"day{'s' if days != 1 else ''} after a session (the provider's setting)."
        )


def _venue(session: ClassSession, group: ClassGroup) -> str:
    return session.venue or group.venue


def _is_guest(row: Attendance, booking_class_id: int, session: ClassSession) -> bool:
    return row.makeup_credit_id is not None or booking_class_id != session.class_id


# --------------------------------------------------------------------------------------------- lists


def _session_rows(
    db: Session,
    principal: StaffPrincipal,
    provider: Provider,
    now: datetime,
    *,
    start: datetime,
    end: datetime,
    class_id: int | None = None,
) -> list[RegisterSessionRow]:
    """The sessions of the classes the staff member may register starting in [start, end), with counts.
    Two queries whatever the number of sessions."""
    tz = ZoneInfo(provider.timezone)
    query = (
        select(ClassSession, ClassGroup, Programme.name)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            register_classes_clause(principal), ClassSession.starts_at >= start, ClassSession.starts_at < end
        )
        .order_by(ClassSession.starts_at, ClassGroup.name, ClassSession.id)
        .limit(MAX_ROWS)
    )
    if class_id is not None:
        query = query.where(ClassSession.class_id == class_id)
    rows = db.exec(query).all()
    ids = [s.id for s, _, _ in rows]
    # session id -> [expected, guests, marked, unmarked]
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if ids:
        guest = (Attendance.makeup_credit_id.is_not(None)) | (Booking.class_id != ClassSession.class_id)
        for sid, state, is_guest, n in db.exec(
            select(Attendance.session_id, Attendance.state, guest, func.count())
            .join(Booking, Booking.id == Attendance.booking_id)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(Attendance.session_id.in_(ids))
            .group_by(Attendance.session_id, Attendance.state, guest)
        ).all():
            value = AttendanceState(state)
            if value in _EXCUSED:
                continue
            c = counts[sid]
            c[0] += n
            c[1] += n if is_guest else 0
            c[2] += n if value in _MARKED else 0
            c[3] += n if value in _UNMARKED else 0
    today = now.astimezone(tz).date()
    result = []
    for session, group, programme in rows:
        start_local = as_utc(session.starts_at).astimezone(tz)
        end_local = as_utc(session.ends_at).astimezone(tz)
        expected, guests, marked, unmarked = counts[session.id]
        cancelled = session.status == SessionStatus.cancelled
        started = as_utc(session.starts_at) <= now
        result.append(
            RegisterSessionRow(
                id=session.id,
                class_id=group.id,
                class_name=group.name,
                programme=programme,
                day=start_local.date().isoformat(),
                day_label=fmt.short_day(start_local, today),
                starts=f"{start_local:%H:%M}",
                ends=f"{end_local:%H:%M}",
                venue=_venue(session, group),
                status=SessionStatus(session.status).value,
                is_today=start_local.date() == today,
                started=started,
                expected=expected,
                guests=guests,
                marked=marked,
                incomplete=started and not cancelled and unmarked > 0,
                editable=started and not cancelled and now <= edit_deadline(session, provider),
            )
        )
    return result


def my_sessions(db: Session, principal: StaffPrincipal, now: datetime | None = None) -> MySessions:
    """Today's and this week's sessions (provider-local days; the week is Monday..Sunday around now) of the
    classes this staff member may register (an instructor: the classes they teach; owner and office: all),
    plus older sessions still incomplete while their register is open."""
    require_staff(principal, Capability.register)
    moment = _now(now)
    provider = _provider(db, principal)
    tz = ZoneInfo(provider.timezone)
    today = moment.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    week_start, week_end = _local_midnight(monday, tz), _local_midnight(sunday + timedelta(days=1), tz)
    # Sessions that ended up to attendance_edit_days ago may still be finished; none of a class lasts a week.
    earliest = min(week_start, moment - timedelta(days=max(0, provider.attendance_edit_days) + 7))
    week = _session_rows(db, principal, provider, moment, start=week_start, end=week_end)
    older = [
        r
        for r in _session_rows(db, principal, provider, moment, start=earliest, end=week_start)
        if r.incomplete and r.editable
    ]
    first = f"{monday.day} {monday:%b}" + (f" {monday.year}" if monday.year != sunday.year else "")
    return MySessions(
        today=[r for r in week if r.is_today],
        week=week,
        to_finish=older,
        today_label=fmt.short_day(today, today),
        week_label=f"{first} - {fmt.day_label(sunday)}",
    )


def register_classes(db: Session, principal: StaffPrincipal) -> list[RegisterClassOption]:
    """The classes this staff member may register, for the list view's filter (by programme, then name)."""
    require_staff(principal, Capability.register)
    rows = db.exec(
        select(ClassGroup.id, ClassGroup.name, Programme.name)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(register_classes_clause(principal))
        .order_by(Programme.name, ClassGroup.name, ClassGroup.id)
    ).all()
    return [RegisterClassOption(cid, name, programme) for cid, name, programme in rows]


def _parse_day(value: object, what: str) -> date:
    if isinstance(value, datetime):
        raise DomainError(f"The {what} date must be a date (YYYY-MM-DD).")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DomainError(f"The {what} date must be a date (YYYY-MM-DD).")


def find_sessions(
    db: Session,
    principal: StaffPrincipal,
    *,
    date_from: object,
    date_to: object,
    class_id: object = None,
    now: datetime | None = None,
) -> list[RegisterSessionRow]:
    """The list view: the sessions between two provider-local dates (both included, at most 92 days apart) of
    one class or of every class the staff member may register, oldest first (at most 500). Owner and office
    open any session of the provider from here; an instructor sees only their own classes. Dates are
    ``date`` objects or "YYYY-MM-DD" (a form's input); a class the staff member may not register is NotFound."""
    require_staff(principal, Capability.register)
    first, last = _parse_day(date_from, "from"), _parse_day(date_to, "to")
    if last < first:
        raise DomainError("The 'to' date must not be before the 'from' date.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise DomainError(f"Choose at most {MAX_RANGE_DAYS} days at a time.")
    if class_id is not None and class_id != "":
        if not is_id(class_id) or not any(c.id == class_id for c in register_classes(db, principal)):
            raise NotFound("class")
    else:
        class_id = None
    provider = _provider(db, principal)
    tz = ZoneInfo(provider.timezone)
    return _session_rows(
        db,
        principal,
        provider,
        _now(now),
        start=_local_midnight(first, tz),
        end=_local_midnight(last + timedelta(days=1), tz),
        class_id=class_id,
    )


# --------------------------------------------------------------------------------------------- one session


def session_register(
    db: Session, principal: StaffPrincipal, session_id: object, now: datetime | None = None
) -> SessionRegister:
    """The register of one session: the class, local time, venue, its regular attendees (excused ones shown as
    excused) and its make-up guests, each with state and photo flag, and whether it can be marked now."""
    session = get_register_session(db, principal, session_id)
    moment = _now(now)
    provider = _provider(db, principal)
    tz = ZoneInfo(provider.timezone)
    group = db.get(ClassGroup, session.class_id)
    programme = db.get(Programme, group.programme_id)
    started = as_utc(session.starts_at) <= moment
    cancelled = session.status == SessionStatus.cancelled
    deadline = edit_deadline(session, provider)
    notice = ""
    if cancelled:
        notice = "This session is cancelled; it has no register to take."
    elif not started:
        at = fmt.session_label(session.starts_at, provider.timezone)
        notice = f"Attendance can be marked once the session has started ({at})."
    elif moment > deadline:
        at = fmt.session_label(deadline, provider.timezone)
        notice = f"The register closed on {at}; it can no longer be changed."
    editable = not notice

    home = ClassGroup.__table__.alias("home_class")
    rows = db.exec(
        select(
            Attendance,
            Attendee.id,
            Attendee.first_name,
            Attendee.last_name,
            Attendee.photo_jpeg.is_not(None),
            Booking.class_id,
            home.c.name,
        )
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(home, home.c.id == Booking.class_id)
        .where(Attendance.session_id == session.id)
        .order_by(Attendee.first_name, Attendee.last_name, Attendee.id)
    ).all()
    regulars, guests = [], []
    for row, attendee_id, first, last, has_photo, booking_class, home_name in rows:
        state = AttendanceState(row.state)
        guest = _is_guest(row, booking_class, session)
        excused = state in _EXCUSED
        if guest and excused:
            continue  # a make-up the family cancelled: no place in this session any more
        line = RegisterLine(
            attendee_id=attendee_id,
            attendance_id=row.id,
            name=f"{first} {last}".strip(),
            initials=fmt.initials(first, last),
            has_photo=bool(has_photo),
            state=state.value,
            is_guest=guest,
            home_class=home_name if guest else "",
            excused=excused,
            can_mark=editable and not excused,
        )
        (guests if guest else regulars).append(line)
    counted = [line for line in regulars + guests if not line.excused]
    start_local = as_utc(session.starts_at).astimezone(tz)
    return SessionRegister(
        session_id=session.id,
        class_id=group.id,
        class_name=group.name,
        programme=programme.name,
        day_label=fmt.short_day(start_local, moment.astimezone(tz)),
        starts=f"{start_local:%H:%M}",
        ends=f"{as_utc(session.ends_at).astimezone(tz):%H:%M}",
        venue=_venue(session, group),
        status=SessionStatus(session.status).value,
        started=started,
        editable=editable,
        notice=notice,
        open_until=fmt.session_label(deadline, provider.timezone),
        regulars=regulars,
        guests=guests,
        expected=len(counted),
        marked=sum(1 for line in counted if line.state in (s.value for s in _MARKED)),
    )


def register_photo(db: Session, principal: StaffPrincipal, attendee_id: object) -> bytes:
    """An attendee's photo (JPEG) for the register: only of an attendee with a place (regular or make-up, any
    date) in a session this staff member may register. NotFound for junk ids, anybody else and a missing photo
    alike. For a staff photo route (the client route, api/media.py, takes only a client session)."""
    require_staff(principal, Capability.register)
    if not is_id(attendee_id):
        raise NotFound("photo")
    photo = db.exec(
        select(Attendee.photo_jpeg)
        .join(Booking, Booking.attendee_id == Attendee.id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Attendee.id == attendee_id, register_classes_clause(principal))
        .limit(1)
    ).first()
    if photo is None:
        raise NotFound("photo")
    return photo


# --------------------------------------------------------------------------------------------- changes


def _names(attendee: Attendee) -> str:
    return f"{attendee.first_name} {attendee.last_name}".strip()


def mark(
    db: Session,
    principal: StaffPrincipal,
    session_id: object,
    attendee_id: object,
    state: object,
    now: datetime | None = None,
) -> RegisterChange:
    """Mark one attendee of a session attended, missed or back to scheduled (a make-up guest: back to make-up),
    by the rules of services.schedule.provider_sessions plus the edit window; records the staff member on the
    attendance, audits the change and bumps the family's data version. Marking the state it already has changes
    nothing and audits nothing. The caller commits."""
    session = get_register_session(db, principal, session_id)
    wanted = parse_mark(state)
    moment = _now(now)
    provider = _provider(db, principal)
    _check_editable(session, provider, moment)
    found = (
        db.exec(
            select(Attendance, Attendee)
            .join(Booking, Booking.id == Attendance.booking_id)
            .join(Attendee, Attendee.id == Booking.attendee_id)
            .where(Attendance.session_id == session.id, Booking.attendee_id == attendee_id)
            .order_by(Attendance.id)
        ).first()
        if is_id(attendee_id)
        else None
    )
    if found is None:  # only the session's own attendees are reachable: no other family's child is named
        raise NotFound("attendee")
    row, attendee = found
    change = apply_mark(db, session, row, attendee, wanted, moment, staff_id=principal.staff_id)
    late = _is_late(session, ZoneInfo(provider.timezone), moment)
    if change.changed:
        group = db.get(ClassGroup, session.class_id)
        when = fmt.session_label(session.starts_at, provider.timezone)
        audit.record(
            db,
            principal,
            action="attendance.mark",
            entity="attendance",
            entity_id=row.id,
            summary=f"{_names(attendee)}: {change.before} -> {change.after}, {group.name} on {when}"
            + (" (late change)" if late else ""),
            before={"state": change.before},
            after={"state": change.after, "session_id": session.id} | ({"late": True} if late else {}),
            family_id=attendee.family_id,
            class_id=session.class_id,
            now=moment,
        )
        db.flush()
    return RegisterChange(change, late)


def mark_all_present(
    db: Session, principal: StaffPrincipal, session_id: object, now: datetime | None = None
) -> list[AttendanceChange]:
    """ "All present": every regular attendee and make-up guest of the session still unmarked (scheduled or
    make-up) becomes attended, in one unit of work, audited as one entry listing them. Excused and already
    marked attendees are untouched. Nothing to mark: an empty list, no audit row. The caller commits."""
    session = get_register_session(db, principal, session_id)
    moment = _now(now)
    provider = _provider(db, principal)
    check_markable(session, moment)
    _check_editable(session, provider, moment)
    rows = db.exec(
        select(Attendance, Attendee)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendance.session_id == session.id, Attendance.state.in_(list(_UNMARKED)))
        .order_by(Attendee.first_name, Attendee.last_name, Attendee.id)
    ).all()
    changes = [
        apply_mark(db, session, row, attendee, "attended", moment, staff_id=principal.staff_id)
        for row, attendee in rows
    ]
    done = [(c, attendee) for c, (_, attendee) in zip(changes, rows, strict=True) if c.changed]
    if done:
        group = db.get(ClassGroup, session.class_id)
        when = fmt.session_label(session.starts_at, provider.timezone)
        late = _is_late(session, ZoneInfo(provider.timezone), moment)
        families = {attendee.family_id for _, attendee in done}
        listed = [
            {
                "attendance_id": c.attendance_id,
                "attendee_id": attendee.id,
                "name": _names(attendee),
                "family_id": attendee.family_id,
                "before": c.before,
            }
            for c, attendee in done
        ]
        audit.record(
            db,
            principal,
            action="attendance.all_present",
            entity="class_session",
            entity_id=session.id,
            summary=f"All present ({len(done)}): {group.name} on {when}" + (" (late change)" if late else ""),
            before={"marked": [{"attendance_id": c.attendance_id, "state": c.before} for c, _ in done]},
            after={"attended": listed} | ({"late": True} if late else {}),
            family_id=families.pop() if len(families) == 1 else None,
            class_id=session.class_id,
            now=moment,
        )
        db.flush()
    return [c for c, _ in done]
