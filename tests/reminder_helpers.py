"""A small world for the reminder tests: a provider, a family with two parents, a shared grandparent, another
family, and make-up credits. Not a test module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingShare,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    MakeupCredit,
    MakeupWaitlistEntry,
    Programme,
    Provider,
)
from client_profile.models.benefits import WaitlistStatus

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class World:
    provider_id: int
    anna: int  # parent, WhatsApp opt-in +420601234567
    tom: int  # second parent, e-mail only
    grandma: int  # shared with notify
    uncle: int  # shared without notify
    ben: int  # another family
    booking_id: int
    other_booking_id: int
    class_id: int
    attendee_id: int
    sessions: list[int] = field(default_factory=list)


def build_world(db: Session, *, sessions: int = 6) -> World:
    p = Provider(slug="otters", name="Little Otters", timezone="Europe/Bratislava", brand_color="#ff6600")
    db.add(p)
    db.flush()
    fam, other = Family(provider_id=p.id, name="Novak"), Family(provider_id=p.id, name="Carter")
    db.add_all([fam, other])
    db.flush()
    anna = Client(
        provider_id=p.id,
        email="anna@example.com",
        full_name="Anna Novak",
        family_id=fam.id,
        whatsapp_opt_in=True,
        whatsapp_phone="+420601234567",
    )
    tom = Client(provider_id=p.id, email="tom@example.com", full_name="Tom Novak", family_id=fam.id)
    grandma = Client(provider_id=p.id, email="grandma@example.com", full_name="Eva Stara")
    uncle = Client(provider_id=p.id, email="uncle@example.com", full_name="Karel")
    ben = Client(
        provider_id=p.id,
        email="ben@example.com",
        full_name="Ben Carter",
        family_id=other.id,
        whatsapp_opt_in=True,
        whatsapp_phone="+447700900123",
    )
    db.add_all([anna, tom, grandma, uncle, ben])
    ema = Attendee(family_id=fam.id, first_name="Ema")
    lily = Attendee(family_id=other.id, first_name="Lily")
    db.add_all([ema, lily])
    db.flush()
    prog = Programme(provider_id=p.id, name="Swimming - Beginners")
    db.add(prog)
    db.flush()
    cls = ClassGroup(programme_id=prog.id, name="Tuesday 16:00", capacity=8)
    db.add(cls)
    db.flush()
    booking = Booking(provider_id=p.id, attendee_id=ema.id, class_id=cls.id)
    other_booking = Booking(provider_id=p.id, attendee_id=lily.id, class_id=cls.id)
    db.add_all([booking, other_booking])
    db.flush()
    db.add_all(
        [
            BookingShare(
                booking_id=booking.id, grantee_email=grandma.email, grantee_client_id=grandma.id, notify=True
            ),
            BookingShare(
                booking_id=booking.id, grantee_email=uncle.email, grantee_client_id=uncle.id, notify=False
            ),
        ]
    )
    ids = []
    for i in range(sessions):
        start = NOW - timedelta(days=7 * (sessions - i))
        s = ClassSession(class_id=cls.id, starts_at=start, ends_at=start + timedelta(hours=1))
        db.add(s)
        db.flush()
        ids.append(s.id)
    db.commit()
    return World(
        p.id, anna.id, tom.id, grandma.id, uncle.id, ben.id, booking.id, other_booking.id, cls.id, ema.id, ids
    )


def make_credit(
    db: Session,
    world: World,
    session_index: int,
    *,
    earned: datetime = NOW,
    expires: datetime | None = None,
    booking_id: int | None = None,
) -> int:
    booking_id = booking_id or world.booking_id
    booking = db.get(Booking, booking_id)
    att = Attendance(
        booking_id=booking_id, session_id=world.sessions[session_index], state=AttendanceState.cancelled
    )
    db.add(att)
    db.flush()
    credit = MakeupCredit(
        attendee_id=booking.attendee_id,
        booking_id=booking_id,
        source_attendance_id=att.id,
        earned_at=earned,
        expires_at=expires or earned + timedelta(days=90),
    )
    db.add(credit)
    db.flush()
    return credit.id


def make_offer(db: Session, world: World, credit_id: int, session_index: int, expires: datetime) -> int:
    entry = MakeupWaitlistEntry(
        credit_id=credit_id,
        session_id=world.sessions[session_index],
        attendee_id=world.attendee_id,
        status=WaitlistStatus.offered,
        offered_at=NOW,
        offer_expires_at=expires,
        offer_token_hash="f" * 64,
    )
    db.add(entry)
    db.flush()
    return entry.id
