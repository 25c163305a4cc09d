"""Provider-side session changes (admin CLI): attendance marks, cancelling/restoring, livestream links, listing.

Each rule, the family data-version bump that makes open pages reload, and bad input that changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    Family,
    MakeupCredit,
    SessionStatus,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.schedule import provider_sessions as ps


def attendee(db, first: str) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == first)).one()


def versions(db) -> dict[str, int]:
    return {f.name: f.data_version for f in db.exec(select(Family)).all()}


def swim_sessions(db) -> tuple[list[ClassSession], list[ClassSession]]:
    group = db.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Tuesday 16:00")).one()
    rows = db.exec(
        select(ClassSession).where(ClassSession.class_id == group.id).order_by(ClassSession.starts_at)
    ).all()
    now = utcnow()
    return [s for s in rows if as_utc(s.starts_at) < now], [s for s in rows if as_utc(s.starts_at) > now]


def chess(db) -> tuple[ClassGroup, ClassSession]:
    group = db.exec(select(ClassGroup).where(ClassGroup.is_online.is_(True))).one()
    upcoming = db.exec(
        select(ClassSession)
        .where(ClassSession.class_id == group.id, ClassSession.starts_at > utcnow())
        .order_by(ClassSession.starts_at)
    ).first()
    return group, upcoming


def state_of(db, session_id: int, first: str) -> str:
    db.expire_all()
    row = db.exec(
        select(Attendance)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendance.session_id == session_id, Attendee.first_name == first)
    ).one()
    return AttendanceState(row.state).value


def everything(db) -> tuple:
    """What a provider change could touch: attendance rows, sessions, class links, family versions."""
    db.expire_all()
    return (
        sorted(
            (a.id, AttendanceState(a.state).value, a.changed_by_client_id)
            for a in db.exec(select(Attendance))
        ),
        sorted(
            (s.id, SessionStatus(s.status).value, s.online_link, s.note)
            for s in db.exec(select(ClassSession))
        ),
        sorted((g.id, g.online_link) for g in db.exec(select(ClassGroup))),
        versions(db),
    )


# --------------------------------------------------------------------------------------------- attendance


def test_marking_a_past_session_attended_missed_and_back_bumps_only_that_family(demo):
    past, _ = swim_sessions(demo)
    last = past[-1]  # Ema attended (demo); Lily is in the same class
    ema = attendee(demo, "Ema")
    before = versions(demo)

    change = ps.mark_attendance(demo, last.id, ema.id, "missed")
    demo.commit()
    assert (change.before, change.after, change.changed) == ("attended", "missed", True)
    assert state_of(demo, last.id, "Ema") == "missed"
    after = versions(demo)
    assert after["Novak"] == before["Novak"] + 1 and after["Carter"] == before["Carter"]

    row = demo.get(Attendance, change.attendance_id)
    assert row.changed_by_client_id is None and as_utc(row.changed_at) > utcnow() - timedelta(minutes=1)
    assert (
        demo.exec(select(MakeupCredit)).all().__len__() == 1
    )  # no credit made here (services.schedule.makeups owns credits)

    assert ps.mark_attendance(demo, last.id, ema.id, "Scheduled").after == "scheduled"
    assert ps.mark_attendance(demo, last.id, ema.id, AttendanceState.attended).after == "attended"
    demo.commit()
    assert state_of(demo, last.id, "Ema") == "attended"


def test_marking_the_same_state_again_changes_and_bumps_nothing(demo):
    past, _ = swim_sessions(demo)
    ema = attendee(demo, "Ema")
    before = everything(demo)
    change = ps.mark_attendance(demo, past[-1].id, ema.id, "attended")
    assert change.changed is False
    demo.commit()
    assert everything(demo) == before


def test_a_session_that_has_not_started_cannot_be_marked_but_can_go_back_to_scheduled(demo):
    _, upcoming = swim_sessions(demo)
    ema = attendee(demo, "Ema")
    nxt = upcoming[0]
    before = everything(demo)
    for state in ("attended", "missed"):
        with pytest.raises(DomainError, match="has not started"):
            ps.mark_attendance(demo, nxt.id, ema.id, state)
    assert everything(demo) == before
    # The boundary: from the start time on it may be marked (the time is passed in, as the tests freeze it).
    start = as_utc(nxt.starts_at)
    with pytest.raises(DomainError, match="has not started"):
        ps.mark_attendance(demo, nxt.id, ema.id, "attended", now=start - timedelta(seconds=1))
    assert ps.mark_attendance(demo, nxt.id, ema.id, "attended", now=start).after == "attended"
    assert ps.mark_attendance(demo, nxt.id, ema.id, "scheduled").after == "scheduled"  # before it starts
    demo.commit()
    assert state_of(demo, nxt.id, "Ema") == "scheduled"


def test_an_excused_attendance_is_not_changed_by_the_provider(demo):
    past, _ = swim_sessions(demo)
    cancelled = past[3]  # Ema excused it in time and earned a make-up (demo)
    ema = attendee(demo, "Ema")
    assert state_of(demo, cancelled.id, "Ema") == "cancelled"
    before = everything(demo)
    for state in ("attended", "missed", "scheduled"):
        with pytest.raises(DomainError, match="excused"):
            ps.mark_attendance(demo, cancelled.id, ema.id, state)
    assert everything(demo) == before


def test_a_makeup_attendance_keeps_its_credit_and_returns_to_makeup(demo):
    past, _ = swim_sessions(demo)
    ema = attendee(demo, "Ema")
    credit = demo.exec(select(MakeupCredit)).one()
    row = demo.exec(
        select(Attendance)
        .join(Booking, Booking.id == Attendance.booking_id)
        .where(Attendance.session_id == past[-1].id, Booking.attendee_id == ema.id)
    ).one()
    row.state, row.makeup_credit_id = AttendanceState.makeup, credit.id
    demo.add(row)
    demo.commit()
    assert ps.mark_attendance(demo, past[-1].id, ema.id, "attended").after == "attended"
    assert ps.mark_attendance(demo, past[-1].id, ema.id, "scheduled").after == "makeup"
    demo.commit()
    assert demo.get(Attendance, row.id).makeup_credit_id == credit.id


def test_bad_attendance_input_changes_nothing(demo):
    past, upcoming = swim_sessions(demo)
    ema, jakub, lily = attendee(demo, "Ema"), attendee(demo, "Jakub"), attendee(demo, "Lily")
    before = everything(demo)
    cases = [
        ((past[-1].id, ema.id, "cancelled"), DomainError, "one of: attended, missed, scheduled"),
        ((past[-1].id, ema.id, "makeup"), DomainError, "one of"),
        ((past[-1].id, ema.id, None), DomainError, "one of"),
        ((past[-1].id, ema.id, 1), DomainError, "one of"),
        ((999999, ema.id, "attended"), NotFound, "session was not found"),
        ((past[-1].id, 999999, "attended"), NotFound, "attendee was not found"),
        ((0, ema.id, "attended"), NotFound, "session"),
        ((True, ema.id, "attended"), NotFound, "session"),
        ((str(past[-1].id), ema.id, "attended"), NotFound, "session"),
        ((past[-1].id, jakub.id, "attended"), DomainError, "has no place in session"),
    ]
    for args, exc, message in cases:
        with pytest.raises(exc, match=message):
            ps.mark_attendance(demo, *args)
    demo.rollback()
    assert everything(demo) == before
    assert lily  # Lily is in the class: her own row is markable, Ema's state is independent
    assert ps.mark_attendance(demo, past[-1].id, lily.id, "missed").after == "missed"
    assert state_of(demo, past[-1].id, "Ema") == "attended"


# --------------------------------------------------------------------------------------------- cancel / restore


def test_cancelling_and_restoring_a_session_bumps_every_family_in_it(demo):
    _, upcoming = swim_sessions(demo)
    nxt = upcoming[0]
    before = versions(demo)
    rows_before = sorted(
        (a.id, a.state) for a in demo.exec(select(Attendance).where(Attendance.session_id == nxt.id))
    )

    session = ps.cancel_session(demo, nxt.id, note="  Pool   closed for\nmaintenance ")
    demo.commit()
    assert session.status == SessionStatus.cancelled and session.note == "Pool closed for maintenance"
    after = versions(demo)
    assert after["Novak"] == before["Novak"] + 1 and after["Carter"] == before["Carter"] + 1
    demo.expire_all()
    rows_after = sorted(
        (a.id, a.state) for a in demo.exec(select(Attendance).where(Attendance.session_id == nxt.id))
    )
    assert rows_after == rows_before  # attendances stay; the session shows cancelled
    assert len(demo.exec(select(MakeupCredit)).all()) == 1

    # Attendance cannot be marked in a cancelled session (even once its time has come).
    with pytest.raises(DomainError, match="cancelled"):
        ps.mark_attendance(demo, nxt.id, attendee(demo, "Ema").id, "attended", now=as_utc(nxt.ends_at))
    with pytest.raises(DomainError, match="already cancelled"):
        ps.cancel_session(demo, nxt.id)

    restored = ps.restore_session(demo, nxt.id)
    demo.commit()
    assert restored.status == SessionStatus.scheduled and restored.note == ""
    assert versions(demo)["Carter"] == before["Carter"] + 2
    with pytest.raises(DomainError, match="not cancelled"):
        ps.restore_session(demo, nxt.id)


def test_a_session_with_marked_attendance_cannot_be_cancelled(demo):
    past, _ = swim_sessions(demo)
    before = everything(demo)
    with pytest.raises(DomainError, match="attendance marked"):
        ps.cancel_session(demo, past[-1].id)
    assert everything(demo) == before


def test_bad_cancel_input_changes_nothing(demo):
    _, upcoming = swim_sessions(demo)
    before = everything(demo)
    for args, kwargs, exc in (
        ((999999,), {}, NotFound),
        ((-1,), {}, NotFound),
        (("1",), {}, NotFound),
        ((upcoming[0].id,), {"note": "x" * 501}, DomainError),
        ((upcoming[0].id,), {"note": 5}, DomainError),
    ):
        with pytest.raises(exc):
            ps.cancel_session(demo, *args, **kwargs)
    with pytest.raises(NotFound):
        ps.restore_session(demo, 999999)
    demo.rollback()
    assert everything(demo) == before


# --------------------------------------------------------------------------------------------- links


def test_session_and_class_links_bump_the_families_of_the_class(demo):
    group, session = chess(demo)
    before = versions(demo)
    ps.set_session_link(demo, session.id, " https://meet.example.com/special-room ")
    demo.commit()
    assert demo.get(ClassSession, session.id).online_link == "https://meet.example.com/special-room"
    assert versions(demo)["Novak"] == before["Novak"] + 1 and versions(demo)["Carter"] == before["Carter"]
    rows = {r.id: r for r in ps.list_sessions(demo, class_id=group.id, days=30)}
    assert rows[session.id].link == "https://meet.example.com/special-room"  # the session overrides the class

    ps.set_class_link(demo, group.id, "http://live.example.org:8080/chess?x=1")
    demo.commit()
    assert versions(demo)["Novak"] == before["Novak"] + 2
    rows = {r.id: r for r in ps.list_sessions(demo, class_id=group.id, days=30)}
    others = [r for r in rows.values() if r.id != session.id]
    assert others and all(r.link == "http://live.example.org:8080/chess?x=1" for r in others)

    ps.set_session_link(demo, session.id, "")  # clears: falls back to the class link
    demo.commit()
    assert (
        ps.list_sessions(demo, class_id=group.id, days=30)[0].link == "http://live.example.org:8080/chess?x=1"
    )
    unchanged = versions(demo)
    ps.set_session_link(demo, session.id, "")  # no change, no bump
    demo.commit()
    assert versions(demo) == unchanged


@pytest.mark.parametrize(
    "url, message",
    [
        ("javascript:alert(1)", "https://"),
        ("ftp://files.example.com/x", "https://"),
        ("meet.example.com/room", "https://"),
        ("https://", "host"),
        ("https://intranet/room", "host"),
        ("https://user:pw@meet.example.com/", "user name"),
        ("https://meet.example.com/a b", "spaces"),
        ("https://meet.example.com/\u00e4", "special"),
        ("https://meet.example.com:99999/", "valid URL"),
        ("https://meet.example.com/" + "x" * 500, "too long"),
        (42, "text"),
    ],
)
def test_bad_links_are_refused_and_change_nothing(demo, url, message):
    group, session = chess(demo)
    before = everything(demo)
    with pytest.raises(DomainError, match=message):
        ps.set_session_link(demo, session.id, url)
    with pytest.raises(DomainError, match=message):
        ps.set_class_link(demo, group.id, url)
    demo.rollback()
    assert everything(demo) == before


def test_links_only_for_online_classes_and_known_ids(demo):
    _, upcoming = swim_sessions(demo)
    swim_class = demo.get(ClassGroup, upcoming[0].class_id)
    before = everything(demo)
    with pytest.raises(DomainError, match="not an online class"):
        ps.set_session_link(demo, upcoming[0].id, "https://meet.example.com/x")
    with pytest.raises(DomainError, match="not an online class"):
        ps.set_class_link(demo, swim_class.id, "https://meet.example.com/x")
    with pytest.raises(NotFound, match="session"):
        ps.set_session_link(demo, 999999, "https://meet.example.com/x")
    with pytest.raises(NotFound, match="class"):
        ps.set_class_link(demo, 999999, "https://meet.example.com/x")
    demo.rollback()
    assert everything(demo) == before


# --------------------------------------------------------------------------------------------- listing


def test_list_sessions_shows_local_times_status_and_counts(demo):
    past, upcoming = swim_sessions(demo)
    group_id = past[0].class_id
    rows = ps.list_sessions(demo, class_id=group_id, days=30, past_days=60)
    ids = [r.id for r in rows]
    assert ids == sorted(ids, key=lambda i: next(s.starts_at for s in past + upcoming if s.id == i))
    assert set(ids) >= {s.id for s in past} and upcoming[0].id in ids
    assert all(r.starts.endswith("16:00") and r.ends == "16:45" for r in rows)  # Bratislava, also across DST
    by_id = {r.id: r for r in rows}
    assert by_id[past[3].id].counts == {"cancelled": 1, "attended": 1}  # Ema excused, Lily came
    assert by_id[upcoming[0].id].counts == {"scheduled": 2}
    assert by_id[upcoming[0].id].link == "" and not by_id[upcoming[0].id].is_online

    window = ps.list_sessions(demo, days=1, past_days=0)
    assert all(
        utcnow() <= as_utc(demo.get(ClassSession, r.id).starts_at) <= utcnow() + timedelta(days=1)
        for r in window
    )
    with pytest.raises(NotFound):
        ps.list_sessions(demo, class_id=999999)
    for bad in (-1, 5000, True, "3"):
        with pytest.raises(DomainError, match="days"):
            ps.list_sessions(demo, days=bad)


def test_session_attendees_lists_regular_places(demo):
    past, _ = swim_sessions(demo)
    people = ps.session_attendees(demo, past[3].id)
    assert [(p.name, p.state) for p in people] == [("Ema Novak", "cancelled"), ("Lily Carter", "attended")]
    with pytest.raises(NotFound):
        ps.session_attendees(demo, 999999)
