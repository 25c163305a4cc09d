"""Programmes and classes in the provider console: create, edit (with the version the form was opened with),
delete a mistake, and the lists and forms the console shows. Sessions follow a class's schedule through
services.schedule.timetable.

Every function takes the acting StaffPrincipal and checks ``Capability.schedule`` (owner and office); another
provider's ids look missing. The caller commits. Input may come typed or as the text of a form field; bad
input raises ``InvalidField`` (a DomainError naming the field) before anything is written. Every change is
audited and bumps the families who see it, so their open pages reload.

Rules (docs/decisions.md "The schedule in the console"):
- A programme: a name, a kind (course, camp, club, event), a description, the price of a booking (its term
  fee, in the provider's currency; 0 is free) and whether its classes give make-ups. A class costs its
  programme's price (there is no price per class: ``class_price``).
- A class: weekly (a weekday, a start time and a term, first and last day included) or on explicit dates; a
  duration; a venue or an online link (only online classes have one); an instructor (an active staff member of
  the provider, whose name families see unless another is given); a capacity of at least its active bookings;
  extra make-up places (the provider's value, added to or replaced); a make-up group (its level or age group:
  make-ups stay within the same group of the programme).
- Editing a class keeps its history: past sessions and their attendance never change; when its schedule
  changed, its future sessions follow it (timetable.apply_schedule).
- A class is deleted only while nobody was ever booked in it; a programme only while it has no class.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    Booking,
    BookingStatus,
    ClassGroup,
    ClassSession,
    Programme,
    ProgrammeKind,
    StaffMember,
)
from client_profile.services.errors import DomainError, InvalidField, NotFound
from client_profile.services.notifications import session_changes
from client_profile.services.people import audit
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.services.people.changes import bump_for_bookings, bump_for_sessions
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.provider_admin import parse_amount
from client_profile.services.schedule import timetable
from client_profile.services.schedule.generation import MAX_SESSIONS
from client_profile.services.schedule.timetable import (
    ScheduleResult,
    field_value,
    parse_clock,
    parse_day,
    parse_duration,
    parse_line,
    parse_link,
    parse_whole,
)

PROGRAMME_FIELDS = ("name", "kind", "level", "description", "price_minor", "currency", "makeups_enabled")
CLASS_FIELDS = (
    "programme_id",
    "name",
    "instructor",
    "instructor_id",
    "venue",
    "is_online",
    "online_link",
    "weekday",
    "start_time",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "capacity",
    "price_minor",
    "extra_makeup_capacity",
    "extra_makeup_mode",
    "makeup_group",
)
SCHEDULE_FIELDS = ("weekday", "start_time", "duration_minutes", "starts_on", "ends_on")
MAX_CAPACITY = 1000
_WEEKDAYS = {name.lower(): i for i, name in enumerate(fmt.WEEKDAYS)} | {
    name[:3].lower(): i for i, name in enumerate(fmt.WEEKDAYS)
}
_TRUE, _FALSE = {"yes", "true", "on", "1"}, {"no", "false", "off", "0", ""}


# --------------------------------------------------------------------------------------------- parsers


def _bool(field: str, label: str) -> Callable[[object], bool]:
    def parse(value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = value.strip().lower() if isinstance(value, str) else None
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise InvalidField(field, f"{label} must be yes or no, not {value!r}.")

    return parse


def _kind(value: object) -> ProgrammeKind:
    text = (
        value.value
        if isinstance(value, ProgrammeKind)
        else value.strip().lower()
        if isinstance(value, str)
        else ""
    )
    try:
        return ProgrammeKind(text)
    except ValueError:
        options = ", ".join(k.value for k in ProgrammeKind)
        raise InvalidField("kind", f"The kind must be one of {options}, not {value!r}.") from None


def _price(currency: str) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            raise InvalidField("price", "The price is the amount as text, like 120.00.")
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and re.fullmatch(r"0+(\.0+)?", text):
            return 0  # "0", "0.00": free
        return field_value("price", lambda v: parse_amount(v, currency), text)

    return parse


def _weekday(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().lower() in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()]
    return parse_whole("weekday", "The weekday (0 = Monday)", value, 0, 6)


def _dates(value: object) -> list[date]:
    """A list of days: dates, ISO strings, or one text with days separated by commas, spaces or lines."""
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidField("dates", "The dates must be a list of days as YYYY-MM-DD.")
    days = sorted({parse_day("dates", f"Each date ({item!r})", item) for item in items})
    if len(days) > MAX_SESSIONS:
        raise InvalidField("dates", f"At most {MAX_SESSIONS} dates per class.")
    return days


def _optional_text(field: str, label: str, max_length: int) -> Callable[[object], str | None]:
    def parse(value: object) -> str | None:
        return parse_line(field, label, value, max_length) or None

    return parse


def _mode(value: object) -> str | None:
    text = value.strip().lower() if isinstance(value, str) else value
    if text in (None, "", "default"):
        return None
    if text in ("add", "replace"):
        return text
    raise InvalidField(
        "extra_makeup_mode", f"Extra make-up places must be default, add or replace, not {value!r}."
    )


def _staff_id(db: Session, principal: StaffPrincipal) -> Callable[[object], int | None]:
    def parse(value: object) -> int | None:
        if value is None or value == "" or value == 0:
            return None
        sid = parse_id(value)
        member = db.get(StaffMember, sid) if sid is not None else None
        if member is None or member.provider_id != principal.provider_id or not member.is_active:
            raise InvalidField("instructor_id", "Choose the instructor from the provider's active staff.")
        return sid

    return parse


def _class_parsers(db: Session, principal: StaffPrincipal) -> dict[str, Callable[[object], Any]]:
    currency = timetable.provider_of(db, principal).currency
    return {
        "name": lambda v: parse_line("name", "The class name", v, 200, required=True),
        "instructor": lambda v: parse_line("instructor", "The instructor's name", v, 200),
        "instructor_id": _staff_id(db, principal),
        "venue": lambda v: parse_line("venue", "The venue", v, 300),
        "is_online": _bool("is_online", "Online"),
        "online_link": parse_link,
        "weekday": _weekday,
        "start_time": lambda v: parse_clock("start_time", "The start time", v),
        "duration_minutes": parse_duration,
        "starts_on": lambda v: None if v in (None, "") else parse_day("starts_on", "The term's first day", v),
        "ends_on": lambda v: None if v in (None, "") else parse_day("ends_on", "The term's last day", v),
        "capacity": lambda v: parse_whole("capacity", "The capacity", v, 1, MAX_CAPACITY),
        # The form's "price"; empty = the programme's price.
        "price_minor": lambda v: None if v in (None, "") else _price(currency)(v),
        "extra_makeup_capacity": lambda v: parse_whole(
            "extra_makeup_capacity", "Extra make-up places", v, 0, MAX_CAPACITY
        ),
        "extra_makeup_mode": _mode,
        "makeup_group": _optional_text("makeup_group", "The make-up group (level or age group)", 64),
    }


def _unknown(fields: dict, allowed, what: str) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DomainError(f"Unknown {what} field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")


# --------------------------------------------------------------------------------------------- lookups


def scoped_programme(db: Session, principal: StaffPrincipal, programme_id: object) -> Programme:
    pid = parse_id(programme_id)
    row = db.get(Programme, pid) if pid is not None else None
    if row is None or row.provider_id != principal.provider_id:
        raise NotFound("programme")
    return row


def class_price(db: Session, group: ClassGroup) -> tuple[int, str]:
    """What a booking in the class costs (its own price, or else its programme's) and the currency: the one
    place an enrolment reads a class's price from."""
    programme = db.get(Programme, group.programme_id)
    return price_of(group, programme), programme.currency


def price_of(group: ClassGroup, programme: Programme) -> int:
    return programme.price_minor if group.price_minor is None else group.price_minor


def _class_fields(fields: dict) -> dict:
    """The form's field names as the class's: "price" is price_minor."""
    return {("price_minor" if k == "price" else k): v for k, v in fields.items()}


def _bump_classes(db: Session, class_ids: list[int]) -> None:
    """The families booked in these classes and those with a place (make-ups too) in their sessions."""
    if not class_ids:
        return
    bump_for_bookings(db, db.exec(select(Booking.id).where(Booking.class_id.in_(class_ids))).all())
    bump_for_sessions(db, db.exec(select(ClassSession.id).where(ClassSession.class_id.in_(class_ids))).all())


# --------------------------------------------------------------------------------------------- programmes


def create_programme(
    db: Session,
    principal: StaffPrincipal,
    *,
    name: object,
    kind: object = "course",
    description: object = "",
    price: object = "0",
    makeups_enabled: object = True,
    level: object = "",
    now: datetime | None = None,
) -> Programme:
    require_staff(principal, Capability.schedule)
    provider = timetable.provider_of(db, principal)
    programme = Programme(
        provider_id=provider.id,
        name=parse_line("name", "The programme name", name, 200, required=True),
        kind=_kind(kind),
        level=_level(level),
        description=_description(description),
        price_minor=_price(provider.currency)(price),
        currency=provider.currency,
        makeups_enabled=_bool("makeups_enabled", "Make-ups")(makeups_enabled),
    )
    db.add(programme)
    db.flush()
    audit.record(
        db,
        principal,
        action="programme.create",
        entity="programme",
        entity_id=programme.id,
        summary=f"Programme {programme.name} created",
        after=audit.snapshot(programme, PROGRAMME_FIELDS),
        now=now,
    )
    db.flush()
    return programme


def _level(value: object) -> str:
    return parse_line("level", "The level or age group", value if value is not None else "", 100)


def _description(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidField("description", "The description must be text.")
    text = value.replace("\r\n", "\n").strip()
    if any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in text):
        raise InvalidField("description", "The description must not contain control characters.")
    if len(text) > 4000:
        raise InvalidField("description", "The description is too long (at most 4000 characters).")
    return text


def update_programme(
    db: Session,
    principal: StaffPrincipal,
    programme_id: object,
    version: object,
    now: datetime | None = None,
    **fields: object,
) -> Programme:
    """Change the given fields (name, kind, level, description, price, makeups_enabled), all or none. The price of
    existing bookings does not change (each booking keeps the price it was made at)."""
    require_staff(principal, Capability.schedule)
    _unknown(fields, ("name", "kind", "level", "description", "price", "makeups_enabled"), "programme")
    programme = scoped_programme(db, principal, programme_id)
    parsers: dict[str, Callable[[object], Any]] = {
        "name": lambda v: parse_line("name", "The programme name", v, 200, required=True),
        "kind": _kind,
        "level": _level,
        "description": _description,
        "price": _price(programme.currency),
        "makeups_enabled": _bool("makeups_enabled", "Make-ups"),
    }
    values = {("price_minor" if k == "price" else k): parsers[k](v) for k, v in fields.items()}
    audit.claim_version(db, Programme, programme.id, version, "programme")
    before = audit.snapshot(programme, PROGRAMME_FIELDS)
    for key, value in values.items():
        setattr(programme, key, value)
    programme.version = int(version) + 1  # type: ignore[arg-type]
    db.add(programme)
    db.flush()
    after = audit.snapshot(programme, PROGRAMME_FIELDS)
    if after != before:
        class_ids = db.exec(select(ClassGroup.id).where(ClassGroup.programme_id == programme.id)).all()
        _bump_classes(db, list(class_ids))
    audit.record(
        db,
        principal,
        action="programme.update",
        entity="programme",
        entity_id=programme.id,
        summary=f"Programme {programme.name} changed",
        before=before,
        after=after,
        now=now,
    )
    db.flush()
    return programme


def delete_programme(db: Session, principal: StaffPrincipal, programme_id: object, version: object) -> None:
    """Delete a programme created by mistake: only while it has no class."""
    require_staff(principal, Capability.schedule)
    programme = scoped_programme(db, principal, programme_id)
    if db.exec(select(ClassGroup.id).where(ClassGroup.programme_id == programme.id)).first() is not None:
        raise DomainError("This programme has classes; delete them first (or keep it: it costs nothing).")
    audit.claim_version(db, Programme, programme.id, version, "programme")
    audit.record(
        db,
        principal,
        action="programme.delete",
        entity="programme",
        entity_id=programme.id,
        summary=f"Programme {programme.name} deleted",
        before=audit.snapshot(programme, PROGRAMME_FIELDS),
    )
    db.delete(programme)
    db.flush()


# --------------------------------------------------------------------------------------------- classes


def _check_class(db: Session, group: ClassGroup, dates: list[date] | None, creating: bool) -> None:
    """The rules that tie fields together (module docstring), on the merged values."""
    if group.weekday is not None:
        if dates is not None:
            raise InvalidField(
                "dates", "A weekly class has no list of dates: clear the weekday to use dates."
            )
        if group.starts_on is None:
            raise InvalidField("starts_on", "A weekly class needs its term's first day.")
        if group.ends_on is None:
            raise InvalidField("ends_on", "A weekly class needs its term's last day.")
        if group.ends_on < group.starts_on:
            raise InvalidField("ends_on", "The term's last day must not be before its first day.")
    elif dates is not None:
        if not dates:
            raise InvalidField("dates", "Give at least one date (or a weekday and a term).")
        group.starts_on, group.ends_on = dates[0], dates[-1]
    elif creating:
        raise InvalidField("weekday", "Choose a weekday and a term, or give the class's dates.")
    if group.online_link and not group.is_online:
        raise InvalidField("online_link", "Only an online class has a livestream link.")
    if group.instructor_id is not None and not group.instructor:
        member = db.get(StaffMember, group.instructor_id)
        group.instructor = (member.full_name or member.email)[:200]


def create_class(
    db: Session,
    principal: StaffPrincipal,
    programme_id: object,
    *,
    dates: object = None,
    now: datetime | None = None,
    **fields: object,
) -> tuple[ClassGroup, ScheduleResult]:
    """A new class of the programme and its sessions (from now on, holidays left out). ``fields``: any of
    CLASS_FIELDS but programme_id; name and start_time are required, and a weekday with starts_on/ends_on
    or ``dates``."""
    require_staff(principal, Capability.schedule)
    fields = _class_fields(fields)
    _unknown(fields, CLASS_FIELDS[1:], "class")
    programme = scoped_programme(db, principal, programme_id)
    parsers = _class_parsers(db, principal)
    values = {key: parsers[key](value) for key, value in fields.items()}
    for required in ("name", "start_time"):
        if required not in values:
            parsers[required]("")  # raises the field's "cannot be empty" / format message
    days = None if dates is None or dates == "" else _dates(dates)
    group = ClassGroup(programme_id=programme.id, **values)
    _check_class(db, group, days, creating=True)
    db.add(group)
    db.flush()
    result = timetable.apply_schedule(db, principal, group, dates=days, now=now)
    audit.record(
        db,
        principal,
        action="class.create",
        entity="class_group",
        entity_id=group.id,
        class_id=group.id,
        summary=f"Class {programme.name} / {group.name} created. {result.summary}"[:300],
        after=audit.snapshot(group, CLASS_FIELDS),
        now=now,
    )
    db.flush()
    return group, result


def update_class(
    db: Session,
    principal: StaffPrincipal,
    class_id: object,
    version: object,
    *,
    dates: object = None,
    now: datetime | None = None,
    **fields: object,
) -> tuple[ClassGroup, ScheduleResult]:
    """Change the given fields (all or none); when the schedule changed (weekday, time, duration, term or
    ``dates``), the future sessions follow it. Past sessions and attendance never change."""
    require_staff(principal, Capability.schedule)
    fields = _class_fields(fields)
    _unknown(fields, CLASS_FIELDS[1:], "class")
    group = timetable.scoped_class(db, principal, class_id)
    parsers = _class_parsers(db, principal)
    values = {key: parsers[key](value) for key, value in fields.items()}
    days = None if dates is None or dates == "" else _dates(dates)
    before = audit.snapshot(group, CLASS_FIELDS)
    if "capacity" in values:
        booked = db.exec(
            select(func.count())
            .select_from(Booking)
            .where(Booking.class_id == group.id, Booking.status == BookingStatus.active)
        ).one()
        if values["capacity"] < booked:
            raise InvalidField("capacity", f"The capacity cannot be below the {booked} attendees booked.")
    if (
        "instructor_id" in values
        and values["instructor_id"] != group.instructor_id
        and "instructor" not in values
    ):
        values["instructor"] = ""  # the new instructor's own name (_check_class)
    merged = ClassGroup(**{**{k: getattr(group, k) for k in CLASS_FIELDS}, **values})  # never added
    _check_class(db, merged, days, creating=False)
    audit.claim_version(db, ClassGroup, group.id, version, "class")
    for key in CLASS_FIELDS:
        if getattr(group, key) != getattr(merged, key):
            setattr(group, key, getattr(merged, key))
    group.version = int(version) + 1  # type: ignore[arg-type]
    db.add(group)
    db.flush()
    after = audit.snapshot(group, CLASS_FIELDS)
    schedule_changed = days is not None or any(before[k] != after[k] for k in SCHEDULE_FIELDS)
    result = ScheduleResult()
    if schedule_changed:
        result = timetable.apply_schedule(db, principal, group, dates=days, now=now)
    if after != before:
        _bump_classes(db, [group.id])
    if before.get("online_link") != after.get("online_link"):  # the class's link: told for the coming week
        ids = list(db.exec(select(ClassSession.id).where(ClassSession.class_id == group.id)).all())
        session_changes.notify_livestream_changed(db, ids, now=now, class_wide=True)
    audit.record(
        db,
        principal,
        action="class.update",
        entity="class_group",
        entity_id=group.id,
        class_id=group.id,
        summary=f"Class {group.name} changed. {result.summary}"[:300],
        before=before,
        after=after,
        now=now,
    )
    db.flush()
    return group, result


def delete_class(db: Session, principal: StaffPrincipal, class_id: object, version: object) -> None:
    """Delete a class created by mistake (and its sessions): only while nobody was ever booked in it and no
    session of it has anyone in it."""
    require_staff(principal, Capability.schedule)
    group = timetable.scoped_class(db, principal, class_id)
    booked = db.exec(select(Booking.id).where(Booking.class_id == group.id)).first()
    attended = db.exec(
        select(Attendance.id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.class_id == group.id)
    ).first()
    if booked is not None or attended is not None:
        raise DomainError("People are or were booked in this class; it cannot be deleted (end it instead).")
    audit.claim_version(db, ClassGroup, group.id, version, "class")
    audit.record(
        db,
        principal,
        action="class.delete",
        entity="class_group",
        entity_id=group.id,
        class_id=group.id,
        summary=f"Class {group.name} deleted",
        before=audit.snapshot(group, CLASS_FIELDS),
    )
    db.execute(delete(ClassSession).where(ClassSession.class_id == group.id))
    db.delete(group)
    db.flush()


# --------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    version: int
    name: str
    kind: str
    level: str  # "Beginners, 5-9 years" ("" = none)
    description: str
    price: str  # "EUR 120.00"
    price_text: str  # "120.00", for the form
    makeups_enabled: bool
    classes: int


@dataclass(frozen=True)
class ClassRow:
    id: int
    version: int
    programme_id: int
    programme: str
    name: str
    schedule: str  # "Tuesdays 16:00, 45 min" or "6 dates, 09:00, 360 min"
    term: str  # "2026-09-01 - 2027-01-31"
    venue: str
    is_online: bool
    online_link: str
    instructor: str
    instructor_id: int  # 0 = none
    capacity: int
    booked: int  # active bookings
    extra_makeup_capacity: int
    extra_makeup_mode: str  # "" = the provider's value
    makeup_group: str
    price: str  # what a booking costs: the class's own price or the programme's
    price_text: str  # the class's own price for the form ("" = the programme's)
    # The form's values as text:
    weekday: str  # "0".."6" or "" (explicit dates)
    start_time: str
    duration_minutes: int
    starts_on: str
    ends_on: str
    dates: str  # explicit-date classes: the days of their sessions, "2026-07-06 2026-07-07"


@dataclass(frozen=True)
class InstructorChoice:
    id: int
    name: str
    role: str


def list_programmes(db: Session, principal: StaffPrincipal) -> list[ProgrammeRow]:
    require_staff(principal, Capability.schedule)
    counts = dict(
        db.exec(
            select(ClassGroup.programme_id, func.count())
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .where(Programme.provider_id == principal.provider_id)
            .group_by(ClassGroup.programme_id)
        ).all()
    )
    rows = db.exec(
        select(Programme)
        .where(Programme.provider_id == principal.provider_id)
        .order_by(Programme.name, Programme.id)
    ).all()
    return [
        ProgrammeRow(
            id=p.id,
            version=p.version,
            name=p.name,
            kind=p.kind.value if isinstance(p.kind, ProgrammeKind) else str(p.kind),
            level=p.level,
            description=p.description,
            price=fmt.money(p.price_minor, p.currency),
            price_text=_amount_text(p.price_minor, p.currency),
            makeups_enabled=p.makeups_enabled,
            classes=counts.get(p.id, 0),
        )
        for p in rows
    ]


def list_classes(db: Session, principal: StaffPrincipal, programme_id: object = None) -> list[ClassRow]:
    """The provider's classes (of one programme when given), by programme and name. Three queries."""
    require_staff(principal, Capability.schedule)
    tz = timetable.provider_of(db, principal).timezone
    query = (
        select(ClassGroup, Programme)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Programme.provider_id == principal.provider_id)
        .order_by(Programme.name, ClassGroup.name, ClassGroup.id)
    )
    if programme_id is not None:
        query = query.where(ClassGroup.programme_id == scoped_programme(db, principal, programme_id).id)
    rows = db.exec(query).all()
    ids = [g.id for g, _ in rows]
    booked = (
        dict(
            db.exec(
                select(Booking.class_id, func.count())
                .where(Booking.class_id.in_(ids), Booking.status == BookingStatus.active)
                .group_by(Booking.class_id)
            ).all()
        )
        if ids
        else {}
    )
    dated: dict[int, list[str]] = {g.id: [] for g, _ in rows if g.weekday is None}
    if dated:
        for cid, starts in db.exec(
            select(ClassSession.class_id, ClassSession.starts_at)
            .where(ClassSession.class_id.in_(list(dated)))
            .order_by(ClassSession.starts_at)
        ).all():
            day = timetable.local_day(starts, tz).isoformat()
            if day not in dated[cid]:
                dated[cid].append(day)
    return [_class_row(g, p, booked.get(g.id, 0), dated.get(g.id, [])) for g, p in rows]


def _amount_text(minor: int, currency: str) -> str:
    """An amount as a form shows it: "120.00"."""
    return fmt.money(minor, currency).split(" ", 1)[1].replace(",", "")


def _class_row(g: ClassGroup, p: Programme, booked: int, dates: list[str]) -> ClassRow:
    clock = f"{g.start_time:%H:%M}" if g.start_time else ""
    if g.weekday is not None:
        schedule = f"{fmt.schedule_label(g.weekday, g.start_time)}, {g.duration_minutes} min"
    else:
        schedule = f"{len(dates)} date{'s' if len(dates) != 1 else ''}, {clock}, {g.duration_minutes} min"
    return ClassRow(
        id=g.id,
        version=g.version,
        programme_id=p.id,
        programme=p.name,
        name=g.name,
        schedule=schedule,
        term=f"{g.starts_on or ''} - {g.ends_on or ''}",
        venue=g.venue,
        is_online=g.is_online,
        online_link=g.online_link,
        instructor=g.instructor,
        instructor_id=g.instructor_id or 0,
        capacity=g.capacity,
        booked=booked,
        extra_makeup_capacity=g.extra_makeup_capacity,
        extra_makeup_mode=g.extra_makeup_mode or "",
        makeup_group=g.makeup_group or "",
        price=fmt.money(price_of(g, p), p.currency),
        price_text="" if g.price_minor is None else _amount_text(g.price_minor, p.currency),
        weekday="" if g.weekday is None else str(g.weekday),
        start_time=clock,
        duration_minutes=g.duration_minutes,
        starts_on=g.starts_on.isoformat() if g.starts_on else "",
        ends_on=g.ends_on.isoformat() if g.ends_on else "",
        dates=" ".join(dates),
    )


def class_detail(db: Session, principal: StaffPrincipal, class_id: object) -> ClassRow:
    """One class as the list shows it, with the values its edit form opens with (and its version)."""
    require_staff(principal, Capability.schedule)
    group = timetable.scoped_class(db, principal, class_id)
    for row in list_classes(db, principal, group.programme_id):
        if row.id == group.id:
            return row
    raise NotFound("class")  # pragma: no cover - scoped_class found it


def instructor_choices(db: Session, principal: StaffPrincipal) -> list[InstructorChoice]:
    """The provider's active staff, instructors first, for the class form's instructor field."""
    require_staff(principal, Capability.schedule)
    members = db.exec(
        select(StaffMember)
        .where(StaffMember.provider_id == principal.provider_id, StaffMember.is_active.is_(True))
        .order_by(StaffMember.full_name, StaffMember.email)
    ).all()
    members = sorted(members, key=lambda m: m.role.value != "instructor")
    return [InstructorChoice(m.id, m.full_name or m.email, m.role.value) for m in members]


__all__ = [
    "ClassRow",
    "InstructorChoice",
    "InvalidField",
    "ProgrammeRow",
    "class_detail",
    "class_price",
    "price_of",
    "create_class",
    "create_programme",
    "delete_class",
    "delete_programme",
    "instructor_choices",
    "list_classes",
    "list_programmes",
    "update_class",
    "update_programme",
]
