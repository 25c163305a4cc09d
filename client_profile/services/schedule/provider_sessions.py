"""Provider-side changes to sessions, made through the admin CLI (docs/decisions.md "Provider-side session changes").

The caller is trusted to act for the provider (like services.people.sharing). Every change bumps the data version of
the families it affects in the same transaction (services.people.changes), so their open pages reload within a poll.
Bad input raises DomainError (NotFound for unknown ids) before anything is written.

Rules (documented in docs/decisions.md, "Provider-side session changes"):
- Attendance: a provider marks an attendee of a session ``attended`` or ``missed`` only once the session has
  started, and never in a session the provider cancelled. ``scheduled`` undoes a mark at any time. An
  attendance the client excused (cancelled / late-cancelled) is not changed here: the excuse may have earned a
  make-up or returned a pass entry, which only the client-side rules (services.schedule.attendance) may undo. A make-up
  attendance keeps its credit link; "back to scheduled" returns it to ``makeup``. No make-up credit is created
  for a ``missed`` mark here (credits are the make-up engine's: services.schedule.makeups).
- Cancelling a session: allowed while nobody in it is marked attended or missed (reset those first); the
  attendances stay as they are and the session shows as cancelled. No credits are created
  (services.schedule.makeups owns them).
  Restoring undoes it.
- Links: http(s) URLs only, at most 500 characters, with a host and without user:password; only for online
  classes (in-person sessions never show a livestream link). An empty value clears the link (a session then
  falls back to its class's link).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

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
from client_profile.services.people.access import is_id
from client_profile.services.people.changes import bump_families, bump_for_sessions
from client_profile.services.providers import current_provider
from client_profile.services.schedule import makeups

MAX_LINK_LENGTH = 500
MAX_NOTE_LENGTH = 500
MAX_LIST_ROWS = 500
MARKABLE = ("attended", "missed", "scheduled")
_CLIENT_EXCUSED = {AttendanceState.cancelled, AttendanceState.late_cancelled}


@dataclass(frozen=True)
class AttendanceChange:
    attendance_id: int
    attendee: str
    before: str
    after: str
    changed: bool


@dataclass(frozen=True)
class ProviderSessionRow:
    id: int
    class_id: int
    class_name: str
    programme: str
    starts: str  # local time in the provider's timezone, "2026-03-31 Tue 16:00"
    ends: str  # local "16:45"
    status: str
    is_online: bool
    link: str  # effective livestream link (session overrides class), "" for in-person classes
    note: str
    counts: dict[str, int] = field(default_factory=dict)  # attendance state -> number of rows


@dataclass(frozen=True)
class SessionAttendee:
    attendee_id: int
    name: str
    state: str


# --------------------------------------------------------------------------------------------- lookups


def _id(value: object, what: str) -> int:
    if not is_id(value):
        raise NotFound(what)
    return value


def _session(db: Session, session_id: object) -> ClassSession:
    session = db.get(ClassSession, _id(session_id, "session"))
    if session is None:
        raise NotFound("session")
    return session


def _class(db: Session, class_id: object) -> ClassGroup:
    group = db.get(ClassGroup, _id(class_id, "class"))
    if group is None:
        raise NotFound("class")
    return group


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


# --------------------------------------------------------------------------------------------- attendance


def mark_attendance(
    db: Session, session_id: int, attendee_id: int, state: str, now: datetime | None = None
) -> AttendanceChange:
    """Mark one attendee of one session ``attended``, ``missed`` or back to ``scheduled`` (rules above).

    Marking the state it already has changes nothing (``changed`` is False, nothing is bumped).
    The caller commits. (The operator CLI's path; the console's register, services.schedule.register, applies
    the same rules through ``apply_mark``.)
    """
    wanted = parse_mark(state)
    session = _session(db, session_id)
    attendee = db.get(Attendee, _id(attendee_id, "attendee"))
    if attendee is None:
        raise NotFound("attendee")
    return apply_mark(db, session, attendance_of(db, session, attendee), attendee, wanted, _now(now))


def parse_mark(state: object) -> str:
    """The mark a provider asked for: "attended", "missed" or "scheduled" (case and spaces ignored)."""
    value = state.value if isinstance(state, AttendanceState) else state
    if not isinstance(value, str) or value.strip().lower() not in MARKABLE:
        raise DomainError("The attendance must be one of: attended, missed, scheduled.")
    return value.strip().lower()


def attendance_of(db: Session, session: ClassSession, attendee: Attendee) -> Attendance:
    """The attendee's attendance row in the session (a regular place or a make-up); DomainError if none."""
    row = db.exec(
        select(Attendance)
        .join(Booking, Booking.id == Attendance.booking_id)
        .where(Attendance.session_id == session.id, Booking.attendee_id == attendee.id)
        .order_by(Attendance.id)
    ).first()
    if row is None:
        raise DomainError(
            f"{attendee.first_name} (attendee {attendee.id}) has no place in session {session.id}."
        )
    return row


def check_markable(session: ClassSession, now: datetime) -> None:
    """Attended / missed only in a session that has started and that the provider has not cancelled."""
    if session.status == SessionStatus.cancelled:
        raise DomainError(f"Session {session.id} is cancelled; restore it before marking attendance.")
    if as_utc(session.starts_at) > now:
        raise DomainError(
            f"Session {session.id} has not started yet; attendance can be marked once it has started."
        )


def apply_mark(
    db: Session,
    session: ClassSession,
    row: Attendance,
    attendee: Attendee,
    wanted: str,
    now: datetime,
    *,
    staff_id: int | None = None,
) -> AttendanceChange:
    """The one place of the provider's attendance rules (module docstring): mark ``row`` (the attendee's
    attendance in ``session``) as ``wanted`` (a value of ``parse_mark``), or raise DomainError changing nothing.
    Both the CLI (``mark_attendance``) and the console's register call it; ``staff_id`` records which staff
    member made the change (None: the operator CLI). Bumps the attendee's family; flushes; the caller commits."""
    current = AttendanceState(row.state)
    if current in _CLIENT_EXCUSED:
        raise DomainError(
            f"{attendee.first_name} was excused from session {session.id} by the family "
            f"({current.value.replace('_', '-')}); that is not changed from here."
        )
    if wanted == "scheduled":
        target = AttendanceState.makeup if row.makeup_credit_id is not None else AttendanceState.scheduled
    else:
        target = AttendanceState(wanted)
        check_markable(session, now)
    if target == current:
        return AttendanceChange(row.id, attendee.first_name, current.value, current.value, False)
    row.state = target
    row.changed_at = now
    row.changed_by_client_id = None  # the provider
    row.changed_by_staff_id = staff_id
    db.add(row)
    _makeup_credit_follows(db, row, current, target, now)
    bump_families(db, [attendee.family_id])
    db.flush()
    return AttendanceChange(row.id, attendee.first_name, current.value, target.value, True)


def _makeup_credit_follows(
    db: Session, row: Attendance, before: AttendanceState, after: AttendanceState, now: datetime
) -> None:
    """A regular session marked missed earns a make-up credit when the provider's policy says so; correcting
    it away from missed withdraws that credit if it is still unused (services.schedule.makeups has the rules)."""
    if row.makeup_credit_id is not None:  # a make-up attendance never earns another make-up
        return
    if before == AttendanceState.missed and after != AttendanceState.missed:
        makeups.void_credit_of(db, row.id, "Attendance corrected by the provider")
    elif after == AttendanceState.missed:
        booking = db.get(Booking, row.booking_id)
        cls = db.get(ClassGroup, booking.class_id)
        programme = db.get(Programme, cls.programme_id)
        provider = current_provider(db)
        if makeups.earns_credit(provider, programme, AttendanceState.missed):
            makeups.grant_credit(db, provider, row, booking, cls, now)


def session_attendees(db: Session, session_id: int) -> list[SessionAttendee]:
    """Who has a place in the session (regular and make-up), with their attendance state."""
    session = _session(db, session_id)
    rows = db.exec(
        select(Attendee.id, Attendee.first_name, Attendee.last_name, Attendance.state)
        .join(Booking, Booking.attendee_id == Attendee.id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .where(Attendance.session_id == session.id)
        .order_by(Attendee.first_name, Attendee.last_name, Attendee.id)
    ).all()
    return [
        SessionAttendee(aid, f"{first} {last}".strip(), AttendanceState(state).value)
        for aid, first, last, state in rows
    ]


# --------------------------------------------------------------------------------------------- sessions


def clean_note(note: object) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise DomainError("The note must be text.")
    text = " ".join(note.split())
    if len(text) > MAX_NOTE_LENGTH:
        raise DomainError(f"The note is too long (at most {MAX_NOTE_LENGTH} characters).")
    return text


def cancel_session(db: Session, session_id: int, note: str = "") -> ClassSession:
    """The provider cancels one occurrence: its status becomes cancelled, attendances stay as they are.

    Refused for a session already cancelled, or one where somebody is marked attended or missed.
    The caller commits.
    """
    text = clean_note(note)
    session = _session(db, session_id)
    if session.status == SessionStatus.cancelled:
        raise DomainError(f"Session {session.id} is already cancelled.")
    marked = db.exec(
        select(func.count())
        .select_from(Attendance)
        .where(
            Attendance.session_id == session.id,
            Attendance.state.in_([AttendanceState.attended, AttendanceState.missed]),
        )
    ).one()
    if marked:
        raise DomainError(
            f"Session {session.id} has attendance marked ({marked} attended or missed); set them "
            "back to scheduled before cancelling it."
        )
    session.status = SessionStatus.cancelled
    session.note = text
    db.add(session)
    bump_for_sessions(db, [session.id])
    db.flush()
    return session


def restore_session(db: Session, session_id: int) -> ClassSession:
    """Undo a provider cancellation: the session is scheduled again (its cancellation note is cleared)."""
    session = _session(db, session_id)
    if session.status != SessionStatus.cancelled:
        raise DomainError(f"Session {session.id} is not cancelled.")
    session.status = SessionStatus.scheduled
    session.note = ""
    db.add(session)
    bump_for_sessions(db, [session.id])
    db.flush()
    return session


# --------------------------------------------------------------------------------------------- links


def clean_link(url: object) -> str:
    """A livestream link as stored: "" (clears) or an absolute http(s) URL with a host. DomainError otherwise."""
    if url is None:
        return ""
    if not isinstance(url, str):
        raise DomainError("The link must be text.")
    text = url.strip()
    if not text:
        return ""
    if len(text) > MAX_LINK_LENGTH:
        raise DomainError(f"The link is too long (at most {MAX_LINK_LENGTH} characters).")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text) or not text.isascii():
        raise DomainError("The link must not contain spaces or special characters (percent-encode them).")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise DomainError("The link is not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise DomainError("The link must start with https:// (or http://).")
    if not host or "." not in host and host != "localhost":
        raise DomainError("The link must name a host, like https://meet.example.com/room.")
    if parts.username is not None or parts.password is not None:
        raise DomainError("The link must not contain a user name or password.")
    return text


def _require_online(group: ClassGroup) -> None:
    if not group.is_online:
        raise DomainError(
            f"Class {group.id} ({group.name}) is not an online class; only online classes show a "
            "livestream link."
        )


def set_session_link(db: Session, session_id: int, url: str) -> ClassSession:
    """Set (or with "" clear) the livestream link of one session; it overrides the class's link."""
    link = clean_link(url)
    session = _session(db, session_id)
    _require_online(db.get(ClassGroup, session.class_id))
    if session.online_link != link:
        session.online_link = link
        db.add(session)
        bump_for_sessions(db, [session.id])
        db.flush()
    return session


def set_class_link(db: Session, class_id: int, url: str) -> ClassGroup:
    """Set (or with "" clear) the livestream link of a class: every session without its own link uses it."""
    link = clean_link(url)
    group = _class(db, class_id)
    _require_online(group)
    if group.online_link != link:
        group.online_link = link
        db.add(group)
        session_ids = db.exec(select(ClassSession.id).where(ClassSession.class_id == group.id)).all()
        bump_for_sessions(db, session_ids)
        db.flush()
    return group


# --------------------------------------------------------------------------------------------- listing


def list_sessions(
    db: Session, class_id: int | None = None, days: int = 14, past_days: int = 7, now: datetime | None = None
) -> list[ProviderSessionRow]:
    """Sessions starting from ``past_days`` ago to ``days`` ahead (at most 500), oldest first, with their
    local times, status, effective link and attendance counts. Two queries whatever the number of rows."""
    for name, value in (("days", days), ("past_days", past_days)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
            raise DomainError(f"{name} must be a whole number of days between 0 and 3660.")
    if class_id is not None:
        _class(db, class_id)
    moment = _now(now)
    query = (
        select(ClassSession, ClassGroup, Programme.name, Provider.timezone)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .join(Provider, Provider.id == Programme.provider_id)
        .where(
            ClassSession.starts_at >= moment - timedelta(days=past_days),
            ClassSession.starts_at <= moment + timedelta(days=days),
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
        .limit(MAX_LIST_ROWS)
    )
    if class_id is not None:
        query = query.where(ClassSession.class_id == class_id)
    rows = db.exec(query).all()
    ids = [s.id for s, _, _, _ in rows]
    counts: dict[int, Counter] = {i: Counter() for i in ids}
    if ids:
        for sid, state, n in db.exec(
            select(Attendance.session_id, Attendance.state, func.count())
            .where(Attendance.session_id.in_(ids))
            .group_by(Attendance.session_id, Attendance.state)
        ).all():
            counts[sid][AttendanceState(state).value] += n
    result = []
    for session, group, programme, tz in rows:
        start = fmt.local(session.starts_at, tz)
        end = fmt.local(session.ends_at, tz)
        link = (session.online_link or group.online_link) if group.is_online else ""
        result.append(
            ProviderSessionRow(
                id=session.id,
                class_id=group.id,
                class_name=group.name,
                programme=programme,
                starts=f"{start:%Y-%m-%d %a %H:%M}",
                ends=f"{end:%H:%M}",
                status=SessionStatus(session.status).value,
                is_online=group.is_online,
                link=link,
                note=session.note,
                counts=dict(counts[session.id]),
            )
        )
    return result
