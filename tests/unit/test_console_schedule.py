"""The console's schedule services (services.schedule.classes and .timetable): programmes, classes, sessions
made from the schedule, one-off sessions, moving, cancelling and restoring one session; who may do it; bad
input that changes nothing; versions; the audit rows; the families' data versions and e-mails.

Every instant is fixed (``now=``); the provider is in Europe/Bratislava."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func
from sqlmodel import select

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    AuditEntry,
    Booking,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    OutboxMessage,
    Programme,
    Provider,
    ProviderHoliday,
    SessionStatus,
    StaffMember,
    StaffRole,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, Forbidden, InvalidField, NotFound, StaleEdit
from client_profile.services.notifications import outbox, session_changes
from client_profile.services.people.identity import Principal, StaffPrincipal
from client_profile.services.schedule import classes, timetable

TZ = "Europe/Bratislava"
NOW = datetime(2026, 8, 20, 8, 0, tzinfo=UTC)  # a Thursday before the term
LATER = datetime(2026, 9, 10, 8, 0, tzinfo=UTC)  # after the term's first two Tuesdays


# ------------------------------------------------------------------------------------------------ fixtures


def _staff(db, provider: Provider, email: str, role: StaffRole, name: str = "") -> StaffPrincipal:
    member = StaffMember(provider_id=provider.id, email=email, full_name=name, role=role)
    db.add(member)
    db.flush()
    return StaffPrincipal(member.id, provider.id, 0, email, name, role.value)


@pytest.fixture
def setup(db):
    provider = Provider(slug="otters", name="Little Otters", timezone=TZ, currency="EUR")
    other = Provider(slug="other", name="Other", timezone=TZ, currency="EUR")
    db.add_all([provider, other])
    db.flush()
    db.add(ProviderHoliday(provider_id=provider.id, day=date(2026, 11, 17), name="Freedom Day"))
    s = type("S", (), {})()
    s.provider, s.other = provider, other
    s.owner = _staff(db, provider, "owner@example.com", StaffRole.owner, "Olga Owner")
    s.office = _staff(db, provider, "office@example.com", StaffRole.office, "Oskar Office")
    s.instructor = _staff(db, provider, "martina@example.com", StaffRole.instructor, "Martina Kovacova")
    s.stranger = _staff(db, other, "boss@other.example", StaffRole.owner, "Other Boss")
    s.client = Principal(
        client_id=1, provider_id=provider.id, family_id=None, session_id=1, email="a@b.c", full_name=""
    )
    db.commit()
    return s


def programme(db, s, **kw) -> Programme:
    values = {"name": "Swimming", "kind": "course", "price": "120.00"} | kw
    return classes.create_programme(db, s.office, now=NOW, **values)


def weekly(db, s, prog: Programme | None = None, **kw):
    prog = prog or programme(db, s)
    values = {
        "name": "Beginners - Tuesday 16:00",
        "weekday": "1",
        "start_time": "16:00",
        "duration_minutes": "45",
        "starts_on": "2026-09-01",
        "ends_on": "2026-12-15",
        "venue": "City pool",
        "capacity": "8",
        "instructor_id": s.instructor.staff_id,
    } | kw
    return classes.create_class(db, s.office, prog.id, now=NOW, **values)


def sessions_of(db, group) -> list[ClassSession]:
    return list(
        db.exec(
            select(ClassSession).where(ClassSession.class_id == group.id).order_by(ClassSession.starts_at)
        ).all()
    )


def local_days(rows) -> list[date]:
    return [as_utc(r.starts_at).astimezone(ZoneInfo(TZ)).date() for r in rows]


def family_with_booking(db, s, group, name="Carter", email="ben@example.com", **booking):
    fam = Family(provider_id=s.provider.id, name=name)
    db.add(fam)
    db.flush()
    client = Client(provider_id=s.provider.id, email=email, full_name=f"Ben {name}", family_id=fam.id)
    child = Attendee(family_id=fam.id, first_name="Lily", last_name=name)
    db.add_all([client, child])
    db.flush()
    row = Booking(
        provider_id=s.provider.id, attendee_id=child.id, class_id=group.id, price_minor=12000, **booking
    )
    db.add(row)
    db.flush()
    timetable.seat_bookings(db, group, sessions_of(db, group), TZ)
    db.flush()
    return fam, client, row


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# ------------------------------------------------------------------------------------------------ creating


def test_a_weekly_class_gets_its_sessions_from_the_term_without_holidays(db, setup):
    s = setup
    group, result = weekly(db, s)
    rows = sessions_of(db, group)
    # 16 Tuesdays from 1 Sep to 15 Dec, 17 Nov is a holiday.
    assert result.created == 15 and result.skipped_holidays == ("2026-11-17",)
    assert date(2026, 11, 17) not in local_days(rows)
    assert local_days(rows)[0] == date(2026, 9, 1) and local_days(rows)[-1] == date(2026, 12, 15)
    # 16:00 local on both sides of the DST change (25 Oct).
    assert {as_utc(r.starts_at).astimezone(ZoneInfo(TZ)).time() for r in rows} == {time(16, 0)}
    assert {(as_utc(r.ends_at) - as_utc(r.starts_at)).seconds for r in rows} == {45 * 60}
    assert group.instructor == "Martina Kovacova"  # the staff member's name, unless another is given
    actions = db.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["programme.create", "class.sessions", "class.create"]


def test_a_class_made_mid_term_gets_only_future_sessions(db, setup):
    s = setup
    prog = programme(db, s)
    group, result = classes.create_class(
        db,
        s.owner,
        prog.id,
        name="Late",
        weekday="Tuesday",
        start_time="16:00",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 29),
        now=LATER,
    )
    assert local_days(sessions_of(db, group)) == [date(2026, 9, 15), date(2026, 9, 22), date(2026, 9, 29)]


def test_a_class_on_explicit_dates(db, setup):
    s = setup
    prog = programme(db, s, name="Summer camp", kind="camp", price="0")
    assert prog.price_minor == 0
    group, result = classes.create_class(
        db,
        s.office,
        prog.id,
        name="Camp week",
        start_time="09:00",
        duration_minutes=360,
        dates="2026-11-16, 2026-11-17 2026-11-18",
        now=NOW,
    )
    assert local_days(sessions_of(db, group)) == [date(2026, 11, 16), date(2026, 11, 18)]
    assert result.skipped_holidays == ("2026-11-17",)
    assert (group.weekday, group.starts_on, group.ends_on) == (None, date(2026, 11, 16), date(2026, 11, 18))
    row = classes.class_detail(db, s.office, group.id)
    assert row.dates == "2026-11-16 2026-11-18" and row.schedule == "2 dates, 09:00, 360 min"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"capacity": "0"}, "capacity"),
        ({"start_time": "25:00"}, "start_time"),
        ({"ends_on": "2026-08-01"}, "ends_on"),
        ({"ends_on": ""}, "ends_on"),
        ({"weekday": "8"}, "weekday"),
        ({"duration_minutes": "2"}, "duration_minutes"),
        ({"online_link": "https://meet.example.com/x"}, "online_link"),
        ({"online_link": "javascript:alert(1)", "is_online": "yes"}, "online_link"),
        ({"name": "  "}, "name"),
        ({"extra_makeup_mode": "double"}, "extra_makeup_mode"),
        ({"makeup_group": "x" * 65}, "makeup_group"),
        ({"dates": "2026-09-01"}, "dates"),
    ],
)
def test_bad_class_input_names_the_field_and_writes_nothing(db, setup, fields, field):
    s = setup
    prog = programme(db, s)
    db.commit()
    before = (count(db, ClassGroup), count(db, ClassSession), count(db, AuditEntry))
    with pytest.raises(InvalidField) as err:
        weekly(db, s, prog, **fields)
    assert err.value.field == field
    db.rollback()
    assert (count(db, ClassGroup), count(db, ClassSession), count(db, AuditEntry)) == before


def test_the_instructor_must_be_active_staff_of_the_provider(db, setup):
    s = setup
    with pytest.raises(InvalidField) as err:
        weekly(db, s, instructor_id=s.stranger.staff_id)
    assert err.value.field == "instructor_id"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "12.345"}, "price"),
        ({"kind": "party"}, "kind"),
        ({"name": ""}, "name"),
        ({"price": "-1"}, "price"),
    ],
)
def test_bad_programme_input_names_the_field(db, setup, fields, field):
    with pytest.raises(InvalidField) as err:
        programme(db, setup, **fields)
    assert err.value.field == field


# ------------------------------------------------------------------------------------------------ rights


def test_only_owner_and_office_change_the_schedule(db, setup):
    s = setup
    group, _ = weekly(db, s)
    session = sessions_of(db, group)[3]
    everywhere = [
        lambda p: classes.create_programme(db, p, name="X", now=NOW),
        lambda p: classes.list_programmes(db, p),
        lambda p: classes.list_classes(db, p),
        lambda p: classes.instructor_choices(db, p),
    ]
    by_id = [
        lambda p: classes.update_class(db, p, group.id, group.version, venue="Lake", now=NOW),
        lambda p: classes.update_programme(db, p, group.programme_id, 0, name="Mine"),
        lambda p: classes.class_detail(db, p, group.id),
        lambda p: classes.delete_class(db, p, group.id, group.version),
        lambda p: classes.create_class(
            db, p, group.programme_id, name="X", start_time="10:00", dates="2026-12-01"
        ),
        lambda p: timetable.class_sessions(db, p, group.id, now=NOW),
        lambda p: timetable.update_sessions(db, p, group.id, group.version, now=NOW),
        lambda p: timetable.move_session(db, p, session.id, 0, day="2026-09-24", start_time="16:00", now=NOW),
        lambda p: timetable.cancel_session(db, p, session.id, 0, now=NOW),
        lambda p: timetable.restore_session(db, p, session.id, 0, now=NOW),
        lambda p: timetable.add_session(db, p, group.id, day="2026-12-20", start_time="10:00", now=NOW),
    ]
    for call in everywhere + by_id:
        with pytest.raises(Forbidden):
            call(s.instructor)
        with pytest.raises(NotFound):
            call(s.client)
    for call in by_id:  # another provider's programme, class and session look missing
        with pytest.raises(NotFound):
            call(s.stranger)
    assert classes.list_classes(db, s.stranger) == []
    db.rollback()


# ------------------------------------------------------------------------------------------------ editing


def test_a_new_time_moves_future_sessions_and_keeps_their_attendance(db, setup):
    s = setup
    group, _ = weekly(db, s)
    fam, _, booking = family_with_booking(db, s, group)
    rows = sessions_of(db, group)
    past, excused = rows[0], rows[5]
    db.exec(select(Attendance).where(Attendance.session_id == past.id)).one().state = AttendanceState.attended
    row = db.exec(select(Attendance).where(Attendance.session_id == excused.id)).one()
    row.state = AttendanceState.cancelled
    db.commit()
    version, family_version = group.version, fam.data_version
    group, result = classes.update_class(db, s.office, group.id, version, start_time="17:30", now=LATER)
    db.commit()
    after = sessions_of(db, group)
    assert [r.id for r in after] == [r.id for r in rows]  # the same rows: attendance history stays
    assert as_utc(after[0].starts_at).astimezone(ZoneInfo(TZ)).time() == time(16, 0)  # the past
    assert {as_utc(r.starts_at).astimezone(ZoneInfo(TZ)).time() for r in after[2:]} == {time(17, 30)}
    assert result.retimed == len(rows) - 2 and result.created == result.deleted == 0
    assert db.get(Attendance, row.id).state == AttendanceState.cancelled
    db.refresh(fam)
    assert fam.data_version > family_version
    assert group.version == version + 1
    with pytest.raises(StaleEdit):  # a second form opened with the old version
        classes.update_class(db, s.owner, group.id, version, venue="Lake", now=LATER)
    db.rollback()


def test_a_new_weekday_deletes_untouched_sessions_and_cancels_ones_with_history(db, setup):
    s = setup
    group, _ = weekly(db, s)
    family_with_booking(db, s, group)
    rows = sessions_of(db, group)
    excused = rows[5]
    db.exec(
        select(Attendance).where(Attendance.session_id == excused.id)
    ).one().state = AttendanceState.cancelled
    db.commit()
    group, result = classes.update_class(db, s.office, group.id, group.version, weekday="3", now=LATER)
    db.commit()
    after = sessions_of(db, group)
    kept_old = [r for r in after if r.id in {x.id for x in rows}]
    assert [r.id for r in kept_old] == [rows[0].id, rows[1].id, excused.id]  # the past, and the excused one
    assert db.get(ClassSession, excused.id).status == SessionStatus.cancelled
    assert result.cancelled == 1 and result.deleted == len(rows) - 3
    thursdays = [r for r in after if r.id not in {x.id for x in rows}]
    assert {d.weekday() for d in local_days(thursdays)} == {3}
    # Every new Thursday has Lily's place.
    new_ids = [t.id for t in thursdays]
    places = db.exec(
        select(func.count()).select_from(Attendance).where(Attendance.session_id.in_(new_ids))
    ).one()
    assert places == len(thursdays) == result.created


def test_a_shorter_term_removes_the_sessions_after_it(db, setup):
    s = setup
    group, _ = weekly(db, s)
    group, result = classes.update_class(db, s.office, group.id, group.version, ends_on="2026-10-31", now=NOW)
    assert local_days(sessions_of(db, group))[-1] == date(2026, 10, 27)
    assert result.deleted == 6


def test_capacity_cannot_drop_below_the_bookings(db, setup):
    s = setup
    group, _ = weekly(db, s, capacity="1")
    family_with_booking(db, s, group)
    db.commit()
    with pytest.raises(InvalidField) as err:
        classes.update_class(db, s.office, group.id, group.version, capacity="0", now=NOW)
    assert err.value.field == "capacity"
    db.rollback()
    with pytest.raises(InvalidField):
        classes.update_class(db, s.office, group.id, group.version, capacity=1, venue="x" * 301, now=NOW)
    db.rollback()
    assert db.get(ClassGroup, group.id).version == group.version  # nothing claimed


def test_programme_edit_with_version_and_audit(db, setup):
    s = setup
    prog = programme(db, s)
    db.commit()
    prog = classes.update_programme(db, s.office, prog.id, 0, price="99.50", description="Lessons\nfor all")
    assert (prog.price_minor, prog.version) == (9950, 1)
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "programme.update")).one()
    assert '"price_minor": 12000' in entry.before_json and '"price_minor": 9950' in entry.after_json
    with pytest.raises(StaleEdit):
        classes.update_programme(db, s.office, prog.id, 0, name="Again")
    with pytest.raises(NotFound):
        classes.update_programme(db, s.stranger, prog.id, 1, name="Mine")
    assert classes.list_programmes(db, s.office)[0].price_text == "99.50"


def test_delete_only_mistakes(db, setup):
    s = setup
    group, _ = weekly(db, s)
    prog_id = group.programme_id
    with pytest.raises(DomainError):
        classes.delete_programme(db, s.office, prog_id, 0)
    family_with_booking(db, s, group)
    with pytest.raises(DomainError):
        classes.delete_class(db, s.office, group.id, group.version)
    other, _ = weekly(db, s, db.get(Programme, prog_id), name="Spare")
    classes.delete_class(db, s.office, other.id, other.version)
    assert db.get(ClassGroup, other.id) is None
    assert count(db, ClassSession) == len(sessions_of(db, group))


# ------------------------------------------------------------------------------------------------ one session


def test_a_one_off_session_seats_the_bookings_that_cover_its_day(db, setup):
    s = setup
    group, _ = weekly(db, s)
    _, _, covering = family_with_booking(db, s, group)
    _, _, ended = family_with_booking(
        db, s, group, name="Novak", email="anna@example.com", ends_on=date(2026, 10, 1)
    )
    extra = timetable.add_session(db, s.office, group.id, day="2026-12-19", start_time="10:00", now=NOW)
    seated = db.exec(select(Attendance.booking_id).where(Attendance.session_id == extra.id)).all()
    assert seated == [covering.id]
    with pytest.raises(InvalidField) as err:
        timetable.add_session(db, s.office, group.id, day="2026-12-19", start_time="10:00", now=NOW)
    assert err.value.field == "start_time"
    with pytest.raises(InvalidField) as err:
        timetable.add_session(db, s.office, group.id, day="2026-08-01", start_time="10:00", now=NOW)
    assert err.value.field == "day"
    rows = timetable.class_sessions(db, s.office, group.id, now=NOW)
    assert [r.pinned for r in rows if r.id == extra.id] == [True]
    # Applying the schedule again leaves the one-off alone.
    timetable.update_sessions(db, s.office, group.id, group.version, now=NOW)
    assert db.get(ClassSession, extra.id) is not None
    with pytest.raises(StaleEdit):
        timetable.update_sessions(db, s.office, group.id, group.version - 1, now=NOW)


def test_moving_a_session_keeps_it_notifies_and_survives_the_schedule(db, setup):
    s = setup
    group, _ = weekly(db, s)
    fam, client, booking = family_with_booking(db, s, group)
    quiet = Client(
        provider_id=s.provider.id, email="quiet@example.com", family_id=fam.id, reminders_opt_out=True
    )
    db.add(quiet)
    session = sessions_of(db, group)[4]  # Tue 29 Sep
    db.commit()
    moved = timetable.move_session(
        db, s.office, session.id, 0, day="2026-10-01", start_time="17:00", venue="Lake", now=NOW
    )
    db.commit()
    assert (moved.id, moved.version, moved.venue) == (session.id, 1, "Lake")
    assert local_days([moved]) == [date(2026, 10, 1)]
    assert db.exec(select(Attendance).where(Attendance.session_id == moved.id)).one().booking_id == booking.id
    messages = db.exec(select(OutboxMessage).where(OutboxMessage.kind == session_changes.KIND)).all()
    assert [m.recipient_client_id for m in messages] == [client.id]  # not the one who turned e-mails off
    with pytest.raises(StaleEdit):
        timetable.move_session(db, s.office, session.id, 0, day="2026-10-02", start_time="17:00", now=NOW)
    db.rollback()
    with pytest.raises(InvalidField):  # the same time and venue: nothing to move
        timetable.move_session(db, s.office, session.id, 1, day="2026-10-01", start_time="17:00", now=NOW)
    db.rollback()
    # The schedule applied again (a new time) neither moves it back nor recreates Tue 29 Sep.
    group = db.get(ClassGroup, group.id)
    classes.update_class(db, s.office, group.id, group.version, start_time="16:15", now=NOW)
    days = local_days(sessions_of(db, group))
    assert date(2026, 10, 1) in days and date(2026, 9, 29) not in days
    assert as_utc(db.get(ClassSession, session.id).starts_at) == datetime(2026, 10, 1, 15, 0, tzinfo=UTC)


def test_a_started_or_cancelled_session_is_not_moved(db, setup):
    s = setup
    group, _ = weekly(db, s)
    first = sessions_of(db, group)[0]
    with pytest.raises(DomainError, match="already started"):
        timetable.move_session(db, s.office, first.id, 0, day="2026-09-30", start_time="16:00", now=LATER)
    timetable.cancel_session(db, s.office, first.id, 0, note="Pool closed", now=NOW)
    with pytest.raises(DomainError, match="cancelled"):
        timetable.move_session(db, s.office, first.id, 1, day="2026-09-30", start_time="16:00", now=NOW)


def test_cancel_and_restore_follow_the_cli_rules_with_versions_and_e_mails(db, setup):
    s = setup
    group, _ = weekly(db, s)
    _, client, _ = family_with_booking(db, s, group)
    first, second = sessions_of(db, group)[:2]
    db.exec(
        select(Attendance).where(Attendance.session_id == first.id)
    ).one().state = AttendanceState.attended
    db.commit()
    with pytest.raises(DomainError, match="attendance marked"):
        timetable.cancel_session(db, s.office, first.id, 0, now=LATER)
    db.rollback()
    cancelled = timetable.cancel_session(db, s.office, second.id, 0, note="Pool closed", now=NOW)
    assert (cancelled.status, cancelled.note, cancelled.version) == (
        SessionStatus.cancelled,
        "Pool closed",
        1,
    )
    db.commit()
    with pytest.raises(StaleEdit):
        timetable.restore_session(db, s.office, second.id, 0, now=NOW)
    db.rollback()
    restored = timetable.restore_session(db, s.office, second.id, 1, now=NOW)
    assert (restored.status, restored.version) == (SessionStatus.scheduled, 2)
    kinds = db.exec(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)).all()
    assert kinds == [
        f"session_changed:cancelled:{second.id}:v1:c{client.id}:email",
        f"session_changed:restored:{second.id}:v2:c{client.id}:email",
    ]
    actions = db.exec(select(AuditEntry.action).where(AuditEntry.entity == "class_session")).all()
    assert actions == ["session.cancel", "session.restore"]


def test_the_moved_e_mail_says_the_new_time_and_a_stale_one_is_not_sent(db, setup, monkeypatch):
    s = setup
    group, _ = weekly(db, s)
    family_with_booking(db, s, group)
    session = sessions_of(db, group)[4]
    db.commit()
    timetable.move_session(db, s.office, session.id, 0, day="2026-10-01", start_time="17:00", now=NOW)
    db.commit()
    row = db.exec(select(OutboxMessage)).one()
    with time_machine.travel(NOW, tick=False):
        email = outbox._RENDERERS[session_changes.KIND](db, row, {})
        assert "Thu 1 Oct, 17:00" in email.subject and email.to == "ben@example.com"
        assert "/bookings/" in email.text
        timetable.cancel_session(db, s.office, session.id, 1, now=NOW)
        with pytest.raises(outbox.SkipMessage):
            outbox._RENDERERS[session_changes.KIND](db, row, {})


def test_the_session_list_counts_places(db, setup):
    s = setup
    group, _ = weekly(db, s)
    family_with_booking(db, s, group)
    family_with_booking(db, s, group, name="Novak", email="anna@example.com")
    first = sessions_of(db, group)[0]
    db.exec(
        select(Attendance).where(Attendance.session_id == first.id)
    ).first().state = AttendanceState.cancelled
    db.flush()
    rows = timetable.class_sessions(db, s.office, group.id, now=NOW)
    assert len(rows) == 15
    assert (rows[0].places, rows[0].excused, rows[0].label) == (1, 1, "Tue 1 Sep, 16:00-16:45")
    assert rows[0].effective_venue == "City pool" and not rows[0].is_past


def test_a_holiday_added_later_takes_its_session_out_on_update(db, setup):
    s = setup
    group, _ = weekly(db, s)
    family_with_booking(db, s, group)
    rows = sessions_of(db, group)
    excused = rows[6]  # Tue 13 Oct: the family excused it, so it is cancelled rather than deleted
    db.exec(
        select(Attendance).where(Attendance.session_id == excused.id)
    ).one().state = AttendanceState.cancelled
    db.add_all(
        [
            ProviderHoliday(provider_id=s.provider.id, day=date(2026, 10, 6)),
            ProviderHoliday(provider_id=s.provider.id, day=date(2026, 10, 13)),
        ]
    )
    db.commit()
    result = timetable.update_sessions(db, s.office, group.id, group.version, now=NOW)
    assert (result.deleted, result.cancelled) == (1, 1)
    assert result.skipped_holidays == ("2026-10-06", "2026-10-13", "2026-11-17")
    assert db.get(ClassSession, rows[5].id) is None
    assert db.get(ClassSession, excused.id).status == SessionStatus.cancelled
    # The excused family is not told about a session it already excused.
    assert db.exec(select(OutboxMessage)).all() == []
    assert db.exec(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "class.sessions"


def test_a_class_may_have_its_own_price_and_a_programme_its_level(db, setup):
    s = setup
    prog = programme(db, s, level="Beginners, 5-9 years")
    assert prog.level == "Beginners, 5-9 years"
    own, _ = weekly(db, s, prog, name="Small group", price="150.00")
    usual, _ = weekly(db, s, prog, name="Usual group", price="")
    db.commit()
    assert (own.price_minor, usual.price_minor) == (15000, None)
    assert classes.class_price(db, own) == (15000, "EUR")
    assert classes.class_price(db, usual) == (12000, "EUR")  # the programme's
    rows = {r.name: r for r in classes.list_classes(db, s.office)}
    assert (rows["Small group"].price, rows["Small group"].price_text) == ("EUR 150.00", "150.00")
    assert (rows["Usual group"].price, rows["Usual group"].price_text) == ("EUR 120.00", "")
    assert [p.level for p in classes.list_programmes(db, s.office)] == ["Beginners, 5-9 years"]
    with pytest.raises(InvalidField) as err:
        classes.update_class(db, s.office, own.id, own.version, price="12.345")
    assert err.value.field == "price"
    db.rollback()
    classes.update_class(db, s.office, own.id, own.version, price="")  # back to the programme's
    db.commit()
    assert classes.class_price(db, db.get(type(own), own.id)) == (12000, "EUR")
    with pytest.raises(InvalidField) as err:
        classes.update_programme(db, s.office, prog.id, prog.version, level="x" * 101)
    assert err.value.field == "level"
