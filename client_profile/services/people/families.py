"""Families in the provider console: search, the family page, creating and editing a family, its clients and
attendees (with a photo), shared access, and "view as client" (docs/decisions.md "Families in the console").

Every function takes the acting StaffPrincipal and checks the people right itself (access.people_families_clause
or access.people_bookings_clause). Bad input raises FieldErrors (field -> message) before anything is written; an
edit of an existing record names the version its form was opened with (audit.claim_version: StaleEdit when someone
else changed it since); every change is audited with the family's id and bumps the family's data version when
the family can see it. The caller commits (one unit of work per action); these functions only flush.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    BookingStatus,
    ClassGroup,
    Client,
    Family,
    Programme,
    Provider,
    utcnow,
)
from client_profile.services.errors import DomainError, FieldErrors, NotFound
from client_profile.services.home import HomeView, home_view
from client_profile.services.people import audit, sharing
from client_profile.services.people.access import (
    Capability,
    get_people_attendee,
    is_id,
    people_bookings_clause,
    people_families_clause,
    require_staff,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import Principal, StaffPrincipal, normalize_email
from client_profile.services.schedule.attendees import remove_photo, set_photo
from client_profile.services.schedule.enrolment import active_on

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 100
OLDEST_BIRTH_YEAR = 1900
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
_PHONE_PUNCTUATION = re.compile(r"[ ()./-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

FAMILY_FIELDS = ("name",)
CLIENT_FIELDS = ("email", "full_name", "phone", "language", "reminders_opt_out", "family_id")
# A language code as the provider's settings take it ("en", "sk", "en-GB"); "" = the provider's language.
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?")
ATTENDEE_FIELDS = ("first_name", "last_name", "birth_date")
SHARE_FIELDS = ("grantee_email", "notify", "can_pay", "can_manage", "revoked_at")


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class FamilyRow:
    """One family in the search results."""

    id: int
    name: str
    emails: tuple[str, ...]  # its clients' login addresses
    attendees: tuple[str, ...]  # full names
    active_bookings: int


@dataclass(frozen=True)
class FamilyPage:
    rows: list[FamilyRow]
    page: int
    has_more: bool


@dataclass(frozen=True)
class ClientItem:
    id: int
    email: str
    full_name: str
    phone: str
    language: str  # "" = the provider's
    reminders_opt_out: bool
    whatsapp_opt_in: bool
    is_active: bool
    version: int


@dataclass(frozen=True)
class AttendeeItem:
    id: int
    first_name: str
    last_name: str
    full_name: str
    birth_date: str  # ISO "2019-05-01" (for the form), "" when unknown
    age: int | None
    has_photo: bool
    version: int


@dataclass(frozen=True)
class ShareItem:
    booking_id: int
    email: str
    notify: bool
    can_pay: bool
    can_manage: bool


@dataclass(frozen=True)
class BookingItem:
    id: int
    attendee_id: int
    attendee: str
    class_id: int
    programme: str
    class_name: str
    schedule: str  # "Tuesdays 16:00"
    status: str  # BookingStatus value
    is_active: bool  # active today (status active and not ended)
    starts_on: str  # ISO, "" when open
    ends_on: str  # ISO, "" when open
    price: str  # "EUR 120.00"
    version: int
    shares: tuple[ShareItem, ...]


@dataclass(frozen=True)
class FamilyDetail:
    id: int
    name: str
    version: int
    clients: list[ClientItem]
    attendees: list[AttendeeItem]
    bookings: list[BookingItem]


@dataclass
class ClientView:
    """What the family sees, for "view as client" (read-only): the home page's view of its primary client."""

    family_id: int
    family_name: str
    client_email: str  # whose view it is; "" when the family has no login (then it is the family's own view)
    home: HomeView


# ------------------------------------------------------------------------------------------------ input


def _text(errors: dict[str, str], key: str, value: object, label: str, max_len: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = f"{label} must be text."
        return ""
    text = " ".join(value.split())  # trimmed, inner runs of white space (tabs, new lines) made one space
    if _CONTROL.search(text):
        errors[key] = f"{label} contains characters that are not allowed."
    elif required and not text:
        errors[key] = f"Please enter the {label.lower()}."
    elif len(text) > max_len:
        errors[key] = f"{label} is too long (at most {max_len} characters)."
    return text


def _phone(errors: dict[str, str], value: object) -> str:
    phone = _text(errors, "phone", value, "Phone", 40, required=False)
    if phone and "phone" not in errors and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 3):
        errors["phone"] = "Enter the phone number with digits only, e.g. +421 900 123 456."
    return phone


def _flag(errors: dict[str, str], key: str, value: object, label: str) -> bool:
    if not isinstance(value, bool):
        errors[key] = f"{label} must be yes or no."
        return False
    return value


def _email(errors: dict[str, str], key: str, value: object) -> str:
    try:
        return normalize_email(value)
    except DomainError as exc:
        errors[key] = str(exc)
        return ""


def _birth_date(errors: dict[str, str], value: object, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors["birth_date"] = "Enter the birth date as a date, e.g. 2019-05-01."
            return None
    if not isinstance(value, date):
        errors["birth_date"] = "Enter the birth date as a date, e.g. 2019-05-01."
        return None
    if value > today:
        errors["birth_date"] = "The birth date cannot be in the future."
    elif value.year < OLDEST_BIRTH_YEAR:
        errors["birth_date"] = "Check the birth date: the year is too far back."
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise FieldErrors(errors)


def _today(db: Session, principal: StaffPrincipal, now: datetime | None) -> date:
    provider = db.get(Provider, principal.provider_id)
    return fmt.local(now or utcnow(), provider.timezone).date()


# ------------------------------------------------------------------------------------------------ lookups


def _family(db: Session, principal: StaffPrincipal, family_id: object) -> Family:
    """The family if it is the staff member's provider's (NotFound otherwise, also for junk ids)."""
    clause = people_families_clause(principal)
    if not is_id(family_id):
        raise NotFound("family")
    row = db.exec(select(Family).where(Family.id == family_id, clause)).first()
    if row is None:
        raise NotFound("family")
    return row


def _client(db: Session, principal: StaffPrincipal, client_id: object) -> Client:
    """A client of one of the provider's families (a shared-access-only person is not edited here)."""
    clause = people_families_clause(principal)
    if not is_id(client_id):
        raise NotFound("client")
    row = db.exec(
        select(Client).join(Family, Family.id == Client.family_id).where(Client.id == client_id, clause)
    ).first()
    if row is None:
        raise NotFound("client")
    return row


def _booking(db: Session, principal: StaffPrincipal, booking_id: object) -> tuple[Booking, int]:
    """The provider's booking and its family's id."""
    clause = people_bookings_clause(principal)
    if not is_id(booking_id):
        raise NotFound("booking")
    row = db.exec(
        select(Booking, Attendee.family_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Booking.id == booking_id, clause)
    ).first()
    if row is None:
        raise NotFound("booking")
    return row[0], row[1]


def _email_taken(db: Session, provider_id: int, email: str, except_client_id: int | None = None) -> str:
    """A message for the e-mail field when another client of the provider already logs in with it ("" if free)."""
    query = select(Client, Family.name).outerjoin(Family, Family.id == Client.family_id)
    query = query.where(Client.provider_id == provider_id, Client.email == email)
    if except_client_id is not None:
        query = query.where(Client.id != except_client_id)
    row = db.exec(query).first()
    if row is None:
        return ""
    if row[1] is None:
        return f"{email} already logs in as a person with shared access (no family of their own)."
    return f"{email} is already a client of the {row[1]} family."


# ------------------------------------------------------------------------------------------------ search


def _contains(column, needle: str):
    return func.lower(column).contains(needle, autoescape=True)


def search_families(
    db: Session,
    principal: StaffPrincipal,
    query: object = "",
    *,
    page: object = 0,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> FamilyPage:
    """The provider's families whose name, client e-mail, client name, phone or attendee name contains ``query``
    (case-insensitive; a phone number also without its spaces and dashes), by name, ``page_size`` a page.
    An empty query lists every family. Five queries whatever the page holds."""
    clause = people_families_clause(principal)
    needle = query.strip().lower()[:MAX_QUERY_LENGTH] if isinstance(query, str) else ""
    page_no = page if isinstance(page, int) and not isinstance(page, bool) and 0 <= page < 10_000 else 0
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    where = [clause]
    if needle:
        client_hits = [
            _contains(Client.email, needle),
            _contains(Client.full_name, needle),
            _contains(Client.phone, needle),
        ]
        digits = _PHONE_PUNCTUATION.sub("", needle)
        if len(digits) >= 3 and digits.lstrip("+").isdigit():
            bare_phone = func.replace(func.replace(func.replace(Client.phone, " ", ""), "-", ""), "/", "")
            client_hits.append(bare_phone.contains(digits, autoescape=True))
        attendee_hits = [
            _contains(Attendee.first_name, needle),
            _contains(Attendee.last_name, needle),
            _contains(Attendee.first_name + " " + Attendee.last_name, needle),
        ]
        where.append(
            or_(
                _contains(Family.name, needle),
                Family.id.in_(select(Client.family_id).where(or_(*client_hits))),
                Family.id.in_(select(Attendee.family_id).where(or_(*attendee_hits))),
            )
        )
    families = db.exec(
        select(Family.id, Family.name)
        .where(*where)
        .order_by(func.lower(Family.name), Family.id)
        .offset(page_no * size)
        .limit(size + 1)
    ).all()
    has_more = len(families) > size
    families = families[:size]
    ids = [f[0] for f in families]
    if not ids:
        return FamilyPage([], page_no, False)
    emails: dict[int, list[str]] = defaultdict(list)
    for family_id, email in db.exec(
        select(Client.family_id, Client.email).where(Client.family_id.in_(ids)).order_by(Client.id)
    ).all():
        emails[family_id].append(email)
    names: dict[int, list[str]] = defaultdict(list)
    for family_id, first, last in db.exec(
        select(Attendee.family_id, Attendee.first_name, Attendee.last_name)
        .where(Attendee.family_id.in_(ids))
        .order_by(Attendee.id)
    ).all():
        names[family_id].append(f"{first} {last}".strip())
    today = _today(db, principal, now)
    active = dict(
        db.exec(
            select(Attendee.family_id, func.count(Booking.id))
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Attendee.family_id.in_(ids), *active_on(today))
            .group_by(Attendee.family_id)
        ).all()
    )
    rows = [
        FamilyRow(fid, name, tuple(emails[fid]), tuple(names[fid]), int(active.get(fid, 0)))
        for fid, name in families
    ]
    return FamilyPage(rows, page_no, has_more)


# ------------------------------------------------------------------------------------------------ detail


def family_detail(
    db: Session, principal: StaffPrincipal, family_id: object, *, now: datetime | None = None
) -> FamilyDetail:
    """The family page of the console: its clients, attendees, bookings (class and status) and their shares.
    Six queries whatever the family's size."""
    family = _family(db, principal, family_id)
    provider = db.get(Provider, principal.provider_id)
    today = fmt.local(now or utcnow(), provider.timezone).date()
    clients = db.exec(select(Client).where(Client.family_id == family.id).order_by(Client.id)).all()
    attendees = db.exec(select(Attendee).where(Attendee.family_id == family.id).order_by(Attendee.id)).all()
    bookings = db.exec(
        select(Booking, ClassGroup, Programme, Attendee)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Attendee.family_id == family.id, Booking.provider_id == principal.provider_id)
        .order_by(Booking.starts_on.desc(), Booking.id.desc())
    ).all()
    shares: dict[int, list[ShareItem]] = defaultdict(list)
    for s in db.exec(
        select(BookingShare)
        .where(
            BookingShare.booking_id.in_([b.id for b, *_ in bookings] or [0]),
            BookingShare.revoked_at.is_(None),
        )
        .order_by(BookingShare.id)
    ).all():
        shares[s.booking_id].append(
            ShareItem(s.booking_id, s.grantee_email, s.notify, s.can_pay, s.can_manage)
        )
    return FamilyDetail(
        id=family.id,
        name=family.name,
        version=family.version,
        clients=[
            ClientItem(
                c.id,
                c.email,
                c.full_name,
                c.phone,
                c.language,
                c.reminders_opt_out,
                c.whatsapp_opt_in,
                c.is_active,
                c.version,
            )
            for c in clients
        ],
        attendees=[
            AttendeeItem(
                a.id,
                a.first_name,
                a.last_name,
                f"{a.first_name} {a.last_name}".strip(),
                a.birth_date.isoformat() if a.birth_date else "",
                fmt.age_on(a.birth_date, today),
                a.photo_jpeg is not None,
                a.version,
            )
            for a in attendees
        ],
        bookings=[
            BookingItem(
                id=b.id,
                attendee_id=a.id,
                attendee=f"{a.first_name} {a.last_name}".strip(),
                class_id=cls.id,
                programme=programme.name,
                class_name=cls.name,
                schedule=fmt.schedule_label(cls.weekday, cls.start_time),
                status=BookingStatus(b.status).value,
                is_active=b.status == BookingStatus.active and (b.ends_on is None or b.ends_on >= today),
                starts_on=b.starts_on.isoformat() if b.starts_on else "",
                ends_on=b.ends_on.isoformat() if b.ends_on else "",
                price=fmt.money(b.price_minor, b.currency),
                version=b.version,
                shares=tuple(shares[b.id]),
            )
            for b, cls, programme, a in bookings
        ],
    )


# ------------------------------------------------------------------------------------------------ families


def create_family(
    db: Session,
    principal: StaffPrincipal,
    name: object,
    *,
    email: object = "",
    full_name: object = "",
    phone: object = "",
    reminders_opt_out: object = False,
    language: object = "",
) -> Family:
    """A new family, with its first client (login) when ``email`` is given, in one step."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    family_name = _text(errors, "name", name, "Family name", 200, required=True)
    with_client = email not in (None, "")
    if with_client:
        fields = _client_fields(errors, email, full_name, phone, reminders_opt_out, language)
        if "email" not in errors and (taken := _email_taken(db, principal.provider_id, fields["email"])):
            errors["email"] = taken
    _raise(errors)
    family = Family(provider_id=principal.provider_id, name=family_name)
    db.add(family)
    db.flush()
    audit.record(
        db,
        principal,
        action="family.create",
        entity="family",
        entity_id=family.id,
        summary=f"Created the family {family.name}",
        after=audit.snapshot(family, FAMILY_FIELDS),
        family_id=family.id,
    )
    if with_client:
        _insert_client(db, principal, family, fields)
    return family


def update_family(
    db: Session, principal: StaffPrincipal, family_id: object, version: object, *, name: object
) -> Family:
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    family_name = _text(errors, "name", name, "Family name", 200, required=True)
    _raise(errors)
    family = _family(db, principal, family_id)
    before = audit.snapshot(family, FAMILY_FIELDS)
    family.version = audit.claim_version(db, Family, family.id, version, "family")
    family.name = family_name
    db.add(family)
    db.flush()
    audit.record(
        db,
        principal,
        action="family.update",
        entity="family",
        entity_id=family.id,
        summary=f"Renamed the family {before['name']} to {family.name}",
        before=before,
        after=audit.snapshot(family, FAMILY_FIELDS),
        family_id=family.id,
    )
    bump_families(db, [family.id])
    return family


# ------------------------------------------------------------------------------------------------ clients


def _client_fields(
    errors: dict[str, str],
    email: object,
    full_name: object,
    phone: object,
    reminders_opt_out: object,
    language: object = "",
) -> dict:
    return {
        "email": _email(errors, "email", email),
        "full_name": _text(errors, "full_name", full_name, "Full name", 200, required=False),
        "phone": _phone(errors, phone),
        "language": _language(errors, language),
        "reminders_opt_out": _flag(errors, "reminders_opt_out", reminders_opt_out, "No reminders"),
    }


def _language(errors: dict[str, str], value: object) -> str:
    text = value.strip() if isinstance(value, str) else "" if value is None else None
    if text is None or (text and not _LANGUAGE_RE.fullmatch(text)):
        errors["language"] = "The language is a code such as en, sk or en-GB (empty: the provider's)."
        return ""
    return text


def _insert_client(db: Session, principal: StaffPrincipal, family: Family, fields: dict) -> Client:
    client = Client(provider_id=principal.provider_id, family_id=family.id, **fields)
    db.add(client)
    db.flush()
    audit.record(
        db,
        principal,
        action="client.create",
        entity="client",
        entity_id=client.id,
        summary=f"Added {client.email} to the family {family.name}",
        after=audit.snapshot(client, CLIENT_FIELDS),
        family_id=family.id,
    )
    bump_families(db, [family.id])
    return client


def add_client(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    *,
    email: object,
    full_name: object = "",
    phone: object = "",
    reminders_opt_out: object = False,
    language: object = "",
) -> Client:
    """A new client (a login of the family: a parent). The e-mail is normalised and unique per provider."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    fields = _client_fields(errors, email, full_name, phone, reminders_opt_out, language)
    _raise(errors)
    family = _family(db, principal, family_id)
    if taken := _email_taken(db, principal.provider_id, fields["email"]):
        raise FieldErrors({"email": taken})
    return _insert_client(db, principal, family, fields)


def update_client(
    db: Session,
    principal: StaffPrincipal,
    client_id: object,
    version: object,
    *,
    email: object,
    full_name: object,
    phone: object,
    reminders_opt_out: object,
    language: object = None,
) -> Client:
    """Edit a client (``language`` None keeps it). A changed e-mail logs the client out everywhere (their
    sessions were for the old address)."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    fields = _client_fields(errors, email, full_name, phone, reminders_opt_out, language)
    _raise(errors)
    client = _client(db, principal, client_id)
    if language is None:
        fields["language"] = client.language
    if taken := _email_taken(db, principal.provider_id, fields["email"], except_client_id=client.id):
        raise FieldErrors({"email": taken})
    before = audit.snapshot(client, CLIENT_FIELDS)
    client.version = audit.claim_version(db, Client, client.id, version, "client")
    if fields["email"] != client.email:
        client.session_epoch += 1
    for key, value in fields.items():
        setattr(client, key, value)
    db.add(client)
    db.flush()
    audit.record(
        db,
        principal,
        action="client.update",
        entity="client",
        entity_id=client.id,
        summary=f"Changed the client {client.email}",
        before=before,
        after=audit.snapshot(client, CLIENT_FIELDS),
        family_id=client.family_id,
    )
    bump_families(db, [client.family_id])
    return client


# ------------------------------------------------------------------------------------------------ attendees


def _attendee_fields(
    errors: dict[str, str], first_name: object, last_name: object, birth_date: object, today: date
) -> dict:
    return {
        "first_name": _text(errors, "first_name", first_name, "First name", 100, required=True),
        "last_name": _text(errors, "last_name", last_name, "Last name", 100, required=False),
        "birth_date": _birth_date(errors, birth_date, today),
    }


def add_attendee(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    *,
    first_name: object,
    last_name: object = "",
    birth_date: object = None,
    now: datetime | None = None,
) -> Attendee:
    """A new attendee (a child) of the family. The birth date is optional and never in the future (the
    provider's today)."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    fields = _attendee_fields(errors, first_name, last_name, birth_date, _today(db, principal, now))
    _raise(errors)
    family = _family(db, principal, family_id)
    attendee = Attendee(family_id=family.id, **fields)
    db.add(attendee)
    db.flush()
    audit.record(
        db,
        principal,
        action="attendee.create",
        entity="attendee",
        entity_id=attendee.id,
        summary=f"Added {attendee.first_name} {attendee.last_name}".strip() + f" to the family {family.name}",
        after=audit.snapshot(attendee, ATTENDEE_FIELDS),
        family_id=family.id,
    )
    bump_families(db, [family.id])
    return attendee


def update_attendee(
    db: Session,
    principal: StaffPrincipal,
    attendee_id: object,
    version: object,
    *,
    first_name: object,
    last_name: object,
    birth_date: object,
    now: datetime | None = None,
) -> Attendee:
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    fields = _attendee_fields(errors, first_name, last_name, birth_date, _today(db, principal, now))
    _raise(errors)
    attendee = get_people_attendee(db, principal, attendee_id)
    before = audit.snapshot(attendee, ATTENDEE_FIELDS)
    attendee.version = audit.claim_version(db, Attendee, attendee.id, version, "attendee")
    for key, value in fields.items():
        setattr(attendee, key, value)
    db.add(attendee)
    db.flush()
    audit.record(
        db,
        principal,
        action="attendee.update",
        entity="attendee",
        entity_id=attendee.id,
        summary=f"Changed the attendee {attendee.first_name} {attendee.last_name}".strip(),
        before=before,
        after=audit.snapshot(attendee, ATTENDEE_FIELDS),
        family_id=attendee.family_id,
    )
    bump_families(db, [attendee.family_id])
    return attendee


def set_attendee_photo(
    db: Session, principal: StaffPrincipal, attendee_id: object, version: object, data: object
) -> Attendee:
    """An uploaded photo (JPEG, PNG or WebP, at most 10 MB, at least 64 pixels a side) stored as a small square
    JPEG without EXIF (services.schedule.attendees.set_photo, integrations.images)."""
    require_staff(principal, Capability.people)
    attendee = get_people_attendee(db, principal, attendee_id)
    if not isinstance(data, bytes | bytearray):
        raise FieldErrors({"photo": "Choose a picture to upload."})
    try:
        set_photo(
            db, attendee.id, bytes(data), upload=True
        )  # validates and converts before anything is written
    except NotFound:
        raise
    except DomainError as exc:
        raise FieldErrors({"photo": str(exc)}) from None
    return _photo_changed(db, principal, attendee, version, had_photo=None, action="attendee.photo")


def remove_attendee_photo(
    db: Session, principal: StaffPrincipal, attendee_id: object, version: object
) -> Attendee:
    require_staff(principal, Capability.people)
    attendee = get_people_attendee(db, principal, attendee_id)
    had_photo = attendee.photo_jpeg is not None
    remove_photo(db, attendee.id)
    return _photo_changed(
        db, principal, attendee, version, had_photo=had_photo, action="attendee.photo_remove"
    )


def _photo_changed(
    db: Session,
    principal: StaffPrincipal,
    attendee: Attendee,
    version: object,
    had_photo: bool | None,
    action: str,
) -> Attendee:
    # The version is claimed after the picture was checked: a bad file is refused with its own message even on a
    # stale form, and a failed claim rolls back with the caller's unit of work like any refusal.
    attendee.version = audit.claim_version(db, Attendee, attendee.id, version, "attendee")
    db.add(attendee)
    db.flush()
    name = f"{attendee.first_name} {attendee.last_name}".strip()
    audit.record(
        db,
        principal,
        action=action,
        entity="attendee",
        entity_id=attendee.id,
        summary=f"{'Removed the photo of' if action.endswith('remove') else 'New photo for'} {name}",
        before={"has_photo": had_photo} if had_photo is not None else None,
        after={"has_photo": attendee.photo_jpeg is not None},
        family_id=attendee.family_id,
    )
    bump_families(db, [attendee.family_id])
    return attendee


# ------------------------------------------------------------------------------------------------ shares


def grant_share(
    db: Session,
    principal: StaffPrincipal,
    booking_id: object,
    email: object,
    *,
    notify: object = True,
    can_pay: object = False,
    can_manage: object = False,
) -> BookingShare:
    """Share one of the provider's bookings with a person, as `client-profile share` does
    (services.people.sharing.grant_share); granting again changes the scope."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    address = _email(errors, "email", email)
    flags = {
        "notify": _flag(errors, "notify", notify, "Notifications"),
        "can_pay": _flag(errors, "can_pay", can_pay, "May pay"),
        "can_manage": _flag(errors, "can_manage", can_manage, "May manage"),
    }
    _raise(errors)
    booking, family_id = _booking(db, principal, booking_id)
    existing = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id, BookingShare.grantee_email == address
        )
    ).first()
    before = audit.snapshot(existing, SHARE_FIELDS) if existing is not None else None
    try:
        share = sharing.grant_share(db, booking.id, address, **flags, created_by=None, tell=True)
    except NotFound:
        raise
    except DomainError as exc:
        raise FieldErrors({"email": str(exc)}) from None
    audit.record(
        db,
        principal,
        action="share.grant",
        entity="booking_share",
        entity_id=share.id,
        summary=f"Shared booking {booking.id} with {address}",
        before=before,
        after=audit.snapshot(share, SHARE_FIELDS),
        family_id=family_id,
        class_id=booking.class_id,
    )
    return share


def revoke_share(db: Session, principal: StaffPrincipal, booking_id: object, email: object) -> BookingShare:
    """End a booking's shared access for a person (services.people.sharing.revoke_share)."""
    require_staff(principal, Capability.people)
    errors: dict[str, str] = {}
    address = _email(errors, "email", email)
    _raise(errors)
    booking, family_id = _booking(db, principal, booking_id)
    share = sharing.revoke_share(db, booking.id, address, tell=True)
    audit.record(
        db,
        principal,
        action="share.revoke",
        entity="booking_share",
        entity_id=share.id,
        summary=f"Ended the sharing of booking {booking.id} with {address}",
        before={"revoked_at": None},
        after={"revoked_at": share.revoked_at},
        family_id=family_id,
        class_id=booking.class_id,
    )
    return share


# ------------------------------------------------------------------------------------------------ view as client


def view_as_client(
    db: Session, principal: StaffPrincipal, family_id: object, *, now: datetime | None = None
) -> ClientView:
    """The family's home page as its primary client (the active client added first) sees it, for staff with the
    people right: built by the client services themselves (services.home.home_view) with a read-only client
    Principal that never leaves this function, so no client action can be taken with it. Audited
    ("family.view_as_client"). A family without a login is shown as the family's own view."""
    family = _family(db, principal, family_id)
    provider = db.get(Provider, principal.provider_id)
    client = db.exec(
        select(Client).where(Client.family_id == family.id, Client.is_active.is_(True)).order_by(Client.id)
    ).first()
    as_client = Principal(
        client_id=client.id if client is not None else 0,  # 0: no client, so no booking shared with anyone
        provider_id=principal.provider_id,
        family_id=family.id,
        session_id=0,  # no session: a view, not a login
        email=client.email if client is not None else "",
        full_name=(client.full_name if client is not None else "") or family.name,
    )
    audit.record(
        db,
        principal,
        action="family.view_as_client",
        entity="family",
        entity_id=family.id,
        summary=f"Viewed the family {family.name} as {as_client.email or 'the family'}",
        family_id=family.id,
    )
    return ClientView(family.id, family.name, as_client.email, home_view(db, as_client, provider, now))
