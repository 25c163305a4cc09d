"""A class's sessions in the provider console: made from its schedule, one-off sessions, moving one session,
cancelling and restoring one, and the list the console shows.

Every function takes the acting StaffPrincipal and checks it (``Capability.schedule``: owner and office); ids
of another provider look missing. The caller commits; everything here flushes. Bad input raises DomainError
(``InvalidField`` naming the form field) before anything is written; an edit of an existing session claims the
version its form was opened with (services.people.audit.claim_version); every change is audited and bumps the
families who see it (services.people.changes).

Rules (docs/decisions.md "The schedule in the console"):
- The past is history: a session that has started is never created, moved, retimed or removed here.
- Applying a class's schedule (``apply_schedule``, on creating or editing a class, or "Update sessions") makes
  its future sessions match it: a session on a day of the schedule keeps its row (and so its attendance,
  excuses and make-ups) and takes the new time; a missing day gets a new session, with a place (a scheduled
  attendance) for every active booking of the class that covers that day; a session on a day no longer in the
  schedule (or now a holiday) is deleted when nothing hangs on it (only untouched regular places), and
  cancelled otherwise (an excuse, a make-up, a waiting list or a pass entry keeps it as history).
- Sessions the console added as one-offs or moved are the provider's explicit choice: applying the schedule
  leaves them alone and does not recreate the day a session was moved away from. (Known from the audit log:
  there is no column for it; docs/decisions.md says why.)
- Moving a session: a scheduled session that has not started, to a time that has not come, not on top of
  another session of the class; it keeps its attendance; the families with a place get an e-mail
  (services.notifications.session_changes). Cancelling and restoring follow the CLI's rules
  (services.schedule.provider_sessions) and notify the families when the session is still ahead.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    AttendanceState,
    Booking,
    BookingStatus,
    ClassGroup,
    ClassSession,
    EntryPassEntry,
    MakeupCredit,
    MakeupWaitlistEntry,
    Programme,
    Provider,
    ProviderHoliday,
    SessionStatus,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.models.staff import AuditEntry
from client_profile.services.errors import DomainError, InvalidField, NotFound
from client_profile.services.notifications import session_changes
from client_profile.services.people import audit
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.services.people.changes import bump_for_sessions
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule import provider_sessions
from client_profile.services.schedule.generation import (
    MAX_SESSIONS,
    Occurrence,
    local_instant,
    occurrences,
    weekly_days,
)

SESSION_FIELDS = ("starts_at", "ends_at", "venue", "online_link", "status", "note")
MIN_DURATION, MAX_DURATION = 5, 24 * 60
ACTION_ADD = "session.add"
ACTION_MOVE = "session.move"
REMOVED_NOTE = "No longer in the class's schedule."


# --------------------------------------------------------------------------------------------- parsing


def field_value(field: str, parse, value: object):
    """``parse(value)`` with its DomainError turned into an InvalidField for ``field``."""
    try:
        return parse(value)
    except InvalidField:
        raise
    except DomainError as exc:
        raise InvalidField(field, str(exc)) from None


def parse_day(field: str, label: str, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidField(field, f"{label} must be a date as YYYY-MM-DD, not {value!r}.")


def parse_clock(field: str, label: str, value: object) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = value.strip() if isinstance(value, str) else ""
    parts = text.split(":")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts) and len(parts[1]) == 2:
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60 and len(parts[0]) <= 2:
            return time(hour, minute)
    raise InvalidField(field, f"{label} must be a time of day as HH:MM (e.g. 16:00), not {value!r}.")


def parse_whole(field: str, label: str, value: object, low: int, high: int) -> int:
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 10:
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise InvalidField(field, f"{label} must be a whole number from {low} to {high}, not {value!r}.")
    return number


def parse_line(field: str, label: str, value: object, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidField(field, f"{label} must be text.")
    if any(ord(c) < 32 or ord(c) == 127 for c in value.strip(" \t")):
        raise InvalidField(field, f"{label} must be one line without control characters.")
    text = " ".join(value.split())
    if required and not text:
        raise InvalidField(field, f"{label} cannot be empty.")
    if len(text) > max_length:
        raise InvalidField(field, f"{label} is too long (at most {max_length} characters).")
    return text


def parse_duration(value: object) -> int:
    return parse_whole("duration_minutes", "The duration (minutes)", value, MIN_DURATION, MAX_DURATION)


def parse_link(value: object) -> str:
    return field_value("online_link", provider_sessions.clean_link, value)


# --------------------------------------------------------------------------------------------- lookups


def provider_of(db: Session, principal: StaffPrincipal) -> Provider:
    provider = db.get(Provider, principal.provider_id)
    if provider is None:  # pragma: no cover - a staff session always has its provider
        raise NotFound("provider")
    return provider


def scoped_class(db: Session, principal: StaffPrincipal, class_id: object) -> ClassGroup:
    """The class if it is the staff member's provider's; NotFound otherwise (also for malformed ids)."""
    cid = parse_id(class_id)
    row = (
        db.exec(
            select(ClassGroup)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .where(ClassGroup.id == cid, Programme.provider_id == principal.provider_id)
        ).first()
        if cid is not None
        else None
    )
    if row is None:
        raise NotFound("class")
    return row


def scoped_session(
    db: Session, principal: StaffPrincipal, session_id: object
) -> tuple[ClassSession, ClassGroup]:
    sid = parse_id(session_id)
    row = (
        db.exec(
            select(ClassSession, ClassGroup)
            .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .where(ClassSession.id == sid, Programme.provider_id == principal.provider_id)
        ).first()
        if sid is not None
        else None
    )
    if row is None:
        raise NotFound("session")
    return row[0], row[1]


def holidays(db: Session, provider_id: int) -> dict[date, str]:
    return {
        h.day: h.name
        for h in db.exec(select(ProviderHoliday).where(ProviderHoliday.provider_id == provider_id)).all()
    }


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


def local_day(instant: datetime, tz: str) -> date:
    return fmt.local(instant, tz).date()


# --------------------------------------------------------------------------------------------- places


def booking_covers(booking: Booking, day: date) -> bool:
    """Whether an active booking has a place in its class's session on the local ``day``."""
    return (
        booking.status == BookingStatus.active
        and (booking.starts_on is None or booking.starts_on <= day)
        and (booking.ends_on is None or day <= booking.ends_on)
    )


def seat_bookings(db: Session, group: ClassGroup, sessions: list[ClassSession], tz: str) -> int:
    """A scheduled attendance in each of these (new) sessions for every active booking of the class that
    covers its day. Returns how many places were made."""
    if not sessions:
        return 0
    bookings = db.exec(
        select(Booking).where(Booking.class_id == group.id, Booking.status == BookingStatus.active)
    ).all()
    have = set(
        db.exec(
            select(Attendance.booking_id, Attendance.session_id).where(
                Attendance.session_id.in_([s.id for s in sessions])
            )
        ).all()
    )
    rows = [
        Attendance(booking_id=b.id, session_id=s.id, state=AttendanceState.scheduled)
        for s in sessions
        for b in bookings
        if booking_covers(b, local_day(s.starts_at, tz)) and (b.id, s.id) not in have
    ]
    db.add_all(rows)
    return len(rows)


def _history(db: Session, session_ids: list[int]) -> set[int]:
    """The sessions something hangs on besides untouched regular places: an attendance that is not a plain
    scheduled place (an excuse, a make-up, a mark), a make-up credit earned in it, a waiting list, a pass
    entry. Such a session is cancelled, never deleted."""
    if not session_ids:
        return set()
    marked = select(Attendance.session_id).where(
        Attendance.session_id.in_(session_ids),
        or_(Attendance.state != AttendanceState.scheduled, Attendance.makeup_credit_id.is_not(None)),
    )
    credited = (
        select(Attendance.session_id)
        .join(MakeupCredit, MakeupCredit.source_attendance_id == Attendance.id)
        .where(Attendance.session_id.in_(session_ids))
    )
    waiting = select(MakeupWaitlistEntry.session_id).where(MakeupWaitlistEntry.session_id.in_(session_ids))
    passes = select(EntryPassEntry.session_id).where(EntryPassEntry.session_id.in_(session_ids))
    found: set[int] = set()
    for query in (marked, credited, waiting, passes):
        found.update(i for i in db.exec(query).all() if i is not None)
    return found


# --------------------------------------------------------------------------------------------- the schedule


@dataclass(frozen=True)
class ScheduleResult:
    """What applying a schedule did: counts, and the holidays it left out (ISO days)."""

    created: int = 0
    retimed: int = 0
    deleted: int = 0
    cancelled: int = 0
    skipped_holidays: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.created, "new"),
                (self.retimed, "new time"),
                (self.deleted, "removed"),
                (self.cancelled, "cancelled"),
            )
            if n
        ]
        text = "Sessions: " + (", ".join(parts) if parts else "no change") + "."
        if self.skipped_holidays:
            text += " Holidays left out: " + ", ".join(self.skipped_holidays) + "."
        return text


def _pinned(db: Session, class_id: int, tz: str, sessions: list[ClassSession]) -> tuple[set[int], set[date]]:
    """The sessions the console added as one-offs or moved (from the audit log), and the home days of the
    moved ones (the day before their first move in time; a session moved only to another venue keeps its
    day): the schedule makes no other session on a home day. ``sessions``: the rows to read the current day
    of a session moved in place from."""
    rows = db.exec(
        select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.before_json)
        .where(
            AuditEntry.entity == "class_session",
            AuditEntry.class_id == class_id,
            AuditEntry.action.in_([ACTION_ADD, ACTION_MOVE]),
        )
        .order_by(AuditEntry.id)
    ).all()
    ids: set[int] = set()
    home: dict[int, date | None] = {}
    for entity_id, action, before in rows:
        if entity_id is None:
            continue
        ids.add(entity_id)
        if action != ACTION_MOVE or home.get(entity_id) is not None:
            continue
        start = json.loads(before).get("starts_at") if before else None
        home[entity_id] = local_day(datetime.fromisoformat(start), tz) if start else None
    current = {s.id: local_day(s.starts_at, tz) for s in sessions}
    days = {day if day is not None else current.get(sid) for sid, day in home.items()}
    return ids, {d for d in days if d is not None}


def schedule_days(group: ClassGroup, dates: list[date] | None, existing_days: list[date]) -> list[date]:
    """The local days a class meets: its weekday through its term, or the explicit dates (given now, or the
    days its sessions are on when an explicit-date class is edited without new dates)."""
    if group.weekday is not None:
        if group.starts_on is None or group.ends_on is None:
            raise InvalidField("starts_on", "A weekly class needs its term's first and last day.")
        return weekly_days(group.weekday, group.starts_on, group.ends_on)
    return sorted(set(dates if dates is not None else existing_days))


def apply_schedule(
    db: Session,
    principal: StaffPrincipal,
    group: ClassGroup,
    *,
    dates: list[date] | None = None,
    now: datetime | None = None,
) -> ScheduleResult:
    """Make the class's future sessions match its schedule (rules in the module docstring). The caller has
    checked the principal and validated the class; this audits and bumps what it changes."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    provider = provider_of(db, principal)
    tz = provider.timezone
    if group.start_time is None:
        raise InvalidField("start_time", "The class needs a start time (HH:MM).")
    future = db.exec(
        select(ClassSession)
        .where(ClassSession.class_id == group.id, ClassSession.starts_at > moment)
        .order_by(ClassSession.starts_at, ClassSession.id)
    ).all()
    pinned, moved_from = _pinned(db, group.id, tz, future)
    free = [s for s in future if s.id not in pinned]
    days = schedule_days(group, dates, [local_day(s.starts_at, tz) for s in free])
    closed = holidays(db, provider.id)
    wanted, skipped = occurrences(days, group.start_time, group.duration_minutes, tz, closed)
    wanted = [o for o in wanted if o.starts_at > moment and o.day not in moved_from]
    if len(wanted) > MAX_SESSIONS:
        raise InvalidField(
            "ends_on", f"That schedule makes {len(wanted)} sessions; at most {MAX_SESSIONS} per class."
        )
    by_day: dict[date, list[ClassSession]] = defaultdict(list)
    for s in free:
        by_day[local_day(s.starts_at, tz)].append(s)
    pinned_starts = {as_utc(s.starts_at) for s in future if s.id in pinned}
    created: list[ClassSession] = []
    retimed: list[ClassSession] = []
    for occ in wanted:
        same_day = by_day.get(occ.day)
        if same_day:
            session = same_day.pop(0)
            if occ.starts_at in pinned_starts and as_utc(session.starts_at) != occ.starts_at:
                same_day.insert(0, session)  # a moved session holds that time: this one is left over
                continue
            if (as_utc(session.starts_at), as_utc(session.ends_at)) != (occ.starts_at, occ.ends_at):
                session.starts_at, session.ends_at = occ.starts_at, occ.ends_at
                session.version += 1  # a move form opened before this is stale now
                db.add(session)
                retimed.append(session)
        elif occ.starts_at not in pinned_starts:
            created.append(_new_session(group, occ))
    leftover = [s for rest in by_day.values() for s in rest]
    db.add_all(created)
    db.flush()
    seat_bookings(db, group, created, tz)
    deleted, cancelled = _remove(db, leftover)
    bump_for_sessions(db, [s.id for s in created + retimed + cancelled])  # the deleted: in _remove
    for session in cancelled:
        session_changes.notify_session_changed(db, session.id, session_changes.CANCELLED, now=moment)
    result = ScheduleResult(
        created=len(created),
        retimed=len(retimed),
        deleted=deleted,
        cancelled=len(cancelled),
        skipped_holidays=tuple(d.isoformat() for d in skipped if d >= local_day(moment, tz)),
    )
    if created or retimed or deleted or cancelled:
        audit.record(
            db,
            principal,
            action="class.sessions",
            entity="class_group",
            entity_id=group.id,
            class_id=group.id,
            summary=f"{group.name}: {result.summary}"[:300],
            after={
                "created": [s.id for s in created],
                "retimed": [s.id for s in retimed],
                "deleted": deleted,
                "cancelled": [s.id for s in cancelled],
            },
            now=moment,
        )
    db.flush()
    return result


def _new_session(group: ClassGroup, occ: Occurrence) -> ClassSession:
    return ClassSession(class_id=group.id, starts_at=occ.starts_at, ends_at=occ.ends_at)


def _remove(db: Session, sessions: list[ClassSession]) -> tuple[int, list[ClassSession]]:
    """Delete the sessions nothing hangs on; cancel the others (already cancelled ones stay as they are)."""
    keep = _history(db, [s.id for s in sessions])
    doomed = [s.id for s in sessions if s.id not in keep]
    if doomed:
        bump_for_sessions(db, doomed)
        db.execute(delete(Attendance).where(Attendance.session_id.in_(doomed)))
        db.execute(delete(ClassSession).where(ClassSession.id.in_(doomed)))
        for s in sessions:
            if s.id in doomed:
                db.expunge(s)
    cancelled = []
    for s in sessions:
        if s.id in keep and s.status != SessionStatus.cancelled:
            s.status = SessionStatus.cancelled
            s.note = REMOVED_NOTE
            s.version += 1
            db.add(s)
            cancelled.append(s)
    return len(doomed), cancelled


def update_sessions(
    db: Session, principal: StaffPrincipal, class_id: object, version: object, now: datetime | None = None
) -> ScheduleResult:
    """ "Update sessions": apply the class's schedule again (e.g. after holidays were added). Claims the
    class's version, so two of these (or one and a class edit) never run over each other."""
    require_staff(principal, Capability.schedule)
    group = scoped_class(db, principal, class_id)
    audit.claim_version(db, ClassGroup, group.id, version, "class")
    group.version = int(version) + 1  # type: ignore[arg-type]
    db.add(group)
    return apply_schedule(db, principal, group, now=now)


# --------------------------------------------------------------------------------------------- one session


def _at(field: str, day: object, start: object, tz: str) -> datetime:
    when = parse_day("day" if field == "day" else field, "The day", day)
    clock = parse_clock("start_time", "The start time", start)
    return local_instant(when, clock, tz)


def _taken(db: Session, class_id: int, starts_at: datetime, except_id: int | None = None) -> bool:
    query = select(ClassSession.id).where(
        ClassSession.class_id == class_id, ClassSession.starts_at == starts_at
    )
    if except_id is not None:
        query = query.where(ClassSession.id != except_id)
    return db.exec(query).first() is not None


def add_session(
    db: Session,
    principal: StaffPrincipal,
    class_id: object,
    *,
    day: object,
    start_time: object,
    duration_minutes: object = None,
    venue: object = "",
    online_link: object = "",
    now: datetime | None = None,
) -> ClassSession:
    """A one-off session of the class (any day, holidays too: it is the provider's explicit choice), with a
    place for every active booking that covers its day. Applying the schedule later leaves it alone."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    group = scoped_class(db, principal, class_id)
    tz = provider_of(db, principal).timezone
    starts_at = _at("day", day, start_time, tz)
    minutes = group.duration_minutes if duration_minutes in (None, "") else parse_duration(duration_minutes)
    place = parse_line("venue", "The venue", venue, 300)
    link = parse_link(online_link)
    if link and not group.is_online:
        raise InvalidField("online_link", "Only an online class's sessions have a livestream link.")
    if starts_at <= moment:
        raise InvalidField("day", "A new session must start in the future.")
    if _taken(db, group.id, starts_at):
        raise InvalidField("start_time", "The class already has a session at that time.")
    session = ClassSession(
        class_id=group.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        venue=place,
        online_link=link,
    )
    db.add(session)
    db.flush()
    seat_bookings(db, group, [session], tz)
    db.flush()
    bump_for_sessions(db, [session.id])
    audit.record(
        db,
        principal,
        action=ACTION_ADD,
        entity="class_session",
        entity_id=session.id,
        class_id=group.id,
        summary=f"{group.name}: one-off session {fmt.session_label(starts_at, tz)}",
        after=audit.snapshot(session, SESSION_FIELDS),
        now=moment,
    )
    db.flush()
    return session


def move_session(
    db: Session,
    principal: StaffPrincipal,
    session_id: object,
    version: object,
    *,
    day: object,
    start_time: object,
    duration_minutes: object = None,
    venue: object = None,
    online_link: object = None,
    now: datetime | None = None,
) -> ClassSession:
    """Move one session to a new time (and/or venue, link). ``venue``/``online_link`` None keep the session's;
    "" falls back to the class's. The families with a place get an e-mail."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    session, group = scoped_session(db, principal, session_id)
    tz = provider_of(db, principal).timezone
    starts_at = _at("day", day, start_time, tz)
    minutes = (
        int((as_utc(session.ends_at) - as_utc(session.starts_at)).total_seconds() // 60)
        if duration_minutes in (None, "")
        else parse_duration(duration_minutes)
    )
    place = session.venue if venue is None else parse_line("venue", "The venue", venue, 300)
    link = session.online_link if online_link is None else parse_link(online_link)
    if link and not group.is_online:
        raise InvalidField("online_link", "Only an online class's sessions have a livestream link.")
    if session.status == SessionStatus.cancelled:
        raise DomainError("This session is cancelled; restore it before moving it.")
    if as_utc(session.starts_at) <= moment:
        raise DomainError("This session has already started; it can no longer be moved.")
    if starts_at <= moment:
        raise InvalidField("day", "The new time must be in the future.")
    ends_at = starts_at + timedelta(minutes=minutes)
    same = (as_utc(session.starts_at), as_utc(session.ends_at), session.venue, session.online_link)
    if same == (starts_at, ends_at, place, link):
        raise InvalidField("day", "That is the session's time and venue already; nothing to move.")
    if _taken(db, group.id, starts_at, except_id=session.id):
        raise InvalidField("start_time", "The class already has a session at that time.")
    audit.claim_version(db, ClassSession, session.id, version, "session")
    before = audit.snapshot(session, SESSION_FIELDS)
    old_label, old_start = fmt.session_label(session.starts_at, tz), as_utc(session.starts_at)
    old_place, old_link = session.venue, session.online_link
    session.starts_at, session.ends_at, session.venue, session.online_link = starts_at, ends_at, place, link
    session.version = int(version) + 1  # type: ignore[arg-type]
    db.add(session)
    db.flush()
    bump_for_sessions(db, [session.id])
    audit.record(
        db,
        principal,
        action=ACTION_MOVE,
        entity="class_session",
        entity_id=session.id,
        class_id=group.id,
        summary=f"{group.name}: session {old_label} moved to {fmt.session_label(starts_at, tz)}"[:300],
        before=before,
        after=audit.snapshot(session, SESSION_FIELDS),
        now=moment,
    )
    if (old_start, old_place) != (starts_at, place):  # a new link alone is not a move
        session_changes.notify_session_changed(
            db, session.id, session_changes.MOVED, now=moment, was=old_start, was_venue=old_place
        )
    if link != old_link:
        session_changes.notify_livestream_changed(db, [session.id], now=moment)
    db.flush()
    return session


def cancel_session(
    db: Session,
    principal: StaffPrincipal,
    session_id: object,
    version: object,
    note: object = "",
    now: datetime | None = None,
) -> ClassSession:
    """Cancel one session (the CLI's rules: not while anyone is marked attended or missed). The families with
    a place get an e-mail when the session is still ahead."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    session, group = scoped_session(db, principal, session_id)
    text = field_value("note", provider_sessions.clean_note, note)
    before = audit.snapshot(session, SESSION_FIELDS)
    provider_sessions.cancel_session(db, session.id, text)  # refuses (DomainError) before writing
    return _status_changed(db, principal, session, group, version, before, session_changes.CANCELLED, moment)


def restore_session(
    db: Session, principal: StaffPrincipal, session_id: object, version: object, now: datetime | None = None
) -> ClassSession:
    """Undo a cancellation (the CLI's rules). The families with a place get an e-mail when it is ahead."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    session, group = scoped_session(db, principal, session_id)
    before = audit.snapshot(session, SESSION_FIELDS)
    provider_sessions.restore_session(db, session.id)
    return _status_changed(db, principal, session, group, version, before, session_changes.RESTORED, moment)


def _status_changed(
    db: Session,
    principal: StaffPrincipal,
    session: ClassSession,
    group: ClassGroup,
    version: object,
    before: dict,
    change: str,
    moment: datetime,
) -> ClassSession:
    """After a cancel or restore by the CLI's rules: the version claimed, the audit row, the families' e-mail
    when the session is ahead."""
    audit.claim_version(db, ClassSession, session.id, version, "session")
    session.version = int(version) + 1  # type: ignore[arg-type]
    db.add(session)
    tz = provider_of(db, principal).timezone
    verb = "cancelled" if change == session_changes.CANCELLED else "restored"
    audit.record(
        db,
        principal,
        action="session.cancel" if change == session_changes.CANCELLED else "session.restore",
        entity="class_session",
        entity_id=session.id,
        class_id=group.id,
        summary=f"{group.name}: session {fmt.session_label(session.starts_at, tz)} {verb}"[:300],
        before=before,
        after=audit.snapshot(session, SESSION_FIELDS),
        now=moment,
    )
    if as_utc(session.starts_at) > moment:
        session_changes.notify_session_changed(db, session.id, change, now=moment)
    db.flush()
    return session


# --------------------------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class ConsoleSessionRow:
    id: int
    version: int
    day: str  # local ISO day, for the move form
    start_time: str  # local "16:00"
    label: str  # "Tue 31 Mar, 16:00-16:45"
    duration_minutes: int
    venue: str  # the session's own venue ("" = the class's)
    effective_venue: str
    online_link: str
    status: str
    note: str
    is_past: bool
    places: int  # regular and make-up places (not excused)
    makeups: int
    excused: int
    attended: int
    missed: int
    pinned: bool  # added as a one-off or moved: applying the schedule leaves it alone


MAX_ROWS = 500


def class_sessions(
    db: Session,
    principal: StaffPrincipal,
    class_id: object,
    *,
    past_days: int = 30,
    now: datetime | None = None,
) -> list[ConsoleSessionRow]:
    """The class's sessions from ``past_days`` ago on (at most 500), oldest first, with attendance counts.
    Three queries whatever the number of sessions."""
    require_staff(principal, Capability.schedule)
    moment = _now(now)
    group = scoped_class(db, principal, class_id)
    tz = provider_of(db, principal).timezone
    if isinstance(past_days, bool) or not isinstance(past_days, int) or not 0 <= past_days <= 3660:
        raise InvalidField("past_days", "past_days must be a whole number of days from 0 to 3660.")
    sessions = db.exec(
        select(ClassSession)
        .where(
            ClassSession.class_id == group.id, ClassSession.starts_at >= moment - timedelta(days=past_days)
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
        .limit(MAX_ROWS)
    ).all()
    ids = [s.id for s in sessions]
    counts: dict[int, Counter] = {i: Counter() for i in ids}
    if ids:
        for sid, state, n in db.exec(
            select(Attendance.session_id, Attendance.state, func.count())
            .where(Attendance.session_id.in_(ids))
            .group_by(Attendance.session_id, Attendance.state)
        ).all():
            counts[sid][AttendanceState(state).value] += n
    pinned, _ = _pinned(db, group.id, tz, sessions)
    rows = []
    for s in sessions:
        c = counts[s.id]
        start, end = fmt.local(s.starts_at, tz), fmt.local(s.ends_at, tz)
        rows.append(
            ConsoleSessionRow(
                id=s.id,
                version=s.version,
                day=start.date().isoformat(),
                start_time=f"{start:%H:%M}",
                label=f"{fmt.session_label(s.starts_at, tz)}-{end:%H:%M}",
                duration_minutes=int((as_utc(s.ends_at) - as_utc(s.starts_at)).total_seconds() // 60),
                venue=s.venue,
                effective_venue=s.venue or group.venue,
                online_link=s.online_link,
                status=SessionStatus(s.status).value,
                note=s.note,
                is_past=as_utc(s.starts_at) <= moment,
                places=c["scheduled"] + c["makeup"] + c["attended"] + c["missed"],
                makeups=c["makeup"],
                excused=c["cancelled"] + c["late_cancelled"],
                attended=c["attended"],
                missed=c["missed"],
                pinned=s.id in pinned,
            )
        )
    return rows


__all__ = [
    "InvalidField",
    "ScheduleResult",
    "ConsoleSessionRow",
    "apply_schedule",
    "update_sessions",
    "add_session",
    "move_session",
    "cancel_session",
    "restore_session",
    "class_sessions",
    "seat_bookings",
    "booking_covers",
]
