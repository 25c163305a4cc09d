"""Excusing sessions under the provider's cancellation policy, signing back up, and the sessions tab."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from client_profile import formatting as fmt
from client_profile.clock import utcnow
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    EntryPass,
    EntryPassEntry,
    Family,
    MakeupCredit,
    MakeupCreditStatus,
    Programme,
    Provider,
    ProviderHoliday,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.providers import current_provider
from client_profile.services.schedule import attendance as att
from client_profile.services.schedule import policy
from tests.login_helpers import principal_of as principal

TZ = ZoneInfo("Europe/Bratislava")


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)


def provider(**kw) -> Provider:
    base = {
        "slug": "p",
        "name": "P",
        "timezone": "Europe/Bratislava",
        "cancellation_mode": "hours_before",
        "cancellation_deadline_hours": 24,
        "allow_late_cancellation": True,
        "cancellation_skip_weekends": False,
    }
    base.update(kw)
    return Provider(**base)


# ------------------------------------------------------------------------------------------ deadlines


def test_hours_before_deadline():
    start = local(2026, 12, 1, 16)  # Tuesday 16:00
    assert policy.cancellation_deadline(provider(), start) == local(2026, 11, 30, 16)


def test_hours_before_across_the_autumn_dst_change():
    """Clocks go back on Sunday 25 Oct 2026 at 03:00. 24 real hours before Sunday 10:00 CET is Saturday
    11:00 CEST on the wall clock."""
    start = local(2026, 10, 25, 10)
    deadline = policy.cancellation_deadline(provider(), start)
    assert deadline == start - timedelta(hours=24)
    assert (deadline.astimezone(TZ).day, deadline.astimezone(TZ).hour) == (24, 11)


def test_day_before_at_a_fixed_time_in_the_spring_dst_week():
    p = provider(cancellation_mode="day_before_at", cancellation_day_before_time=time(18, 0))
    start = local(2026, 3, 30, 9)  # Monday after the spring change (29 March)
    deadline = policy.cancellation_deadline(p, start).astimezone(TZ)
    assert (deadline.date(), deadline.hour, deadline.utcoffset()) == (
        date(2026, 3, 29),
        18,
        timedelta(hours=2),
    )


def test_weekend_deadline_moves_back_to_friday_midnight():
    p = provider(cancellation_skip_weekends=True)
    start = local(2026, 11, 30, 16)  # Monday 16:00 -> 24 h before is Sunday
    assert policy.cancellation_deadline(p, start).astimezone(TZ) == datetime(2026, 11, 28, 0, 0, tzinfo=TZ)


def test_holiday_moves_the_deadline_back_too():
    p = provider(cancellation_skip_weekends=True)
    start = local(2026, 12, 2, 16)  # Wednesday; deadline Tuesday 1 Dec is a holiday
    assert policy.cancellation_deadline(p, start, {date(2026, 12, 1)}).astimezone(TZ) == datetime(
        2026, 12, 1, 0, 0, tzinfo=TZ
    )
    assert policy.cancellation_deadline(p, start, set()).astimezone(TZ) == datetime(
        2026, 12, 1, 16, tzinfo=TZ
    )


# ------------------------------------------------------------------------------------------ with the demo


def next_scheduled(db, first_name: str, programme: str = "Swimming - Beginners", skip: int = 0):
    rows = db.exec(
        select(Attendance, ClassSession)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            Attendee.first_name == first_name,
            Programme.name == programme,
            Attendance.state == AttendanceState.scheduled,
            ClassSession.starts_at > utcnow(),
        )
        .order_by(ClassSession.starts_at)
    ).all()
    return rows[skip]


def test_excuse_in_time_earns_a_makeup_once(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    now = session.starts_at - timedelta(hours=25)
    preview = att.preview_cancel(demo, anna, prov, attendance.id, now)
    assert (preview.allowed, preview.late, preview.outcome) == (True, False, "makeup")
    assert "make-up credit" in preview.message
    result = att.excuse(demo, anna, prov, attendance.id, "illness", " fever ", now)
    demo.commit()
    assert result.state == AttendanceState.cancelled and result.credit_id
    row = demo.get(Attendance, attendance.id)
    assert (row.state, row.cancel_reason, row.cancel_note) == (AttendanceState.cancelled, "illness", "fever")
    credit = demo.get(MakeupCredit, result.credit_id)
    assert credit.status == MakeupCreditStatus.open
    assert credit.expires_at.replace(tzinfo=UTC) == now + timedelta(days=prov.makeup_validity_days)
    with pytest.raises(DomainError):  # applied once
        att.excuse(demo, anna, prov, attendance.id, "", "", now)
    assert demo.exec(
        select(MakeupCredit).where(MakeupCredit.source_attendance_id == attendance.id)
    ).all() == [credit]


def test_just_before_and_just_after_the_deadline(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    deadline = policy.cancellation_deadline(prov, session.starts_at)
    before = att.preview_cancel(demo, anna, prov, attendance.id, deadline - timedelta(seconds=1))
    after = att.preview_cancel(demo, anna, prov, attendance.id, deadline)
    assert (before.late, before.outcome) == (False, "makeup")
    assert (after.late, after.outcome, after.allowed) == (True, "nothing", True)
    assert "late cancellation" in after.message
    result = att.excuse(demo, anna, prov, attendance.id, "travel", "", deadline + timedelta(minutes=5))
    demo.commit()
    assert result.state == AttendanceState.late_cancelled and result.credit_id is None
    assert (
        demo.exec(select(MakeupCredit).where(MakeupCredit.source_attendance_id == attendance.id)).first()
        is None
    )


def test_late_cancellation_refused_when_the_policy_says_so(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    prov.allow_late_cancellation = False
    demo.add(prov)
    demo.commit()
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    late = session.starts_at - timedelta(hours=2)
    preview = att.preview_cancel(demo, anna, prov, attendance.id, late)
    assert not preview.allowed and "deadline" in preview.message
    with pytest.raises(DomainError):
        att.excuse(demo, anna, prov, attendance.id, "", "", late)
    assert demo.get(Attendance, attendance.id).state == AttendanceState.scheduled


def test_makeups_off_for_the_programme_earns_nothing_and_says_why(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    programme = demo.exec(select(Programme).where(Programme.name == "Swimming - Beginners")).one()
    programme.makeups_enabled = False
    demo.add(programme)
    demo.commit()
    preview = att.preview_cancel(demo, anna, prov, attendance.id, session.starts_at - timedelta(days=2))
    assert preview.outcome == "nothing" and "switched off" in preview.message


def test_an_entry_pass_session_returns_the_entry(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    booking = demo.get(Booking, attendance.booking_id)
    family = demo.exec(select(Family).where(Family.name == "Novak")).one()
    pass_ = demo.exec(
        select(EntryPass).where(EntryPass.family_id == family.id, EntryPass.name == "Open Swim 10 entries")
    ).one()
    entry = EntryPassEntry(entry_pass_id=pass_.id, attendee_id=booking.attendee_id, session_id=session.id)
    demo.add(entry)
    demo.commit()
    now = session.starts_at - timedelta(days=2)
    assert att.preview_cancel(demo, anna, prov, attendance.id, now).outcome == "entry"
    att.excuse(demo, anna, prov, attendance.id, "", "", now)
    demo.commit()
    assert demo.get(EntryPassEntry, entry.id).returned_at is not None
    att.sign_back_up(demo, anna, prov, attendance.id, now + timedelta(minutes=1))
    demo.commit()
    assert demo.get(EntryPassEntry, entry.id).returned_at is None


def test_sign_back_up_voids_the_credit_and_needs_a_place(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    now = session.starts_at - timedelta(days=2)
    credit_id = att.excuse(demo, anna, prov, attendance.id, "", "", now).credit_id
    demo.commit()
    # Fill the class to capacity with other scheduled attendances: no place to come back to.
    cls = demo.get(ClassGroup, session.class_id)
    taken = demo.exec(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.state.in_(att.OCCUPYING))
    ).all()
    fam = Family(provider_id=prov.id, name="Filler")
    demo.add(fam)
    demo.flush()
    for i in range(cls.capacity - len(taken)):
        kid = Attendee(family_id=fam.id, first_name=f"K{i}")
        demo.add(kid)
        demo.flush()
        b = Booking(provider_id=prov.id, attendee_id=kid.id, class_id=cls.id)
        demo.add(b)
        demo.flush()
        demo.add(Attendance(booking_id=b.id, session_id=session.id))
    demo.commit()
    with pytest.raises(DomainError, match="full"):
        att.sign_back_up(demo, anna, prov, attendance.id, now)
    demo.rollback()
    assert demo.get(Attendance, attendance.id).state == AttendanceState.cancelled
    demo.delete(
        demo.exec(
            select(Attendance)
            .join(Booking)
            .join(Attendee)
            .where(Attendee.first_name == "K0", Attendance.session_id == session.id)
        ).one()
    )
    demo.commit()
    att.sign_back_up(demo, anna, prov, attendance.id, now)
    demo.commit()
    assert demo.get(Attendance, attendance.id).state == AttendanceState.scheduled
    assert demo.get(MakeupCredit, credit_id).status == MakeupCreditStatus.void
    # Excusing again brings the same credit back rather than a second one.
    again = att.excuse(demo, anna, prov, attendance.id, "", "", now)
    demo.commit()
    assert (
        again.credit_id == credit_id and demo.get(MakeupCredit, credit_id).status == MakeupCreditStatus.open
    )


def test_sign_back_up_refused_once_the_session_started(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    att.excuse(demo, anna, prov, attendance.id, "", "", session.starts_at - timedelta(days=2))
    demo.commit()
    with pytest.raises(DomainError, match="started"):
        att.sign_back_up(demo, anna, prov, attendance.id, session.starts_at + timedelta(minutes=1))


def test_other_families_ids_and_junk_are_not_found_and_change_nothing(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    lily_attendance, _ = next_scheduled(demo, "Lily")
    for bad in (lily_attendance.id, 10**9, 0, -5, "1", None, 1.5, True, [1]):
        with pytest.raises(NotFound) as exc:
            att.excuse(demo, anna, prov, bad, "", "")
        assert str(exc.value) == "This session was not found."
        with pytest.raises(NotFound):
            att.sign_back_up(demo, anna, prov, bad)
    assert demo.get(Attendance, lily_attendance.id).state == AttendanceState.scheduled


@pytest.mark.parametrize("reason,note", [("sick", ""), (5, ""), ("", 7), ("", "x" * 501)])
def test_bad_reason_or_note_changes_nothing(demo, reason, note):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, _ = next_scheduled(demo, "Ema", skip=1)
    with pytest.raises(DomainError):
        att.excuse(demo, anna, prov, attendance.id, reason, note)
    assert demo.get(Attendance, attendance.id).state == AttendanceState.scheduled


def test_a_view_only_share_cannot_excuse_but_sees_the_sessions(demo):
    peter, prov = principal(demo, "peter@example.com"), current_provider(demo)
    attendance, _ = next_scheduled(demo, "Ema", skip=1)
    detail = att.booking_detail(demo, peter, prov, attendance.booking_id)
    assert detail.shared_with_me and not detail.can_manage
    assert not any(r.can_cancel for r in detail.upcoming)
    with pytest.raises(DomainError, match="shared access"):
        att.excuse(demo, peter, prov, attendance.id, "", "")


def test_booking_detail_sorts_the_history(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, _ = next_scheduled(demo, "Ema")
    d = att.booking_detail(demo, anna, prov, attendance.booking_id)
    assert (d.programme, d.attendee, d.schedule) == ("Swimming - Beginners", "Ema", "Tuesdays 16:00")
    assert d.place and d.instructor and d.price.startswith("EUR")
    assert len(d.attended) == 3 and {r.state for r in d.attended} == {"attended"}
    assert sorted(r.state for r in d.missed) == ["excused", "missed"]
    # A past session that earned nothing says why, with the make-up engine's reason; the excused one earned.
    missed = next(r for r in d.missed if r.state == "missed")
    assert missed.outcome.startswith("Missed without an excuse: at Little Otters Swim & Sport only sessions")
    assert "make-up credit" in next(r for r in d.missed if r.state == "excused").outcome
    assert d.upcoming and all(r.state == "scheduled" for r in d.upcoming)
    assert d.upcoming[0].day.startswith("Tue") and d.upcoming[0].time.startswith("16:00")
    assert all(r.online_link == "" for r in d.upcoming + d.attended)  # not an online class
    assert d.open_credits == 1
    chess, _ = next_scheduled(demo, "Jakub", "Chess Online")
    c = att.booking_detail(demo, anna, prov, chess.booking_id)
    # A join link shows only on a session whose livestream is open at this instant (none at most hours; on a
    # Thursday late afternoon the current session is open, and the demo has already marked it attended).
    live = {
        a.id
        for a, s in demo.exec(
            select(Attendance, ClassSession)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(Attendance.booking_id == chess.booking_id)
        ).all()
        if att.livestream_open(s, utcnow())
    }
    assert c.is_online
    assert {r.attendance_id for r in c.upcoming + c.attended if r.online_link} <= live
    lily, _ = next_scheduled(demo, "Lily")
    with pytest.raises(NotFound):
        att.booking_detail(demo, anna, prov, lily.booking_id)


def test_holiday_rows_are_read_only_when_the_policy_is_on(demo):
    prov = current_provider(demo)
    prov.cancellation_skip_weekends = True
    demo.add(prov)
    demo.add(ProviderHoliday(provider_id=prov.id, day=date(2026, 12, 24), name="Christmas Eve"))
    demo.commit()
    assert policy.provider_holidays(demo, prov) == {date(2026, 12, 24)}


def test_an_earned_credit_queues_its_reminder_in_the_same_transaction(demo):
    from client_profile.models import OutboxMessage
    from client_profile.services.notifications.reminders import KIND_EARNED

    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    result = att.excuse(demo, anna, prov, attendance.id, "", "", session.starts_at - timedelta(days=2))
    demo.commit()
    queued = demo.exec(select(OutboxMessage).where(OutboxMessage.kind == KIND_EARNED)).all()
    assert queued and all(str(result.credit_id) in m.dedupe_key for m in queued)


def test_the_livestream_link_shows_from_shortly_before_the_start_until_the_end(demo):
    anna, prov = principal(demo, "anna@example.com"), current_provider(demo)
    chess, session = next_scheduled(demo, "Jakub", "Chess Online")
    start, end = as_utc(session.starts_at), as_utc(session.ends_at)

    def row_at(now):
        d = att.booking_detail(demo, anna, prov, chess.booking_id, now=now)
        return next(r for r in d.upcoming + d.attended if r.attendance_id == chess.id), d

    before, d = row_at(start - timedelta(minutes=16))
    assert (
        before.online_link == ""
        and before.livestream_from == f"{fmt.local(start, prov.timezone) - timedelta(minutes=15):%H:%M}"
    )
    assert d.reload_at == start - timedelta(minutes=15)  # the open page reloads when the link opens
    for now in (start - timedelta(minutes=15), start, end - timedelta(seconds=1)):
        live, _ = row_at(now)
        assert live.online_link.startswith("https://") and live.livestream_from == ""
    after, _ = row_at(end)
    assert after.online_link == ""


def test_an_excused_session_stays_in_next_sessions_with_its_undo(demo):
    anna, peter, prov = (
        principal(demo, "anna@example.com"),
        principal(demo, "peter@example.com"),
        current_provider(demo),
    )
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    now = as_utc(session.starts_at) - timedelta(days=3)
    att.excuse(demo, anna, prov, attendance.id, "illness", "", now=now)
    demo.commit()
    d = att.booking_detail(demo, anna, prov, attendance.booking_id, now=now)
    row = next(r for r in d.upcoming if r.attendance_id == attendance.id)
    assert row.state == "excused" and row.can_sign_back_up and not row.can_cancel and row.deadline == ""
    assert row.outcome == "Excused by you · a make-up credit was added to Benefits"
    assert all(r.attendance_id != attendance.id for r in d.missed)
    # Peter (view-only) sees it too, but no action he may not take and no "by you".
    p = att.booking_detail(demo, peter, prov, attendance.booking_id, now=now)
    prow = next(r for r in p.upcoming if r.attendance_id == attendance.id)
    assert prow.outcome.startswith("Excused · ") and not prow.can_sign_back_up
    assert not any(r.can_cancel or r.deadline for r in p.upcoming)
    # Once the session is over it moves to the history.
    later = att.booking_detail(demo, anna, prov, attendance.booking_id, now=as_utc(session.ends_at))
    assert any(r.attendance_id == attendance.id and r.state == "excused" for r in later.missed)
