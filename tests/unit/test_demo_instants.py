"""The demo works whenever it is loaded: at every weekday x {00:30, 07:00, 12:00, 16:30, 23:30} in the
provider's timezone, around both DST switches and over New Year, the clock frozen at that instant.

Each case loads the demo into its own in-memory SQLite database and checks, through the real services:
(a) Ema can book a make-up, and cancel it in time so the credit comes back (services.schedule.makeups);
(b) a full sister group is in the make-up window, explained and open for the waiting list;
(c) one of Ema's upcoming sessions can still be excused in time, earning a make-up (services.schedule.attendance);
(d) every fixed fact of tests/unit/test_demo.py, for the demo as seen at that instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from client_profile import clock
from client_profile.models import (
    Attendance,
    AttendanceState,
    Booking,
    Charge,
    Client,
    MakeupCredit,
    MakeupCreditStatus,
)
from client_profile.services.demo import DEMO_TIMEZONE, load_demo
from client_profile.services.people.identity import Principal
from client_profile.services.providers import current_provider
from client_profile.services.schedule import attendance, makeups
from tests.unit.test_demo import check_all_facts

TZ = ZoneInfo(DEMO_TIMEZONE)
WEEK = [date(2026, 11, 30) + timedelta(days=i) for i in range(7)]  # Monday .. Sunday
HOURS = [time(0, 30), time(7, 0), time(12, 0), time(16, 30), time(23, 30)]


def _local(day: date, at: time, fold: int = 0) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).replace(fold=fold)


INSTANTS = (
    [_local(d, h) for d in WEEK for h in HOURS]
    # Summer time starts Sunday 29 March 2026 at 02:00 (clocks jump to 03:00); windows that cross it.
    + [
        _local(date(2026, 3, 26), time(16, 30)),
        _local(date(2026, 3, 28), time(23, 30)),
        _local(date(2026, 3, 29), time(1, 30)),
        _local(date(2026, 3, 29), time(3, 30)),
        _local(date(2026, 3, 30), time(0, 30)),
    ]
    # Summer time ends Sunday 25 October 2026 at 03:00 (back to 02:00): 02:30 happens twice.
    + [
        _local(date(2026, 10, 22), time(16, 30)),
        _local(date(2026, 10, 24), time(23, 30)),
        _local(date(2026, 10, 25), time(2, 30), fold=0),
        _local(date(2026, 10, 25), time(2, 30), fold=1),
        _local(date(2026, 10, 25), time(12, 0)),
        _local(date(2026, 10, 26), time(0, 30)),
    ]
    + [_local(date(2026, 12, 31), time(23, 30)), _local(date(2027, 1, 1), time(0, 30))]
)


def _id(instant: datetime) -> str:
    return f"{instant:%a-%Y-%m-%d-%H%M}{'-2nd' if instant.fold else ''}"


@pytest.fixture
def fresh_db():
    """A database of its own: an in-memory SQLite (fast, and untouched by the shared test database)."""
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as db:
        yield db
    engine.dispose()


@pytest.mark.parametrize("instant", INSTANTS, ids=[_id(i) for i in INSTANTS])
def test_the_demo_works_whenever_it_is_loaded(fresh_db, instant):
    db = fresh_db
    instant = instant.astimezone(UTC)
    with time_machine.travel(instant, tick=False):
        now = clock.utcnow()
        assert now == instant  # the app's clock follows the frozen time
        summary = load_demo(db)  # at the clock's "now"
        db.commit()
        check_all_facts(db, summary, now)  # (d)

        anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
        who = Principal(anna.id, anna.provider_id, anna.family_id, 0, anna.email, anna.full_name)
        provider = current_provider(db)
        [credit_id] = makeups.open_credit_ids(db, who)
        result = makeups.offers_for(db, who, provider, credit_id)

        # (a) a free sister session in the window; the latest one can be booked and cancelled in time.
        assert result.bookable and result.offers, result.reason
        latest = result.offers[-1]
        booked = makeups.book_makeup(db, who, provider, credit_id, latest.session_id)
        db.commit()
        assert booked.state == AttendanceState.makeup
        assert db.get(MakeupCredit, credit_id).status == MakeupCreditStatus.used
        assert makeups.cancel_makeup(db, who, provider, booked.id) is True  # in time: the credit comes back
        db.commit()
        assert makeups.open_credit_ids(db, who) == [credit_id]

        # (b) a full sister group in the window: shown as full, and its waiting list can be joined.
        result = makeups.offers_for(db, who, provider, credit_id)
        assert result.full and all(o.places_left == 0 for o in result.full)
        full_groups = {"Beginners - Tuesday 17:00", "Beginners - Saturday 09:00"}
        assert {o.class_name for o in result.full} <= full_groups
        entry = makeups.join_waitlist(db, who, provider, credit_id, result.full[0].session_id)
        db.commit()
        assert entry.id is not None and entry.session_id == result.full[0].session_id

        # (c) an upcoming session of Ema's that can still be excused in time, for a make-up credit.
        ema_booking = db.get(Booking, db.get(MakeupCredit, credit_id).booking_id)
        upcoming = db.exec(
            select(Attendance).where(
                Attendance.booking_id == ema_booking.id, Attendance.state == AttendanceState.scheduled
            )
        ).all()
        previews = [attendance.preview_cancel(db, who, provider, a.id) for a in upcoming]
        assert any(p.allowed and not p.late and p.outcome == "makeup" for p in previews)


def test_the_demo_takes_its_now_from_the_clock_and_refuses_a_naive_one(fresh_db):
    instant = datetime(2026, 12, 3, 7, 10, tzinfo=UTC)  # a Thursday morning
    with time_machine.travel(instant, tick=False):
        load_demo(fresh_db)
        fresh_db.commit()
    fee = fresh_db.exec(
        select(Charge).where(Charge.description == "Autumn term fee", Charge.status == "unpaid")
    ).one()
    assert fee.due_on == date(2026, 12, 10)
    with pytest.raises(ValueError, match="aware"):
        load_demo(fresh_db, now=datetime(2026, 12, 3, 7, 10), reset=True)
