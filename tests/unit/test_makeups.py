"""The make-up engine: offers and their explanations, capacity-safe booking, cancelling, the waitlist."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from client_profile.db import unit_of_work
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
    MakeupWaitlistEntry,
    Programme,
    Provider,
    SessionStatus,
    WaitlistStatus,
    utcnow,
)
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people.identity import Principal
from client_profile.services.providers import current_provider
from client_profile.services.schedule import makeups

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday


# ------------------------------------------------------------------------------------------ a small world


class World:
    """One provider, one programme, a source class (where credits come from) and a target class with one
    session two days ahead; families each with an open credit."""

    def __init__(self, db: Session, families: int, capacity: int = 1, extra: int = 0):
        self.db = db
        p = Provider(
            slug="w",
            name="World Swim",
            timezone="Europe/Bratislava",
            makeup_extra_capacity=extra,
            makeup_window_days=4,
            makeup_min_hours_before=2,
            cancellation_deadline_hours=24,
        )
        db.add(p)
        db.flush()
        self.provider = p
        prog = Programme(provider_id=p.id, name="Swim")
        db.add(prog)
        db.flush()
        self.programme = prog
        self.source = ClassGroup(programme_id=prog.id, name="Source", capacity=50, makeup_group="a")
        self.target = ClassGroup(programme_id=prog.id, name="Target", capacity=capacity, makeup_group="a")
        db.add(self.source)
        db.add(self.target)
        db.flush()
        self.past = ClassSession(
            class_id=self.source.id,
            starts_at=NOW - timedelta(days=3),
            ends_at=NOW - timedelta(days=3) + timedelta(hours=1),
            status=SessionStatus.completed,
        )
        self.session = self.add_session(self.target, NOW + timedelta(days=2))
        db.add(self.past)
        db.flush()
        self.principals: list[Principal] = []
        self.credits: list[int] = []
        for i in range(families):
            self.add_family(f"F{i}")
        db.commit()

    def add_session(self, cls: ClassGroup, start: datetime) -> ClassSession:
        s = ClassSession(class_id=cls.id, starts_at=start, ends_at=start + timedelta(minutes=45))
        self.db.add(s)
        self.db.flush()
        return s

    def add_family(self, name: str) -> tuple[Principal, int]:
        db = self.db
        fam = Family(provider_id=self.provider.id, name=name)
        db.add(fam)
        db.flush()
        client = Client(provider_id=self.provider.id, email=f"{name.lower()}@example.com", family_id=fam.id)
        kid = Attendee(family_id=fam.id, first_name=f"Kid{name}")
        db.add(client)
        db.add(kid)
        db.flush()
        booking = Booking(provider_id=self.provider.id, attendee_id=kid.id, class_id=self.source.id)
        db.add(booking)
        db.flush()
        att = Attendance(booking_id=booking.id, session_id=self.past.id, state=AttendanceState.cancelled)
        db.add(att)
        db.flush()
        credit = MakeupCredit(
            attendee_id=kid.id,
            booking_id=booking.id,
            source_attendance_id=att.id,
            earned_at=NOW - timedelta(days=3),
            expires_at=NOW + timedelta(days=60),
        )
        db.add(credit)
        db.flush()
        principal = Principal(client.id, self.provider.id, fam.id, 0, client.email, name)
        self.principals.append(principal)
        self.credits.append(credit.id)
        return principal, credit.id

    def taken(self) -> int:
        return (
            self.db.exec(
                select(Attendance).where(
                    Attendance.session_id == self.session.id, Attendance.state == AttendanceState.makeup
                )
            )
            .all()
            .__len__()
        )


# ------------------------------------------------------------------------------------------ offers


def test_offers_respect_window_compatibility_and_what_the_attendee_already_has(db):
    w = World(db, 1, capacity=3)
    p, credit = w.principals[0], w.credits[0]
    too_soon = w.add_session(w.target, NOW + timedelta(hours=1))
    too_late = w.add_session(w.target, NOW + timedelta(days=5))
    other_group = ClassGroup(programme_id=w.programme.id, name="Other level", capacity=5, makeup_group="b")
    any_group = ClassGroup(programme_id=w.programme.id, name="Open group", capacity=5, makeup_group=None)
    db.add(other_group)
    db.add(any_group)
    db.flush()
    w.add_session(other_group, NOW + timedelta(days=1))
    open_s = w.add_session(any_group, NOW + timedelta(days=3))
    cancelled = w.add_session(w.target, NOW + timedelta(days=1))
    cancelled.status = SessionStatus.cancelled
    db.add(cancelled)
    db.commit()
    result = makeups.offers_for(db, p, w.provider, credit, NOW)
    assert [o.session_id for o in result.offers] == [w.session.id, open_s.id]
    assert result.offers[0].places_left == 3 and result.reason == ""
    assert too_soon.id not in [o.session_id for o in result.offers + result.full]
    assert too_late.id not in [o.session_id for o in result.offers + result.full]
    # Once booked into that session it is not offered again (to another credit of the same attendee).
    makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.commit()
    rows = makeups._candidates(db, w.provider, w.source, db.get(MakeupCredit, credit).attendee_id, NOW)
    assert w.session.id not in [s.id for s, _ in rows]


@pytest.mark.parametrize(
    "mode,class_extra,global_extra,expected",
    [(None, 5, 1, 2), ("add", 2, 1, 4), ("replace", 3, 1, 4), ("replace", 0, 4, 1)],
)
def test_extra_makeup_capacity_global_add_replace(db, mode, class_extra, global_extra, expected):
    w = World(db, 1, capacity=1, extra=global_extra)
    w.target.extra_makeup_mode, w.target.extra_makeup_capacity = mode, class_extra
    db.add(w.target)
    db.commit()
    assert makeups.makeup_limit(w.provider, w.target) == expected
    assert (
        makeups.offers_for(db, w.principals[0], w.provider, w.credits[0], NOW).offers[0].places_left
        == expected
    )


def test_explanations_when_nothing_is_offered(db):
    w = World(db, 2, capacity=1)
    p0, p1 = w.principals
    makeups.book_makeup(db, p0, w.provider, w.credits[0], w.session.id, NOW)
    db.commit()
    full = makeups.offers_for(db, p1, w.provider, w.credits[1], NOW)
    assert full.offers == [] and [o.session_id for o in full.full] == [w.session.id]
    assert full.reason == (
        f"The only Swim session you could make up in the next 4 days ({full.full[0].day}, Target) is full."
    )
    assert "waiting list" in full.advice and "More sessions open" not in full.advice
    later = makeups.offers_for(db, p1, w.provider, w.credits[1], NOW + timedelta(days=3))
    assert "no Swim sessions to make up in the next 4 days" in later.reason and "valid until" in later.advice
    assert later.advice.startswith("Look again in a few days.")
    # Two full sessions read in the plural; a session beyond the window says when it opens for make-ups.
    second = w.add_session(w.target, NOW + timedelta(days=3))
    db.add(
        Attendance(
            booking_id=db.get(MakeupCredit, w.credits[0]).booking_id,
            session_id=second.id,
            state=AttendanceState.makeup,
        )
    )
    w.add_session(w.target, NOW + timedelta(days=9, hours=5))  # Sat 5 Dec: open for make-ups from 1 Dec
    db.commit()
    both = makeups.offers_for(db, p1, w.provider, w.credits[1], NOW)
    assert both.reason == "All 2 Swim sessions you could make up in the next 4 days are full."
    assert "More sessions open for make-ups on Tue 1 Dec." in both.advice
    # Said plainly when that is today or tomorrow (a time of day then, in the provider's timezone).
    assert (
        "open for make-ups tomorrow at"
        in makeups.offers_for(db, p1, w.provider, w.credits[1], NOW + timedelta(days=4)).advice
    )
    expired = makeups.offers_for(db, p1, w.provider, w.credits[1], NOW + timedelta(days=61))
    assert not expired.bookable and expired.reason.startswith("This make-up credit expired on")
    used = makeups.offers_for(db, p0, w.provider, w.credits[0], NOW)
    assert not used.bookable and "already used" in used.reason
    w.programme.makeups_enabled = False
    db.add(w.programme)
    db.commit()
    off = makeups.offers_for(db, p1, w.provider, w.credits[1], NOW)
    assert off.reason == "Make-ups are switched off for Swim."


def test_credit_expiry_policies():
    p = Provider(slug="x", name="X", timezone="Europe/Bratislava", makeup_validity_days=90)
    cls = ClassGroup(programme_id=1, name="c", ends_on=date(2027, 1, 19))
    assert makeups.credit_expiry(p, cls, NOW) == NOW + timedelta(days=90)
    p.makeup_expiry_mode = "class_end"
    end = makeups.credit_expiry(p, cls, NOW)
    assert end == datetime(2027, 1, 19, 23, 0, tzinfo=UTC)  # midnight after the last day, CET


def test_carry_over_keeps_only_the_newest_credits(db):
    w = World(db, 1)
    w.provider.makeup_expiry_mode, w.provider.makeup_carry_over_max = "carry_over", 2
    db.add(w.provider)
    booking = db.exec(select(Booking).where(Booking.attendee_id.in_(select(Attendee.id)))).first()
    ids = []
    for i in range(3):
        s = ClassSession(
            class_id=w.source.id,
            starts_at=NOW - timedelta(days=10 + i),
            ends_at=NOW - timedelta(days=10 + i) + timedelta(hours=1),
        )
        db.add(s)
        db.flush()
        a = Attendance(booking_id=booking.id, session_id=s.id, state=AttendanceState.cancelled)
        db.add(a)
        db.flush()
        ids.append(makeups.grant_credit(db, w.provider, a, booking, w.source, NOW + timedelta(minutes=i)).id)
    db.commit()
    statuses = {
        c.id: c.status for c in db.exec(select(MakeupCredit).where(MakeupCredit.booking_id == booking.id))
    }
    assert sum(1 for s in statuses.values() if s == MakeupCreditStatus.open) == 2
    assert statuses[ids[-1]] == MakeupCreditStatus.open


# ------------------------------------------------------------------------------------------ booking


def test_book_then_cancel_in_time_gives_the_credit_back(db):
    w = World(db, 1, capacity=2)
    p, credit = w.principals[0], w.credits[0]
    att = makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.commit()
    assert (
        att.state == AttendanceState.makeup and db.get(MakeupCredit, credit).status == MakeupCreditStatus.used
    )
    with pytest.raises(DomainError, match="already used"):
        makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.rollback()
    assert makeups.cancel_makeup(db, p, w.provider, att.id, NOW) is True
    db.commit()
    assert db.get(MakeupCredit, credit).status == MakeupCreditStatus.open
    assert db.get(Attendance, att.id).state == AttendanceState.cancelled


def test_late_cancel_frees_the_place_but_keeps_the_credit_used(db):
    w = World(db, 1, capacity=2)
    p, credit = w.principals[0], w.credits[0]
    att = makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.commit()
    late = w.session.starts_at - timedelta(hours=3)
    assert makeups.cancel_makeup(db, p, w.provider, att.id, late) is False
    db.commit()
    assert db.get(MakeupCredit, credit).status == MakeupCreditStatus.used
    assert db.get(Attendance, att.id).state == AttendanceState.late_cancelled


def test_other_families_credits_sessions_and_junk_are_not_found(db):
    w = World(db, 2, capacity=3)
    p0, p1 = w.principals
    for bad in (w.credits[1], 10**9, 0, -1, "1", None, 1.5, True):
        with pytest.raises(NotFound):
            makeups.offers_for(db, p0, w.provider, bad, NOW)
        with pytest.raises(NotFound):
            makeups.book_makeup(db, p0, w.provider, bad, w.session.id, NOW)
    for bad in (w.past.id, 10**9, "1", None, True):
        with pytest.raises((DomainError, NotFound)):
            makeups.book_makeup(db, p0, w.provider, w.credits[0], bad, NOW)
    db.rollback()
    assert db.get(MakeupCredit, w.credits[0]).status == MakeupCreditStatus.open


# ------------------------------------------------------------------------------------------ races (R1, R2)


def _race(credit_and_principals, session_id, provider_id) -> tuple[int, int, list[str]]:
    barrier = threading.Barrier(len(credit_and_principals))
    wins, fulls, errors = [], [], []

    def run(principal, credit_id):
        barrier.wait()
        try:
            with unit_of_work(immediate=True) as s:
                prov = s.get(Provider, provider_id)
                makeups.book_makeup(s, principal, prov, credit_id, session_id, NOW)
            wins.append(1)
        except DomainError:
            fulls.append(1)
        except Exception as exc:  # noqa: BLE001 - any other error is a failure of the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=pc) for pc in credit_and_principals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(wins), len(fulls), errors


R1_RUNS = int(os.environ.get("R1_RUNS", "200"))


@pytest.mark.timeout(900)  # 200 runs take about 4 minutes on SQLite; more on a loaded machine
def test_r1_fifty_families_one_last_place(clean_db):
    """security.md R1: 50 concurrent bookings for the last place, repeated: exactly one wins every time, no
    overbooking, no errors. On SQLite (IMMEDIATE transactions) and PostgreSQL (session row lock)."""
    with Session(clean_db, expire_on_commit=False) as db:
        w = World(db, 50, capacity=1)
        pairs = list(zip(w.principals, w.credits, strict=False))
        session_ids = [w.session.id] + [
            w.add_session(w.target, NOW + timedelta(days=2, minutes=i + 1)).id for i in range(R1_RUNS - 1)
        ]
        db.commit()
        provider_id = w.provider.id
    for run, session_id in enumerate(session_ids):
        with Session(clean_db) as db:  # every family gets a fresh credit for the next run
            from sqlalchemy import update as sa_update

            db.execute(sa_update(Attendance).values(makeup_credit_id=None))
            db.execute(sa_update(MakeupCredit).values(status=MakeupCreditStatus.open, used_at=None))
            db.commit()
        wins, fulls, errors = _race(pairs, session_id, provider_id)
        assert errors == [], f"run {run}: {errors[:3]}"
        assert (wins, fulls) == (1, 49), f"run {run}"
        with Session(clean_db) as db:
            n = len(db.exec(select(Attendance).where(Attendance.session_id == session_id)).all())
            assert n == 1, f"run {run}: {n} make-ups in a 1-place session"


def test_r2_double_submit_creates_one_makeup(clean_db):
    with Session(clean_db, expire_on_commit=False) as db:
        w = World(db, 1, capacity=5)
        principal, credit, session_id, provider_id = (
            w.principals[0],
            w.credits[0],
            w.session.id,
            w.provider.id,
        )
    wins, fulls, errors = _race([(principal, credit)] * 10, session_id, provider_id)
    assert errors == [] and (wins, fulls) == (1, 9)
    with Session(clean_db) as db:
        assert len(db.exec(select(Attendance).where(Attendance.state == AttendanceState.makeup)).all()) == 1


# ------------------------------------------------------------------------------------------ property


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(st.tuples(st.sampled_from(["book", "cancel"]), st.integers(0, 5)), min_size=1, max_size=25)
)
def test_capacity_is_never_exceeded_and_a_credit_never_used_twice(clean_db, ops):
    from tests.conftest import _truncate

    _truncate(clean_db)
    with Session(clean_db, expire_on_commit=False) as db:
        w = World(db, 6, capacity=2, extra=1)
        for op, who in ops:
            try:
                if op == "book":
                    makeups.book_makeup(db, w.principals[who], w.provider, w.credits[who], w.session.id, NOW)
                else:
                    att = db.exec(
                        select(Attendance)
                        .join(MakeupCredit, MakeupCredit.id == Attendance.makeup_credit_id)
                        .where(MakeupCredit.id == w.credits[who])
                    ).first()
                    if att is None:
                        continue
                    makeups.cancel_makeup(db, w.principals[who], w.provider, att.id, NOW)
                db.commit()
            except DomainError:
                db.rollback()
            taken = w.taken()
            assert taken <= makeups.makeup_limit(w.provider, w.target)
            used = db.exec(select(MakeupCredit).where(MakeupCredit.status == MakeupCreditStatus.used)).all()
            per_credit = db.exec(
                select(Attendance.makeup_credit_id).where(Attendance.state == AttendanceState.makeup)
            ).all()
            assert len(per_credit) == len(set(per_credit)) == len(used) == taken


# ------------------------------------------------------------------------------------------ waitlist


def test_waitlist_offer_hold_accept_and_expiry(db):
    w = World(db, 3, capacity=1)
    (p0, p1, p2), (c0, c1, c2) = w.principals, w.credits
    booked = makeups.book_makeup(db, p0, w.provider, c0, w.session.id, NOW)
    db.commit()
    with pytest.raises(DomainError, match="full session"):
        makeups.join_waitlist(db, p1, w.provider, c1, w.past.id, NOW)
    e1 = makeups.join_waitlist(db, p1, w.provider, c1, w.session.id, NOW)
    e2 = makeups.join_waitlist(db, p2, w.provider, c2, w.session.id, NOW + timedelta(minutes=1))
    db.commit()
    assert makeups.join_waitlist(db, p1, w.provider, c1, w.session.id, NOW).id == e1.id  # idempotent
    # Kid0 cancels in time: the place is held for the first in the queue.
    makeups.cancel_makeup(db, p0, w.provider, booked.id, NOW + timedelta(minutes=5))
    db.commit()
    db.refresh(e1)
    assert e1.status == WaitlistStatus.offered and e1.offer_expires_at is not None
    # The held place is not offered to anyone else, not even Kid0 who just freed it.
    assert makeups.offers_for(db, p0, w.provider, c0, NOW + timedelta(minutes=6)).offers == []
    with pytest.raises(DomainError):
        makeups.accept_offer(db, p2, w.provider, e2.id, NOW + timedelta(minutes=6))
    db.rollback()
    # The offer runs out: it passes to the next in the queue.
    later = e1.offer_expires_at.replace(tzinfo=UTC) + timedelta(seconds=1)
    makeups.expire_offers(db, w.provider, later)
    db.commit()
    db.refresh(e1)
    db.refresh(e2)
    assert (e1.status, e2.status) == (WaitlistStatus.expired, WaitlistStatus.offered)
    with pytest.raises(DomainError, match="expired"):
        makeups.accept_offer(db, p1, w.provider, e1.id, later)
    att = makeups.accept_offer(db, p2, w.provider, e2.id, later + timedelta(minutes=1))
    db.commit()
    assert (
        att.state == AttendanceState.makeup
        and db.get(MakeupWaitlistEntry, e2.id).status == WaitlistStatus.accepted
    )
    with pytest.raises(NotFound):
        makeups.accept_offer(db, p0, w.provider, e2.id, later)  # someone else's entry


def test_demo_anna_has_offers_and_a_full_group_to_explain(db):
    load_demo(db)
    db.commit()
    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    principal = Principal(anna.id, anna.provider_id, anna.family_id, 0, anna.email, anna.full_name)
    provider = current_provider(db)
    [credit] = makeups.open_credit_ids(db, principal)
    result = makeups.offers_for(db, principal, provider, credit)
    assert result.bookable and result.offers
    assert {o.class_name for o in result.offers} <= {
        "Beginners - Monday 16:00",
        "Beginners - Wednesday 17:00",
        "Beginners - Saturday 10:00",
    }
    assert result.full and {o.class_name for o in result.full} <= {
        "Beginners - Tuesday 17:00",
        "Beginners - Saturday 09:00",
    }


def test_demo_saturday_group_is_full_and_explained(db):
    load_demo(db)
    db.commit()
    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    principal = Principal(anna.id, anna.provider_id, anna.family_id, 0, anna.email, anna.full_name)
    provider = current_provider(db)
    sat = db.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Saturday 09:00")).one()
    next_sat = db.exec(
        select(ClassSession)
        .where(ClassSession.class_id == sat.id, ClassSession.starts_at > utcnow())
        .order_by(ClassSession.starts_at)
    ).first()
    [credit] = makeups.open_credit_ids(db, principal)
    result = makeups.offers_for(db, principal, provider, credit, next_sat.starts_at - timedelta(days=1))
    assert next_sat.id in [o.session_id for o in result.full]
    assert next_sat.id not in [o.session_id for o in result.offers]


def test_a_missed_session_earns_a_credit_only_when_the_policy_says_so(db):
    from client_profile.services.schedule.provider_sessions import mark_attendance

    w = World(db, 1)
    booking = db.exec(select(Booking)).first()
    kid = db.get(Attendee, booking.attendee_id)
    s = ClassSession(
        class_id=w.source.id, starts_at=NOW - timedelta(days=1), ends_at=NOW - timedelta(hours=23)
    )
    db.add(s)
    db.flush()
    att = Attendance(booking_id=booking.id, session_id=s.id)
    db.add(att)
    db.commit()
    w.provider.makeup_from_missed = False
    db.add(w.provider)
    db.commit()
    mark_attendance(db, s.id, kid.id, "missed", NOW)
    db.commit()
    assert db.exec(select(MakeupCredit).where(MakeupCredit.source_attendance_id == att.id)).first() is None
    mark_attendance(db, s.id, kid.id, "attended", NOW)
    w.provider.makeup_from_missed = True
    db.add(w.provider)
    db.commit()
    mark_attendance(db, s.id, kid.id, "missed", NOW)
    db.commit()
    credit = db.exec(select(MakeupCredit).where(MakeupCredit.source_attendance_id == att.id)).one()
    assert credit.status == MakeupCreditStatus.open
    mark_attendance(db, s.id, kid.id, "attended", NOW)  # the provider corrects it: the credit goes
    db.commit()
    db.refresh(credit)
    assert credit.status == MakeupCreditStatus.void


def test_a_cancelled_makeup_can_be_booked_again(db):
    w = World(db, 1, capacity=2)
    p, credit = w.principals[0], w.credits[0]
    first = makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.commit()
    makeups.cancel_makeup(db, p, w.provider, first.id, NOW)
    db.commit()
    assert w.session.id in [o.session_id for o in makeups.offers_for(db, p, w.provider, credit, NOW).offers]
    again = makeups.book_makeup(db, p, w.provider, credit, w.session.id, NOW)
    db.commit()
    assert again.id == first.id and again.state == AttendanceState.makeup


def _share(db, w: World, booking_id: int, email: str, *, can_manage: bool) -> Principal:
    from client_profile.models import BookingShare

    grantee = Client(provider_id=w.provider.id, email=email)
    db.add(grantee)
    db.flush()
    db.add(
        BookingShare(
            booking_id=booking_id, grantee_client_id=grantee.id, grantee_email=email, can_manage=can_manage
        )
    )
    db.flush()
    return Principal(grantee.id, w.provider.id, None, 0, email, "Grandpa")


@pytest.mark.parametrize("offered", [False, True], ids=["waiting", "offered"])
def test_a_view_only_sharer_cannot_leave_or_accept_the_familys_waitlist_place(db, offered):
    """Security finding: leave_waitlist checked visibility only; a view-only sharer withdrew the family's entry
    (and, had it held an offered place, passed the place to the next family)."""
    w = World(db, 2, capacity=1)
    (p0, p1), (c0, c1) = w.principals, w.credits
    booked = makeups.book_makeup(db, p0, w.provider, c0, w.session.id, NOW)
    entry = makeups.join_waitlist(db, p1, w.provider, c1, w.session.id, NOW)
    if offered:
        makeups.cancel_makeup(db, p0, w.provider, booked.id, NOW + timedelta(minutes=5))
    db.commit()
    booking_id = db.get(MakeupCredit, c1).booking_id
    viewer = _share(db, w, booking_id, "viewer@example.com", can_manage=False)
    manager = _share(db, w, booking_id, "manager@example.com", can_manage=True)
    db.commit()
    status = db.get(MakeupWaitlistEntry, entry.id).status
    for call in (
        lambda: makeups.leave_waitlist(db, viewer, entry.id, NOW + timedelta(minutes=6)),
        lambda: makeups.accept_offer(db, viewer, w.provider, entry.id, NOW + timedelta(minutes=6)),
    ):
        with pytest.raises(DomainError, match="shared access"):
            call()
        db.rollback()
        assert db.get(MakeupWaitlistEntry, entry.id).status == status
    # A share with the manage scope may, like the family itself.
    makeups.leave_waitlist(db, manager, entry.id, NOW + timedelta(minutes=6))
    db.commit()
    assert db.get(MakeupWaitlistEntry, entry.id).status == WaitlistStatus.withdrawn


def test_entry_points_count_only_credits_with_a_bookable_session_now(db):
    """Home's "Make-ups" action and the booking page's "Book a make-up" show only for a credit that can be used
    now: a free place in the window, on a booking the person may manage (issue: invite, then can't deliver)."""
    w = World(db, 2, capacity=1)
    (p0, p1), (c0, c1) = w.principals, w.credits
    kid0 = db.get(Booking, db.get(MakeupCredit, c0).booking_id).attendee_id
    kid1 = db.get(Booking, db.get(MakeupCredit, c1).booking_id).attendee_id
    assert makeups.bookable_credits(db, p0, w.provider, NOW) == {kid0: 1}
    makeups.book_makeup(db, p0, w.provider, c0, w.session.id, NOW)
    db.commit()
    # The only session is now full: family 1's credit is open but nothing can be booked, so no entry point.
    assert makeups.bookable_credits(db, p1, w.provider, NOW) == {}
    assert makeups.offers_for(db, p1, w.provider, c1, NOW).full
    # A new session in the window brings it back; outside the window (or within the margin) it does not.
    w.add_session(w.target, NOW + timedelta(days=w.provider.makeup_window_days, hours=1))
    w.add_session(w.target, NOW + timedelta(hours=w.provider.makeup_min_hours_before - 1))
    assert makeups.bookable_credits(db, p1, w.provider, NOW) == {}
    w.add_session(w.target, NOW + timedelta(days=1))
    assert makeups.bookable_credits(db, p1, w.provider, NOW) == {kid1: 1}
    booking1 = db.get(MakeupCredit, c1).booking_id
    assert makeups.bookable_credits(db, p1, w.provider, NOW, booking_id=booking1) == {kid1: 1}
    assert makeups.bookable_credits(db, p1, w.provider, NOW, booking_id=booking1 + 999) == {}
    # A view-only sharer sees the booking but may not book make-ups: no entry point for them.
    viewer = _share(db, w, booking1, "viewer@example.com", can_manage=False)
    manager = _share(db, w, booking1, "manager@example.com", can_manage=True)
    assert makeups.bookable_credits(db, viewer, w.provider, NOW) == {}
    assert makeups.bookable_credits(db, manager, w.provider, NOW) == {kid1: 1}
    # Another family never counts someone else's credit.
    assert kid1 not in makeups.bookable_credits(db, p0, w.provider, NOW)


def test_benefits_explain_a_credit_that_cannot_be_used_now(db):
    from client_profile.services.money.benefits import benefits_view

    w = World(db, 2, capacity=1)
    (p0, p1), (c0, _c1) = w.principals, w.credits
    assert benefits_view(db, p1, w.provider, NOW).makeups[0].note == ""  # bookable: the page offers it
    makeups.book_makeup(db, p0, w.provider, c0, w.session.id, NOW)
    db.commit()
    row = benefits_view(db, p1, w.provider, NOW).makeups[0]
    assert row.status == "available" and row.note.startswith("The only Swim session you could make up")
    assert "valid until" in row.note
