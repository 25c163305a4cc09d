"""The console's attendance register (services.schedule.register): my sessions, the list view, one session's
register, marking, "all present", the edit window, the rights, the audit rows and the live-page bumps.

The demo is loaded with the clock frozen at NOW, a Tuesday 17:00 in Bratislava: Martina's beginners (Tuesday
16:00-16:45, Ema and Lily) met today, the last five Tuesdays are past (Ema: attended, attended, missed, excused,
attended; Lily attended all), the next one is a week ahead. Every service gets ``now`` explicitly as well.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlmodel import select

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    MakeupCredit,
    MakeupCreditStatus,
    Provider,
    SessionStatus,
)
from client_profile.models.base import as_utc
from client_profile.models.staff import AuditEntry, StaffMember, StaffRole
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError, Forbidden, NotFound
from client_profile.services.people.identity import Principal, StaffPrincipal
from client_profile.services.schedule import provider_sessions as ps
from client_profile.services.schedule import register as reg

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 17:00 in Bratislava (UTC+1)
TODAY_END = datetime(2026, 12, 1, 15, 45, tzinfo=UTC)  # today's beginners end at 16:45 local


def _principal(member: StaffMember) -> StaffPrincipal:
    return StaffPrincipal(
        member.id, member.provider_id, 0, member.email, member.full_name, StaffRole(member.role).value
    )


@pytest.fixture
def w(db):
    """The demo at NOW, Martina (instructor of the Tuesday 16:00 beginners only), an owner, an office member,
    and Tomas (an instructor of the Tuesday 17:00 group)."""
    with time_machine.travel(NOW, tick=False):
        load_demo(db)
        provider = db.exec(select(Provider)).one()
        staff = {}
        for key, email, name, role in (
            ("martina", "martina@example.com", "Martina Kovacova", StaffRole.instructor),
            ("owner", "office@example.com", "Office Owner", StaffRole.owner),
            ("office", "desk@example.com", "Front Desk", StaffRole.office),
            ("tomas", "tomas@example.com", "Tomas Hudec", StaffRole.instructor),
        ):
            # The demo brings the owner and Martina (already teaching the Tuesday 16:00 group); the rest are added.
            staff[key] = db.exec(
                select(StaffMember).where(StaffMember.email == email)
            ).first() or StaffMember(provider_id=provider.id, email=email, full_name=name, role=role)
            db.add(staff[key])
        db.flush()
        tue = db.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Tuesday 16:00")).one()
        tue17 = db.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Tuesday 17:00")).one()
        tue.instructor_id, tue17.instructor_id = staff["martina"].id, staff["tomas"].id
        db.add_all([tue, tue17])
        db.commit()
        sessions = db.exec(
            select(ClassSession).where(ClassSession.class_id == tue.id).order_by(ClassSession.starts_at)
        ).all()
        past = [s for s in sessions if as_utc(s.starts_at) < NOW]
        upcoming = [s for s in sessions if as_utc(s.starts_at) > NOW]
        yield SimpleNamespace(
            db=db,
            provider=provider,
            tue=tue,
            tue17=tue17,
            today=past[-1],
            last_week=past[-2],
            next_week=upcoming[0],
            past=past,
            **{k: _principal(v) for k, v in staff.items()},
        )


def attendee(db, first: str) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == first)).one()


def row_of(db, session_id: int, first: str) -> Attendance:
    db.expire_all()
    return db.exec(
        select(Attendance)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendance.session_id == session_id, Attendee.first_name == first)
    ).one()


def set_state(db, session_id: int, first: str, state: AttendanceState) -> None:
    row = row_of(db, session_id, first)
    row.state = state
    db.add(row)
    db.commit()


def versions(db) -> dict[str, int]:
    db.expire_all()
    return {f.name: f.data_version for f in db.exec(select(Family)).all()}


def audit_rows(db) -> list[AuditEntry]:
    db.expire_all()
    return db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()


def add_guest(db, session: ClassSession, first: str = "Adam") -> Attendance:
    """A make-up guest in the session: a Horvath child from the Tuesday 17:00 group, with a used credit."""
    kid = attendee(db, first)
    booking = db.exec(
        select(Booking)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .where(Booking.attendee_id == kid.id, ClassGroup.name == "Beginners - Tuesday 17:00")
    ).one()
    source = db.exec(select(Attendance).where(Attendance.booking_id == booking.id)).first()
    source.state = AttendanceState.cancelled
    credit = MakeupCredit(
        attendee_id=kid.id,
        booking_id=booking.id,
        source_attendance_id=source.id,
        status=MakeupCreditStatus.used,
        earned_at=NOW - timedelta(days=20),
        expires_at=NOW + timedelta(days=70),
        used_at=NOW - timedelta(days=3),
    )
    db.add_all([source, credit])
    db.flush()
    guest = Attendance(
        booking_id=booking.id, session_id=session.id, state=AttendanceState.makeup, makeup_credit_id=credit.id
    )
    db.add(guest)
    db.commit()
    return guest


# --------------------------------------------------------------------------------------------- my sessions


def test_an_instructor_sees_only_their_class_today_and_this_week(w):
    mine = reg.my_sessions(w.db, w.martina, now=NOW)
    assert [r.id for r in mine.today] == [w.today.id]
    assert [r.id for r in mine.week] == [w.today.id]  # Monday 30 Nov .. Sunday 6 Dec: one Tuesday
    row = mine.today[0]
    assert (row.class_name, row.programme, row.day, row.day_label) == (
        "Beginners - Tuesday 16:00",
        "Swimming - Beginners",
        "2026-12-01",
        "Tue 1 Dec",
    )
    assert (row.starts, row.ends, row.venue, row.status) == (
        "16:00",
        "16:45",
        "City Pool, Lane 3",
        "completed",
    )
    assert (row.is_today, row.started, row.expected, row.guests, row.marked) == (True, True, 2, 0, 2)
    assert row.incomplete is False and row.editable is True
    assert (mine.today_label, mine.week_label) == ("Tue 1 Dec", "30 Nov - 6 Dec 2026")
    assert mine.to_finish == []

    # The owner and the office see every class's sessions of the week; Tomas only his group.
    owner = reg.my_sessions(w.db, w.owner, now=NOW)
    assert {r.class_name for r in owner.week} > {"Beginners - Tuesday 16:00", "Beginners - Tuesday 17:00"}
    assert [r.id for r in reg.my_sessions(w.db, w.office, now=NOW).week] == [r.id for r in owner.week]
    assert {r.class_name for r in reg.my_sessions(w.db, w.tomas, now=NOW).week} == {
        "Beginners - Tuesday 17:00"
    }
    days = [r.day for r in owner.week]
    assert days == sorted(days) and days[0] == "2026-11-30" and days[-1] == "2026-12-06"
    assert all(r.is_today == (r.day == "2026-12-01") for r in owner.week)


def test_a_started_session_with_somebody_unmarked_is_incomplete(w):
    set_state(w.db, w.today.id, "Lily", AttendanceState.scheduled)
    row = reg.my_sessions(w.db, w.martina, now=NOW).today[0]
    assert (row.expected, row.marked, row.incomplete) == (2, 1, True)
    # Not started yet: nobody is expected to be marked.
    early = reg.my_sessions(w.db, w.martina, now=as_utc(w.today.starts_at) - timedelta(minutes=1)).today[0]
    assert early.started is False and early.incomplete is False and early.editable is False
    # An excused attendee is not expected and never makes a session incomplete.
    set_state(w.db, w.today.id, "Lily", AttendanceState.late_cancelled)
    row = reg.my_sessions(w.db, w.martina, now=NOW).today[0]
    assert (row.expected, row.marked, row.incomplete) == (1, 1, False)


def test_older_incomplete_sessions_are_listed_while_their_register_is_open(w):
    set_state(w.db, w.last_week.id, "Lily", AttendanceState.scheduled)  # Tuesday 24 Nov, Ema excused it
    # Its register closed at 16:45 today (7 days after its end): nothing left to finish.
    assert reg.my_sessions(w.db, w.martina, now=NOW).to_finish == []
    assert [r.id for r in reg.my_sessions(w.db, w.martina, now=TODAY_END).to_finish] == [w.last_week.id]
    w.provider.attendance_edit_days = 14
    w.db.add(w.provider)
    w.db.commit()
    [row] = reg.my_sessions(w.db, w.martina, now=NOW).to_finish
    assert (row.id, row.day, row.expected, row.marked, row.incomplete) == (
        w.last_week.id,
        "2026-11-24",
        1,
        0,
        True,
    )


# --------------------------------------------------------------------------------------------- list view


def test_owner_and_office_open_any_session_by_class_and_dates(w):
    rows = reg.find_sessions(
        w.db, w.office, date_from="2026-11-01", date_to=date(2026, 12, 31), class_id=w.tue17.id, now=NOW
    )
    assert rows and {r.class_id for r in rows} == {w.tue17.id}
    assert all("2026-11-01" <= r.day <= "2026-12-31" for r in rows)
    everything = reg.find_sessions(w.db, w.owner, date_from="2026-12-01", date_to="2026-12-01", now=NOW)
    assert w.today.id in {r.id for r in everything} and {r.day for r in everything} == {"2026-12-01"}
    assert len({r.class_id for r in everything}) > 1
    assert [c.name for c in reg.register_classes(w.db, w.martina)] == ["Beginners - Tuesday 16:00"]
    assert len(reg.register_classes(w.db, w.owner)) > 5

    # An instructor's list holds only their classes; another class is "not found".
    mine = reg.find_sessions(w.db, w.martina, date_from="2026-11-01", date_to="2026-12-31", now=NOW)
    assert {r.class_id for r in mine} == {w.tue.id} and len(mine) == 9  # Nov 3 .. Dec 29
    with pytest.raises(NotFound, match="class"):
        reg.find_sessions(w.db, w.martina, date_from="2026-11-01", date_to="2026-12-31", class_id=w.tue17.id)

    bad = [
        ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, DomainError, "must not be before"),
        ({"date_from": "2026-01-01", "date_to": "2026-12-01"}, DomainError, "at most 92 days"),
        ({"date_from": "yesterday", "date_to": "2026-12-01"}, DomainError, "YYYY-MM-DD"),
        ({"date_from": None, "date_to": "2026-12-01"}, DomainError, "YYYY-MM-DD"),
        ({"date_from": NOW, "date_to": "2026-12-01"}, DomainError, "YYYY-MM-DD"),
        ({"date_from": "2026-12-01", "date_to": "2026-12-01", "class_id": "12"}, NotFound, "class"),
        ({"date_from": "2026-12-01", "date_to": "2026-12-01", "class_id": 10**9}, NotFound, "class"),
    ]
    for kwargs, exc, message in bad:
        with pytest.raises(exc, match=message):
            reg.find_sessions(w.db, w.owner, **kwargs)


# --------------------------------------------------------------------------------------------- the register


def test_the_register_lists_regulars_excused_and_makeup_guests_apart(w):
    guest = add_guest(w.db, w.today)
    set_state(w.db, w.today.id, "Lily", AttendanceState.late_cancelled)
    ema = attendee(w.db, "Ema")
    ema.photo_jpeg = b"\xff\xd8 a photo"
    w.db.add(ema)
    w.db.commit()

    view = reg.session_register(w.db, w.martina, w.today.id, now=NOW)
    assert (view.class_name, view.programme, view.day_label, view.starts, view.ends, view.venue) == (
        "Beginners - Tuesday 16:00",
        "Swimming - Beginners",
        "Tue 1 Dec",
        "16:00",
        "16:45",
        "City Pool, Lane 3",
    )
    assert view.editable and view.notice == "" and view.open_until == "Tue 8 Dec, 16:45"
    assert [(r.name, r.state, r.excused, r.can_mark, r.is_guest) for r in view.regulars] == [
        ("Ema Novak", "attended", False, True, False),
        ("Lily Carter", "late_cancelled", True, False, False),
    ]
    assert [(r.has_photo, r.initials) for r in view.regulars] == [(True, "EN"), (False, "LC")]
    [adam] = view.guests
    assert (adam.name, adam.state, adam.is_guest, adam.home_class, adam.attendance_id, adam.can_mark) == (
        "Adam Horvath",
        "makeup",
        True,
        "Beginners - Tuesday 17:00",
        guest.id,
        True,
    )
    assert (view.expected, view.marked) == (2, 1)
    row = reg.my_sessions(w.db, w.martina, now=NOW).today[0]
    assert (row.expected, row.guests, row.marked, row.incomplete) == (2, 1, 1, True)

    # A guest who cancelled the make-up has no place in the session any more.
    guest = w.db.get(Attendance, guest.id)
    guest.state, guest.makeup_credit_id = AttendanceState.cancelled, None
    w.db.add(guest)
    w.db.commit()
    assert reg.session_register(w.db, w.martina, w.today.id, now=NOW).guests == []

    upcoming = reg.session_register(w.db, w.martina, w.next_week.id, now=NOW)
    assert not upcoming.editable and "once the session has started (Tue 8 Dec, 16:00)" in upcoming.notice
    assert not any(r.can_mark for r in upcoming.regulars)
    closed = reg.session_register(w.db, w.martina, w.last_week.id, now=NOW)
    assert not closed.editable and "closed on Tue 1 Dec, 16:45" in closed.notice


# --------------------------------------------------------------------------------------------- marking


def test_an_instructor_marks_an_attendee_recorded_audited_and_the_family_page_follows(w):
    before = versions(w.db)
    ema = attendee(w.db, "Ema")
    result = reg.mark(w.db, w.martina, w.today.id, ema.id, "missed", now=NOW)
    w.db.commit()
    assert (result.change.before, result.change.after, result.change.changed, result.late) == (
        "attended",
        "missed",
        True,
        False,
    )
    row = row_of(w.db, w.today.id, "Ema")
    assert row.state == AttendanceState.missed
    assert row.changed_by_staff_id == w.martina.staff_id and row.changed_by_client_id is None
    assert as_utc(row.changed_at) == NOW
    after = versions(w.db)
    assert after["Novak"] == before["Novak"] + 1 and after["Carter"] == before["Carter"]

    [entry] = audit_rows(w.db)
    assert (entry.action, entry.entity, entry.entity_id, entry.staff_id, entry.actor) == (
        "attendance.mark",
        "attendance",
        row.id,
        w.martina.staff_id,
        "martina@example.com",
    )
    assert (entry.family_id, entry.class_id, as_utc(entry.created_at)) == (ema.family_id, w.tue.id, NOW)
    assert json.loads(entry.before_json) == {"state": "attended"}
    assert json.loads(entry.after_json) == {"state": "missed", "session_id": w.today.id}
    assert entry.summary == "Ema Novak: attended -> missed, Beginners - Tuesday 16:00 on Tue 1 Dec, 16:00"

    # The same mark again changes, bumps and audits nothing; back to scheduled and attended are audited.
    assert reg.mark(w.db, w.martina, w.today.id, ema.id, "missed", now=NOW).change.changed is False
    assert reg.mark(w.db, w.martina, w.today.id, ema.id, " Scheduled ", now=NOW).change.after == "scheduled"
    assert reg.mark(w.db, w.office, w.today.id, ema.id, AttendanceState.attended, now=NOW).change.after == (
        "attended"
    )
    w.db.commit()
    assert [e.action for e in audit_rows(w.db)] == ["attendance.mark"] * 3
    assert audit_rows(w.db)[-1].staff_id == w.office.staff_id
    assert row_of(w.db, w.today.id, "Ema").changed_by_staff_id == w.office.staff_id
    assert versions(w.db)["Novak"] == before["Novak"] + 3


def test_a_makeup_guest_is_marked_and_goes_back_to_makeup(w):
    guest = add_guest(w.db, w.today)
    adam = attendee(w.db, "Adam")
    assert reg.mark(w.db, w.martina, w.today.id, adam.id, "attended", now=NOW).change.after == "attended"
    assert reg.mark(w.db, w.martina, w.today.id, adam.id, "scheduled", now=NOW).change.after == "makeup"
    w.db.commit()
    assert w.db.get(Attendance, guest.id).makeup_credit_id is not None
    assert {e.family_id for e in audit_rows(w.db)} == {adam.family_id}


def test_excused_attendees_are_not_changed_and_bad_input_changes_nothing(w):
    set_state(w.db, w.today.id, "Lily", AttendanceState.cancelled)
    lily, ema, jakub = attendee(w.db, "Lily"), attendee(w.db, "Ema"), attendee(w.db, "Jakub")
    before = versions(w.db)
    cases = [
        ((w.today.id, lily.id, "attended"), DomainError, "excused"),
        ((w.today.id, lily.id, "scheduled"), DomainError, "excused"),
        ((w.today.id, ema.id, "cancelled"), DomainError, "one of: attended, missed, scheduled"),
        ((w.today.id, ema.id, None), DomainError, "one of"),
        ((w.today.id, jakub.id, "attended"), NotFound, "attendee was not found"),  # not in this session
        ((w.today.id, 10**9, "attended"), NotFound, "attendee"),
        ((w.today.id, str(ema.id), "attended"), NotFound, "attendee"),
        ((w.today.id, True, "attended"), NotFound, "attendee"),
        ((str(w.today.id), ema.id, "attended"), NotFound, "session"),
        ((0, ema.id, "attended"), NotFound, "session"),
        ((10**9, ema.id, "attended"), NotFound, "session"),
    ]
    for args, exc, message in cases:
        with pytest.raises(exc, match=message) as raised:
            reg.mark(w.db, w.martina, *args, now=NOW)
        assert "Jakub" not in str(raised.value)
        w.db.rollback()
    assert versions(w.db) == before and audit_rows(w.db) == []
    assert row_of(w.db, w.today.id, "Lily").state == AttendanceState.cancelled


def test_not_started_and_cancelled_sessions_are_refused(w):
    ema = attendee(w.db, "Ema")
    start = as_utc(w.next_week.starts_at)
    for call in (
        lambda now: reg.mark(w.db, w.martina, w.next_week.id, ema.id, "attended", now=now),
        lambda now: reg.mark_all_present(w.db, w.martina, w.next_week.id, now=now),
    ):
        with pytest.raises(DomainError, match="has not started"):
            call(NOW)
        with pytest.raises(DomainError, match="has not started"):
            call(start - timedelta(seconds=1))
    assert audit_rows(w.db) == []
    assert reg.mark(w.db, w.martina, w.next_week.id, ema.id, "attended", now=start).change.after == "attended"
    assert (
        reg.mark(w.db, w.martina, w.next_week.id, ema.id, "scheduled", now=start).change.after == "scheduled"
    )
    w.db.commit()

    # Today's session, cancelled by the provider (its marks reset first, as the rules want).
    for first in ("Ema", "Lily"):
        set_state(w.db, w.today.id, first, AttendanceState.scheduled)
    ps.cancel_session(w.db, w.today.id, note="Pool closed")
    w.db.commit()
    entries = len(audit_rows(w.db))
    with pytest.raises(DomainError, match="cancelled"):
        reg.mark(w.db, w.martina, w.today.id, ema.id, "attended", now=NOW)
    with pytest.raises(DomainError, match="cancelled"):
        reg.mark_all_present(w.db, w.martina, w.today.id, now=NOW)
    w.db.rollback()
    assert len(audit_rows(w.db)) == entries
    view = reg.session_register(w.db, w.martina, w.today.id, now=NOW)
    assert view.status == "cancelled" and not view.editable and "cancelled" in view.notice
    assert reg.my_sessions(w.db, w.martina, now=NOW).today[0].incomplete is False


# --------------------------------------------------------------------------------------------- all present


def test_all_present_marks_everyone_unmarked_in_one_audited_change(w):
    guest = add_guest(w.db, w.today)
    set_state(w.db, w.today.id, "Ema", AttendanceState.scheduled)
    set_state(w.db, w.today.id, "Lily", AttendanceState.late_cancelled)  # excused: untouched
    adam = attendee(w.db, "Adam")
    before = versions(w.db)

    changes = reg.mark_all_present(w.db, w.martina, w.today.id, now=NOW)
    w.db.commit()
    assert [(c.attendee, c.before, c.after) for c in changes] == [
        ("Adam", "makeup", "attended"),
        ("Ema", "scheduled", "attended"),
    ]
    assert row_of(w.db, w.today.id, "Ema").state == AttendanceState.attended
    assert row_of(w.db, w.today.id, "Lily").state == AttendanceState.late_cancelled
    adam_row = w.db.get(Attendance, guest.id)
    assert adam_row.state == AttendanceState.attended and adam_row.changed_by_staff_id == w.martina.staff_id
    after = versions(w.db)
    assert after["Novak"] == before["Novak"] + 1 and after["Horvath"] == before["Horvath"] + 1
    assert after["Carter"] == before["Carter"]

    [entry] = audit_rows(w.db)
    assert (entry.action, entry.entity, entry.entity_id, entry.class_id, entry.family_id) == (
        "attendance.all_present",
        "class_session",
        w.today.id,
        w.tue.id,
        None,  # two families
    )
    listed = json.loads(entry.after_json)["attended"]
    assert [(x["name"], x["before"], x["family_id"]) for x in listed] == [
        ("Adam Horvath", "makeup", adam.family_id),
        ("Ema Novak", "scheduled", attendee(w.db, "Ema").family_id),
    ]
    assert entry.summary == "All present (2): Beginners - Tuesday 16:00 on Tue 1 Dec, 16:00"

    # Nothing left to mark: no change, no audit row. One family only: the entry names it.
    assert reg.mark_all_present(w.db, w.martina, w.today.id, now=NOW) == []
    set_state(w.db, w.today.id, "Ema", AttendanceState.scheduled)
    reg.mark_all_present(w.db, w.owner, w.today.id, now=NOW)
    w.db.commit()
    entries = audit_rows(w.db)
    assert len(entries) == 2 and entries[-1].family_id == attendee(w.db, "Ema").family_id


# --------------------------------------------------------------------------------------------- edit window


def test_the_register_can_be_changed_until_exactly_n_days_after_the_session(w):
    # Tuesday 24 Nov ended at 16:45 local (15:45 UTC); 7 days later is today 16:45 local.
    last_week = w.last_week
    deadline = as_utc(last_week.ends_at) + timedelta(days=7)
    assert deadline == TODAY_END
    lily = attendee(w.db, "Lily")

    result = reg.mark(w.db, w.martina, last_week.id, lily.id, "missed", now=deadline)
    assert result.change.after == "missed" and result.late is True
    w.db.commit()
    [entry] = audit_rows(w.db)
    assert json.loads(entry.after_json)["late"] is True and entry.summary.endswith("(late change)")

    too_late = deadline + timedelta(minutes=1)
    before = versions(w.db)
    with pytest.raises(DomainError, match="closed on Tue 1 Dec, 16:45") as raised:
        reg.mark(w.db, w.martina, last_week.id, lily.id, "attended", now=too_late)
    assert "up to 7 days" in str(raised.value)
    with pytest.raises(DomainError, match="closed"):
        reg.mark_all_present(w.db, w.owner, last_week.id, now=too_late)
    w.db.rollback()
    assert versions(w.db) == before and len(audit_rows(w.db)) == 1
    assert row_of(w.db, last_week.id, "Lily").state == AttendanceState.missed

    # The owner's setting moves the window; 0 days: only until the session's end.
    w.provider.attendance_edit_days = 0
    w.db.add(w.provider)
    w.db.commit()
    ema = attendee(w.db, "Ema")
    end = as_utc(w.today.ends_at)
    same_day = reg.mark(w.db, w.martina, w.today.id, ema.id, "missed", now=end)
    assert same_day.change.changed and same_day.late is False
    with pytest.raises(DomainError, match="up to 0 days"):
        reg.mark(w.db, w.martina, w.today.id, ema.id, "attended", now=end + timedelta(minutes=1))


# --------------------------------------------------------------------------------------------- rights


def test_an_instructor_gets_not_found_for_another_class_and_clients_get_nothing(w):
    other = w.db.exec(select(ClassSession).where(ClassSession.class_id == w.tue17.id)).first()
    adam = attendee(w.db, "Adam")
    for call in (
        lambda p: reg.session_register(w.db, p, other.id, now=NOW),
        lambda p: reg.mark(w.db, p, other.id, adam.id, "attended", now=NOW),
        lambda p: reg.mark_all_present(w.db, p, other.id, now=NOW),
    ):
        with pytest.raises(NotFound, match="session was not found"):
            call(w.martina)
    assert reg.session_register(w.db, w.tomas, other.id, now=NOW).class_id == w.tue17.id
    assert reg.session_register(w.db, w.office, w.today.id, now=NOW).session_id == w.today.id

    anna = w.db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    client = Principal(anna.id, anna.provider_id, anna.family_id, 0, anna.email, anna.full_name)
    ema = attendee(w.db, "Ema")
    calls = [
        lambda p: reg.my_sessions(w.db, p, now=NOW),
        lambda p: reg.register_classes(w.db, p),
        lambda p: reg.find_sessions(w.db, p, date_from="2026-12-01", date_to="2026-12-01", now=NOW),
        lambda p: reg.session_register(w.db, p, w.today.id, now=NOW),
        lambda p: reg.mark(w.db, p, w.today.id, ema.id, "missed", now=NOW),
        lambda p: reg.mark_all_present(w.db, p, w.today.id, now=NOW),
    ]
    junk_role = StaffPrincipal(w.martina.staff_id, w.provider.id, 0, "martina@example.com", "M", "janitor")
    for call in calls:
        for who in (client, None, "martina@example.com"):
            with pytest.raises(NotFound, match="page was not found"):
                call(who)
        with pytest.raises(Forbidden, match="take attendance"):
            call(junk_role)
    assert audit_rows(w.db) == [] and row_of(w.db, w.today.id, "Ema").state == AttendanceState.attended


def test_cli_marks_still_follow_the_same_rules_and_clear_the_staff_member(w):
    ema = attendee(w.db, "Ema")
    reg.mark(w.db, w.martina, w.today.id, ema.id, "missed", now=NOW)
    w.db.commit()
    change = ps.mark_attendance(w.db, w.today.id, ema.id, "attended", now=NOW)
    w.db.commit()
    assert change.after == "attended"
    assert row_of(w.db, w.today.id, "Ema").changed_by_staff_id is None  # the operator, not a staff member
    with pytest.raises(DomainError, match="has not started"):
        ps.mark_attendance(w.db, w.next_week.id, ema.id, "attended", now=NOW)
    assert SessionStatus(w.db.get(ClassSession, w.today.id).status) == SessionStatus.completed


def test_register_photos_only_of_the_registers_own_attendees(w):
    add_guest(w.db, w.today)
    for first in ("Ema", "Adam", "Jakub"):
        kid = attendee(w.db, first)
        kid.photo_jpeg = f"jpeg of {first}".encode()
        w.db.add(kid)
    w.db.commit()
    ema, adam, jakub, lily = (attendee(w.db, n) for n in ("Ema", "Adam", "Jakub", "Lily"))
    assert reg.register_photo(w.db, w.martina, ema.id) == b"jpeg of Ema"
    assert reg.register_photo(w.db, w.martina, adam.id) == b"jpeg of Adam"  # a make-up guest of her class
    assert (
        reg.register_photo(w.db, w.owner, jakub.id) == b"jpeg of Jakub"
    )  # football: any class for the owner
    for junk in (jakub.id, lily.id, 10**9, 0, str(ema.id), True, None):  # not hers, no photo, junk
        with pytest.raises(NotFound, match="photo was not found"):
            reg.register_photo(w.db, w.martina, junk)
    with pytest.raises(NotFound, match="page"):
        reg.register_photo(w.db, None, ema.id)


def test_today_and_the_week_are_the_providers_local_days(w):
    # Monday 30 Nov 00:30 in Bratislava is still Sunday 29 Nov in UTC; Sunday 6 Dec 23:30 is 22:30 UTC.
    monday = reg.my_sessions(w.db, w.owner, now=datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    sunday = reg.my_sessions(w.db, w.owner, now=datetime(2026, 12, 6, 22, 30, tzinfo=UTC))
    assert monday.week_label == sunday.week_label == "30 Nov - 6 Dec 2026"
    assert [r.id for r in monday.week] == [r.id for r in sunday.week]
    assert {r.day for r in monday.week} >= {"2026-11-30", "2026-12-06"}
    assert {r.day for r in monday.today} == {"2026-11-30"} and {r.day for r in sunday.today} == {"2026-12-06"}
    assert "Beginners - Monday 16:00" in {r.class_name for r in monday.today}
    assert {r.class_name for r in sunday.today} == {"Open Swim - Sunday 14:00"}
    # A week across the year's end: Monday 28 Dec .. Sunday 3 Jan.
    new_year = reg.my_sessions(w.db, w.martina, now=datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    assert new_year.week_label == "28 Dec 2026 - 3 Jan 2027"
    assert [r.day for r in new_year.week] == ["2026-12-29"] and new_year.today == []
