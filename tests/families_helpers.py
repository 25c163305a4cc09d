"""A small provider for the console's families and enrolment tests, built at a fixed instant (NOW) so no test
depends on the wall clock: two classes of one term, two families, staff of every role, and a second provider
whose rows must stay out of reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from client_profile.models import (
    Attendee,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    Programme,
    Provider,
    SessionStatus,
)
from client_profile.models.staff import StaffMember, StaffRole
from client_profile.services.people.identity import Principal, StaffPrincipal

TZ = "Europe/Bratislava"
# Wednesday 10 March 2027, 10:00 in Bratislava. The term runs on Tuesdays (beginners) and Thursdays (advanced)
# from 2 February to 29 April 2027, over the DST switch on 28 March.
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
TODAY = date(2027, 3, 10)
TERM_START = date(2027, 2, 1)
TERM_END = date(2027, 4, 30)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


@dataclass
class World:
    provider: Provider
    other_provider: Provider
    beginners: ClassGroup  # Tuesdays 16:00, capacity 2, EUR 120.00
    advanced: ClassGroup  # Thursdays 17:00, capacity 5, EUR 150.00
    other_class: ClassGroup
    novak: Family
    carter: Family
    other_family: Family
    anna: Client
    ben: Client
    ema: Attendee
    jakub: Attendee
    lily: Attendee
    other_child: Attendee
    owner: StaffPrincipal
    office: StaffPrincipal
    instructor: StaffPrincipal
    client: Principal  # anna, as the client pages know her
    sessions: dict[int, list[ClassSession]] = field(default_factory=dict)  # class id -> sessions by time

    @property
    def allowed(self) -> list[StaffPrincipal]:
        return [self.owner, self.office]

    @property
    def refused(self) -> list[object]:
        return [self.instructor, self.client]


def _add(db: Session, *rows):
    db.add_all(rows)
    db.flush()
    return rows[0] if len(rows) == 1 else rows


def _class(
    db: Session, programme: Programme, name: str, weekday: int, at: time, capacity: int
) -> tuple[ClassGroup, list[ClassSession]]:
    cls = _add(
        db,
        ClassGroup(
            programme_id=programme.id,
            name=name,
            instructor="Martina Kovacova",
            venue="City pool",
            weekday=weekday,
            start_time=at,
            duration_minutes=45,
            starts_on=TERM_START,
            ends_on=TERM_END,
            capacity=capacity,
        ),
    )
    days = [TERM_START + timedelta(days=i) for i in range((TERM_END - TERM_START).days + 1)]
    sessions = [
        ClassSession(
            class_id=cls.id,
            starts_at=local(d, at),
            ends_at=local(d, at) + timedelta(minutes=45),
            status=SessionStatus.completed if local(d, at) < NOW else SessionStatus.scheduled,
        )
        for d in days
        if d.weekday() == weekday
    ]
    _add(db, *sessions)
    return cls, sessions


def _staff(db: Session, provider: Provider, email: str, role: StaffRole) -> StaffPrincipal:
    member = _add(
        db, StaffMember(provider_id=provider.id, email=email, full_name=email.split("@")[0], role=role)
    )
    return StaffPrincipal(member.id, provider.id, 1, member.email, member.full_name, role.value)


def build(db: Session) -> World:
    provider = _add(
        db,
        Provider(slug="otters", name="Otters", currency="EUR", timezone=TZ, attendance_edit_days=7),
    )
    other_provider = _add(db, Provider(slug="sharks", name="Sharks", currency="EUR", timezone=TZ))
    swimming = _add(db, Programme(provider_id=provider.id, name="Swimming", price_minor=12000))
    advanced_p = _add(db, Programme(provider_id=provider.id, name="Swimming Advanced", price_minor=15000))
    other_p = _add(db, Programme(provider_id=other_provider.id, name="Diving", price_minor=5000))
    beginners, b_sessions = _class(db, swimming, "Beginners - Tuesday 16:00", 1, time(16, 0), 2)
    advanced, a_sessions = _class(db, advanced_p, "Advanced - Thursday 17:00", 3, time(17, 0), 5)
    other_class, o_sessions = _class(db, other_p, "Divers", 4, time(15, 0), 5)
    novak = _add(db, Family(provider_id=provider.id, name="Novak"))
    carter = _add(db, Family(provider_id=provider.id, name="Carter"))
    other_family = _add(db, Family(provider_id=other_provider.id, name="Novakova"))
    anna = _add(
        db,
        Client(
            provider_id=provider.id,
            email="anna@example.com",
            full_name="Anna Novak",
            phone="+421 900 123 456",
            family_id=novak.id,
        ),
    )
    ben = _add(
        db,
        Client(provider_id=provider.id, email="ben@example.com", full_name="Ben Carter", family_id=carter.id),
    )
    _add(db, Client(provider_id=other_provider.id, email="zora@example.com", family_id=other_family.id))
    ema = _add(
        db, Attendee(family_id=novak.id, first_name="Ema", last_name="Novak", birth_date=date(2019, 6, 1))
    )
    jakub = _add(
        db, Attendee(family_id=novak.id, first_name="Jakub", last_name="Novak", birth_date=date(2016, 2, 3))
    )
    lily = _add(
        db, Attendee(family_id=carter.id, first_name="Lily", last_name="Carter", birth_date=date(2018, 9, 9))
    )
    other_child = _add(db, Attendee(family_id=other_family.id, first_name="Emil", last_name="Novakova"))
    world = World(
        provider=provider,
        other_provider=other_provider,
        beginners=beginners,
        advanced=advanced,
        other_class=other_class,
        novak=novak,
        carter=carter,
        other_family=other_family,
        anna=anna,
        ben=ben,
        ema=ema,
        jakub=jakub,
        lily=lily,
        other_child=other_child,
        owner=_staff(db, provider, "owner@example.com", StaffRole.owner),
        office=_staff(db, provider, "office@example.com", StaffRole.office),
        instructor=_staff(db, provider, "martina@example.com", StaffRole.instructor),
        client=Principal(anna.id, provider.id, novak.id, 1, anna.email, anna.full_name),
        sessions={beginners.id: b_sessions, advanced.id: a_sessions, other_class.id: o_sessions},
    )
    db.commit()
    return world
