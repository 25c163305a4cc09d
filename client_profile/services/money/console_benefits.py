"""Benefits in the provider console (/admin/families/[id]/benefits): a family's entry passes (create one, add
bonus entries, extend the expiry) and make-up credits (grant one for a booking, withdraw an open one, extend the
book-by date). docs/decisions.md "Benefits in the console".

Every function takes the acting StaffPrincipal and checks the money right itself (access.money_families_clause).
Bad input raises FieldErrors before anything is written; an edit of an existing pass or credit names the version
its form was opened with (audit.claim_version: StaleEdit when someone else changed it since). Every change writes
an audit row and a BenefitEvent (what the family reads in Benefits, "History": never the staff member's name) in
the same unit of work, and bumps the family's data version. The caller commits; these functions only flush.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    Attendee,
    BenefitEvent,
    Booking,
    ClassGroup,
    ClassSession,
    EntryPass,
    EntryPassClass,
    EntryPassEntry,
    Family,
    MakeupCredit,
    MakeupCreditStatus,
    MakeupWaitlistEntry,
    Programme,
    Provider,
    StaffMember,
    WaitlistStatus,
    as_utc,
    utcnow,
)
from client_profile.services.errors import DomainError, FieldErrors, NotFound, StaleEdit
from client_profile.services.money.benefits import accepted_in, makeup_status, pass_status, used_entries
from client_profile.services.notifications import reminders
from client_profile.services.people import audit
from client_profile.services.people.access import (
    Capability,
    is_id,
    money_families_clause,
    provider_classes_clause,
    require_staff,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import StaffPrincipal

MAX_ENTRIES = 500  # entries on one pass, and bonus entries in one go
MAX_REASON = 200
MAX_NAME = 200
MAX_YEARS_AHEAD = 5  # how far ahead a validity or book-by date may be
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PASS_FIELDS = ("name", "entries_total", "valid_from", "expires_at", "attendee_id", "programme_id")
CREDIT_FIELDS = ("status", "expires_at", "closed_reason", "granted_reason")
ACCEPTS = ("any", "programme", "classes")


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class EventItem:
    when: str  # "3 Dec 2026"
    text: str
    by: str = ""  # the staff member (console only; the family reads "by the provider")


@dataclass(frozen=True)
class PassItem:
    id: int
    name: str
    holder: str  # "Whole family" or the attendee's first name
    used: int
    left: int
    total: int
    validity: str  # "1 Dec 2026 – 31 Mar 2027"
    expires_iso: str  # the expiry day (for the extend form's minimum)
    accepts: str  # "Any class", "Programme: Swimming", "Classes: A, B"
    status: str  # active / expired / used up
    version: int
    history: tuple[EventItem, ...]


@dataclass(frozen=True)
class CreditItem:
    id: int
    attendee: str
    booking: str  # "Swimming · Beginners Tuesday"
    origin: str  # "Earned: session Tue 1 Dec 16:00" or "Granted: <reason>"
    status: str  # available / used / expired / withdrawn
    book_by: str  # "20 Dec 2026"
    book_by_iso: str
    detail: str  # why it was closed, when it was used
    can_withdraw: bool
    can_extend: bool
    version: int
    history: tuple[EventItem, ...]


@dataclass(frozen=True)
class FamilyBenefits:
    family_id: int
    family_name: str
    passes: list[PassItem]
    credits: list[CreditItem]
    attendees: list[Choice]
    bookings: list[Choice]  # "Ema · Swimming · Beginners Tuesday"
    programmes: list[Choice]
    classes: list[Choice]
    today_iso: str
    last_event: int  # last_event_id: what the create and grant forms send back as `seen`


# ------------------------------------------------------------------------------------------------ input


def _text(errors: dict[str, str], key: str, value: object, label: str, max_len: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = f"{label} must be text."
        return ""
    text = " ".join(value.split())
    if _CONTROL.search(text):
        errors[key] = f"{label} contains characters that are not allowed."
    elif required and not text:
        errors[key] = f"Please enter the {label.lower()}."
    elif len(text) > max_len:
        errors[key] = f"{label} is too long (at most {max_len} characters)."
    return text


def _count(errors: dict[str, str], key: str, value: object, label: str) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) < 7 else MAX_ENTRIES + 1
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        errors[key] = f"{label}: enter a whole number of at least 1."
        return 0
    if value > MAX_ENTRIES:
        errors[key] = f"{label}: at most {MAX_ENTRIES}."
        return 0
    return value


def _day(errors: dict[str, str], key: str, value: object, label: str) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[key] = f"{label}: enter a date, e.g. 2027-03-31."
    return None


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise FieldErrors(errors)


def _provider(db: Session, principal: StaffPrincipal) -> Provider:
    return db.get(Provider, principal.provider_id)


def _today(provider: Provider, now: datetime) -> date:
    return fmt.local(now, provider.timezone).date()


def _start_of(day: date, provider: Provider) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(provider.timezone)).astimezone(ZoneInfo("UTC"))


def _end_of(day: date, provider: Provider) -> datetime:
    """The last minute of the day in the provider's time zone: a pass or credit "valid until 31 Mar" is usable
    all that day and shows that day (fmt.local(...).date())."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(provider.timezone)).astimezone(ZoneInfo("UTC"))


def _local_day(at: datetime, provider: Provider) -> date:
    return fmt.local(at, provider.timezone).date()


def _future_day(errors: dict[str, str], key: str, day: date | None, today: date, label: str) -> None:
    if day is None or key in errors:
        return
    if day < today:
        errors[key] = f"{label} cannot be in the past."
    elif day > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        errors[key] = f"{label} is too far ahead (at most {MAX_YEARS_AHEAD} years)."


# ------------------------------------------------------------------------------------------------ lookups


def _family(db: Session, principal: StaffPrincipal, family_id: object, *, lock: bool = False) -> Family:
    clause = money_families_clause(principal)
    if not is_id(family_id):
        raise NotFound("family")
    query = select(Family).where(Family.id == family_id, clause)
    row = db.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("family")
    return row


def last_event_id(db: Session, family_id: int) -> int:
    """The newest history row of the family's benefits (0: none): the "version" a create or grant form was
    opened with, so a form sent twice (a double tap, a second tab) adds one pass or credit, not two."""
    return db.exec(
        select(func.coalesce(func.max(BenefitEvent.id), 0)).where(BenefitEvent.family_id == family_id)
    ).one()


def _check_seen(db: Session, family: Family, seen: object) -> None:
    """Refuse a create or grant form opened before the family's latest benefit change (None: no form, no check).
    The caller locked the family's row (PostgreSQL; SQLite: the IMMEDIATE transaction), so two such forms sent
    at once cannot both pass."""
    if seen is None:
        return
    if not isinstance(seen, int) or isinstance(seen, bool) or seen != last_event_id(db, family.id):
        raise StaleEdit("family's list of benefits")


def _pass(db: Session, principal: StaffPrincipal, pass_id: object) -> EntryPass:
    clause = money_families_clause(principal)
    if not is_id(pass_id):
        raise NotFound("entry pass")
    row = db.exec(
        select(EntryPass)
        .join(Family, Family.id == EntryPass.family_id)
        .where(EntryPass.id == pass_id, EntryPass.provider_id == principal.provider_id, clause)
    ).first()
    if row is None:
        raise NotFound("entry pass")
    return row


def _credit(db: Session, principal: StaffPrincipal, credit_id: object) -> tuple[MakeupCredit, int]:
    """The credit and its family's id, if it is of a booking of the provider's families."""
    clause = money_families_clause(principal)
    if not is_id(credit_id):
        raise NotFound("make-up credit")
    row = db.exec(
        select(MakeupCredit, Family.id)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(Family, Family.id == Attendee.family_id)
        .where(MakeupCredit.id == credit_id, Booking.provider_id == principal.provider_id, clause)
    ).first()
    if row is None:
        raise NotFound("make-up credit")
    return row[0], row[1]


def _booking(db: Session, principal: StaffPrincipal, booking_id: object) -> tuple[Booking, int]:
    clause = money_families_clause(principal)
    if not is_id(booking_id):
        raise NotFound("booking")
    row = db.exec(
        select(Booking, Family.id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(Family, Family.id == Attendee.family_id)
        .where(Booking.id == booking_id, Booking.provider_id == principal.provider_id, clause)
    ).first()
    if row is None:
        raise NotFound("booking")
    return row[0], row[1]


# ------------------------------------------------------------------------------------------------ history


def _event(
    db: Session,
    principal: StaffPrincipal,
    family_id: int,
    kind: str,
    text: str,
    now: datetime,
    *,
    entry_pass_id: int | None = None,
    makeup_credit_id: int | None = None,
) -> None:
    db.add(
        BenefitEvent(
            provider_id=principal.provider_id,
            family_id=family_id,
            entry_pass_id=entry_pass_id,
            makeup_credit_id=makeup_credit_id,
            kind=kind,
            text=text[:300],
            staff_id=principal.staff_id,
            created_at=now,
        )
    )


def _changed(
    db: Session,
    principal: StaffPrincipal,
    family_id: int,
    *,
    action: str,
    entity: str,
    entity_id: int,
    summary: str,
    history: str,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """The tail of every change: the family's history row, the audit row, the family's data version."""
    _event(
        db,
        principal,
        family_id,
        action,
        history,
        now,
        entry_pass_id=entity_id if entity == "entry_pass" else None,
        makeup_credit_id=entity_id if entity == "makeup_credit" else None,
    )
    audit.record(
        db,
        principal,
        action=f"benefits.{action}",
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        before=before,
        after=after,
        family_id=family_id,
        now=now,
    )
    bump_families(db, [family_id])
    db.flush()


# ------------------------------------------------------------------------------------------------ the page


def family_benefits(
    db: Session, principal: StaffPrincipal, family_id: object, *, now: datetime | None = None
) -> FamilyBenefits:
    """The family's entry passes and make-up credits with their histories, and the choices the forms need."""
    family = _family(db, principal, family_id)
    now = now or utcnow()
    provider = _provider(db, principal)
    tz = provider.timezone
    day = lambda at: fmt.day_label(fmt.local(at, tz).date())  # noqa: E731

    events: dict[tuple[str, int], list[EventItem]] = {}
    for e, staff_name, staff_email in db.exec(
        select(BenefitEvent, StaffMember.full_name, StaffMember.email)
        .outerjoin(StaffMember, StaffMember.id == BenefitEvent.staff_id)
        .where(BenefitEvent.family_id == family.id, BenefitEvent.provider_id == principal.provider_id)
        .order_by(BenefitEvent.created_at.desc(), BenefitEvent.id.desc())
    ).all():
        key = ("pass", e.entry_pass_id) if e.entry_pass_id is not None else ("credit", e.makeup_credit_id)
        events.setdefault(key, []).append(EventItem(day(e.created_at), e.text, staff_name or staff_email))

    used = used_entries(db, family.id)
    passes = db.exec(
        select(EntryPass, Attendee.first_name)
        .outerjoin(Attendee, Attendee.id == EntryPass.attendee_id)
        .where(EntryPass.family_id == family.id, EntryPass.provider_id == principal.provider_id)
        .order_by(EntryPass.expires_at.desc(), EntryPass.id.desc())
    ).all()
    accepted = accepted_in(db, [p for p, _ in passes])
    pass_items = [
        PassItem(
            id=p.id,
            name=p.name,
            holder=first_name or "Whole family",
            used=used.get(p.id, 0),
            left=max(p.entries_total - used.get(p.id, 0), 0),
            total=p.entries_total,
            validity=f"{day(p.valid_from)} – {day(p.expires_at)}",
            expires_iso=fmt.local(p.expires_at, tz).date().isoformat(),
            accepts=accepted[p.id],
            status=pass_status(p, used.get(p.id, 0), now),
            version=p.version,
            history=tuple(events.get(("pass", p.id), [])),
        )
        for p, first_name in passes
    ]

    credits = db.exec(
        select(MakeupCredit, Attendee.first_name, Programme.name, ClassGroup.name, ClassSession.starts_at)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .outerjoin(Attendance, Attendance.id == MakeupCredit.source_attendance_id)
        .outerjoin(ClassSession, ClassSession.id == Attendance.session_id)
        .where(Attendee.family_id == family.id, Booking.provider_id == principal.provider_id)
        .order_by(MakeupCredit.expires_at.desc(), MakeupCredit.id.desc())
    ).all()
    held = _held_credit_ids(db, [c.id for c, *_ in credits], now)
    credit_items = []
    for c, first_name, programme, class_name, source_start in credits:
        status = makeup_status(c, now)
        origin = (
            f"Earned: session {fmt.session_label(source_start, tz)}"
            if source_start is not None
            else f"Granted: {c.granted_reason}"
        )
        detail = ""
        if status == "used":
            detail = f"Used {day(c.used_at)}" if c.used_at else "Used"
        elif status == "withdrawn" or c.status == MakeupCreditStatus.expired:
            detail = c.closed_reason
        elif c.id in held:
            detail = "A waiting-list place is held for it"
        credit_items.append(
            CreditItem(
                id=c.id,
                attendee=first_name,
                booking=f"{programme} · {class_name}",
                origin=origin,
                status=status,
                book_by=day(c.expires_at),
                book_by_iso=fmt.local(c.expires_at, tz).date().isoformat(),
                detail=detail,
                can_withdraw=status == "available" and c.id not in held,
                can_extend=c.status in (MakeupCreditStatus.open, MakeupCreditStatus.expired),
                version=c.version,
                history=tuple(events.get(("credit", c.id), [])),
            )
        )

    attendees = db.exec(select(Attendee).where(Attendee.family_id == family.id).order_by(Attendee.id)).all()
    bookings = db.exec(
        select(Booking, Attendee.first_name, Programme.name, ClassGroup.name)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Attendee.family_id == family.id, Booking.provider_id == principal.provider_id)
        .order_by(Booking.starts_on.desc(), Booking.id.desc())
    ).all()
    programmes = db.exec(
        select(Programme.id, Programme.name)
        .where(Programme.provider_id == principal.provider_id)
        .order_by(Programme.name, Programme.id)
    ).all()
    classes = db.exec(
        select(ClassGroup.id, ClassGroup.name, Programme.name)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(provider_classes_clause(principal))
        .order_by(Programme.name, ClassGroup.name, ClassGroup.id)
    ).all()
    return FamilyBenefits(
        family_id=family.id,
        family_name=family.name,
        passes=pass_items,
        credits=credit_items,
        attendees=[Choice(a.id, f"{a.first_name} {a.last_name}".strip()) for a in attendees],
        bookings=[Choice(b.id, f"{first} · {prog} · {cls}") for b, first, prog, cls in bookings],
        programmes=[Choice(pid, name) for pid, name in programmes],
        classes=[Choice(cid, f"{prog} · {name}") for cid, name, prog in classes],
        today_iso=_today(provider, now).isoformat(),
        last_event=last_event_id(db, family.id),
    )


def _held_credit_ids(db: Session, credit_ids: list[int], now: datetime) -> set[int]:
    """The credits a waiting-list offer holds a place for right now (they cannot be withdrawn)."""
    if not credit_ids:
        return set()
    return set(
        db.exec(
            select(MakeupWaitlistEntry.credit_id).where(
                MakeupWaitlistEntry.credit_id.in_(credit_ids),
                MakeupWaitlistEntry.status == WaitlistStatus.offered,
                MakeupWaitlistEntry.offer_expires_at > now,
            )
        ).all()
    )


# ------------------------------------------------------------------------------------------------ entry passes


def create_pass(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    *,
    name: object,
    entries: object,
    valid_from: object,
    valid_until: object,
    attendee_id: object = None,
    accepts: object = "any",
    programme_id: object = None,
    class_ids: object = (),
    seen: object = None,
    now: datetime | None = None,
) -> EntryPass:
    """A new entry pass for the whole family (``attendee_id`` None) or one attendee, accepted in ``accepts``:
    "any" class of the provider, one "programme" (``programme_id``) or a set of "classes" (``class_ids``).
    ``seen``: the form's last_event_id (a form sent twice is refused as stale)."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    family = _family(db, principal, family_id, lock=True)
    provider = _provider(db, principal)
    today = _today(provider, now)
    errors: dict[str, str] = {}
    pass_name = _text(errors, "name", name, "Name", MAX_NAME, required=True)
    total = _count(errors, "entries", entries, "Entries")
    start = _day(errors, "valid_from", valid_from, "Valid from") if valid_from not in (None, "") else today
    until = _day(errors, "valid_until", valid_until, "Valid until")
    _future_day(errors, "valid_until", until, today, "Valid until")
    if start is not None and until is not None and "valid_until" not in errors and until < start:
        errors["valid_until"] = "Valid until must be on or after the first day."
    if start is not None and "valid_from" not in errors and abs((start - today).days) > 366 * MAX_YEARS_AHEAD:
        errors["valid_from"] = "Valid from is too far from today."
    holder: int | None = None
    if attendee_id not in (None, "", 0):
        holder = (
            db.exec(
                select(Attendee.id).where(Attendee.id == attendee_id, Attendee.family_id == family.id)
            ).first()
            if is_id(attendee_id)
            else None
        )
        if holder is None:
            errors["attendee_id"] = "Choose one of the family's attendees, or the whole family."
    programme: int | None = None
    classes: list[int] = []
    if accepts not in ACCEPTS:
        errors["accepts"] = "Choose which classes accept the pass."
    elif accepts == "programme":
        programme = (
            db.exec(
                select(Programme.id).where(
                    Programme.id == programme_id, Programme.provider_id == principal.provider_id
                )
            ).first()
            if is_id(programme_id)
            else None
        )
        if programme is None:
            errors["programme_id"] = "Choose the programme whose classes accept the pass."
    elif accepts == "classes":
        wanted = list(class_ids) if isinstance(class_ids, list | tuple | set | frozenset) else []
        ids = sorted({c for c in wanted if is_id(c)})
        found = (
            set(
                db.exec(
                    select(ClassGroup.id)
                    .join(Programme, Programme.id == ClassGroup.programme_id)
                    .where(ClassGroup.id.in_(ids), provider_classes_clause(principal))
                ).all()
            )
            if ids
            else set()
        )
        if not ids or len(ids) != len(wanted) or found != set(ids):
            errors["class_ids"] = "Tick at least one of the provider's classes."
        classes = ids
    _raise(errors)
    _check_seen(db, family, seen)
    entry_pass = EntryPass(
        provider_id=principal.provider_id,
        family_id=family.id,
        attendee_id=holder,
        programme_id=programme,
        name=pass_name,
        entries_total=total,
        valid_from=_start_of(start, provider),
        expires_at=_end_of(until, provider),
        created_at=now,
    )
    db.add(entry_pass)
    db.flush()
    for class_id in classes:
        db.add(EntryPassClass(entry_pass_id=entry_pass.id, class_id=class_id))
    _changed(
        db,
        principal,
        family.id,
        action="pass.create",
        entity="entry_pass",
        entity_id=entry_pass.id,
        summary=f"Created the entry pass {pass_name} ({total} entries) for the family {family.name}",
        history=(
            f"Pass added by the provider: {total} entries, valid {fmt.day_label(start)} – {fmt.day_label(until)}"
        ),
        after={**audit.snapshot(entry_pass, PASS_FIELDS), "class_ids": classes},
        now=now,
    )
    return entry_pass


def add_bonus_entries(
    db: Session,
    principal: StaffPrincipal,
    pass_id: object,
    version: object,
    *,
    count: object,
    reason: object,
    now: datetime | None = None,
) -> EntryPass:
    """Add ``count`` entries to a pass (a goodwill gesture, a correction), with the reason the family reads."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    errors: dict[str, str] = {}
    extra = _count(errors, "count", count, "Bonus entries")
    why = _text(errors, "reason", reason, "Reason", MAX_REASON, required=True)
    _raise(errors)
    entry_pass = _pass(db, principal, pass_id)
    if entry_pass.entries_total + extra > 10 * MAX_ENTRIES:
        raise FieldErrors({"count": "That is more entries than one pass can hold."})
    before = audit.snapshot(entry_pass, PASS_FIELDS)
    entry_pass.version = audit.claim_version(db, EntryPass, entry_pass.id, version, "entry pass")
    entry_pass.entries_total += extra
    db.add(entry_pass)
    words = "1 bonus entry" if extra == 1 else f"{extra} bonus entries"
    _changed(
        db,
        principal,
        entry_pass.family_id,
        action="pass.bonus",
        entity="entry_pass",
        entity_id=entry_pass.id,
        summary=f"Added {words} to the entry pass {entry_pass.name}: {why}",
        history=f"{words[0].upper()}{words[1:]} added by the provider: {why}",
        before=before,
        after=audit.snapshot(entry_pass, PASS_FIELDS),
        now=now,
    )
    return entry_pass


def extend_pass(
    db: Session,
    principal: StaffPrincipal,
    pass_id: object,
    version: object,
    *,
    until: object,
    now: datetime | None = None,
) -> EntryPass:
    """Move a pass's expiry to a later day (also for an expired pass: its unused entries count again)."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    provider = _provider(db, principal)
    today = _today(provider, now)
    errors: dict[str, str] = {}
    day = _day(errors, "until", until, "New expiry")
    _future_day(errors, "until", day, today, "New expiry")
    _raise(errors)
    entry_pass = _pass(db, principal, pass_id)
    current = _local_day(entry_pass.expires_at, provider)
    if day <= current:
        raise FieldErrors({"until": f"Choose a day after the current expiry ({fmt.day_label(current)})."})
    before = audit.snapshot(entry_pass, PASS_FIELDS)
    entry_pass.version = audit.claim_version(db, EntryPass, entry_pass.id, version, "entry pass")
    entry_pass.expires_at = _end_of(day, provider)
    db.add(entry_pass)
    _changed(
        db,
        principal,
        entry_pass.family_id,
        action="pass.extend",
        entity="entry_pass",
        entity_id=entry_pass.id,
        summary=f"Extended the entry pass {entry_pass.name} to {fmt.day_label(day)}",
        history=f"Expiry extended by the provider to {fmt.day_label(day)}",
        before=before,
        after=audit.snapshot(entry_pass, PASS_FIELDS),
        now=now,
    )
    return entry_pass


def pass_covers(
    db: Session, entry_pass: EntryPass, session_id: object, attendee_id: object, now: datetime | None = None
) -> str:
    """Whether this pass may pay for this attendee's place in this session: "" when it does, else why not in
    plain words. The one rule for using an entry: the pass is the attendee's (or the whole family's), valid when
    the session starts and not expired now, has an entry left, and accepts the session's class (its listed
    classes; else its programme's classes; else any class of the provider)."""
    now = now or utcnow()
    if not is_id(session_id) or not is_id(attendee_id):
        return "This session was not found."
    row = db.exec(
        select(ClassSession, ClassGroup, Programme, Attendee)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .join(Attendee, Attendee.id == attendee_id)
        .where(ClassSession.id == session_id)
    ).first()
    if row is None:
        return "This session was not found."
    session, cls, programme, attendee = row
    if programme.provider_id != entry_pass.provider_id or attendee.family_id != entry_pass.family_id:
        return "This pass belongs to another family or provider."
    if entry_pass.attendee_id is not None and entry_pass.attendee_id != attendee.id:
        return f"{entry_pass.name} is for another attendee."
    if as_utc(entry_pass.expires_at) <= now:
        return f"{entry_pass.name} has expired."
    starts = as_utc(session.starts_at)
    if not as_utc(entry_pass.valid_from) <= starts < as_utc(entry_pass.expires_at):
        return f"{entry_pass.name} is not valid on the day of this session."
    if used_entries(db, entry_pass.family_id).get(entry_pass.id, 0) >= entry_pass.entries_total:
        return f"{entry_pass.name} has no entries left."
    listed = db.exec(
        select(EntryPassClass.class_id).where(EntryPassClass.entry_pass_id == entry_pass.id)
    ).all()
    if listed:
        if cls.id not in listed:
            return f"{entry_pass.name} is not accepted in {cls.name}."
    elif entry_pass.programme_id is not None and entry_pass.programme_id != programme.id:
        return f"{entry_pass.name} is accepted only in another programme's classes, not in {programme.name}."
    return ""


def use_entry(
    db: Session, entry_pass: EntryPass, session_id: int, attendee_id: int, now: datetime | None = None
) -> EntryPassEntry:
    """Take one entry of the pass for this attendee's place in this session; DomainError when the pass does not
    cover it (pass_covers). For the booking flow that pays with a pass."""
    now = now or utcnow()
    why = pass_covers(db, entry_pass, session_id, attendee_id, now)
    if why:
        raise DomainError(why)
    entry = EntryPassEntry(
        entry_pass_id=entry_pass.id, attendee_id=attendee_id, session_id=session_id, used_at=now
    )
    db.add(entry)
    db.flush()
    return entry


# ------------------------------------------------------------------------------------------------ make-up credits


def grant_credit(
    db: Session,
    principal: StaffPrincipal,
    booking_id: object,
    *,
    book_by: object,
    reason: object,
    seen: object = None,
    now: datetime | None = None,
) -> MakeupCredit:
    """A make-up credit for one booking's attendee, granted by the office (no session it was earned from): the
    make-up engine offers and books it like an earned one. ``seen``: the form's last_event_id (a form sent twice
    is refused as stale)."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    provider = _provider(db, principal)
    today = _today(provider, now)
    errors: dict[str, str] = {}
    why = _text(errors, "reason", reason, "Reason", MAX_REASON, required=True)
    day = _day(errors, "book_by", book_by, "Book by")
    _future_day(errors, "book_by", day, today, "Book by")
    if not is_id(booking_id):
        errors["booking_id"] = "Choose one of the family's bookings."
    _raise(errors)
    booking, family_id = _booking(db, principal, booking_id)
    _check_seen(db, _family(db, principal, family_id, lock=True), seen)
    expires = _end_of(day, provider)
    if expires <= now:
        raise FieldErrors({"book_by": "Book by must be later than now."})
    credit = MakeupCredit(
        attendee_id=booking.attendee_id,
        booking_id=booking.id,
        source_attendance_id=None,
        earned_at=now,
        expires_at=expires,
        granted_reason=why,
        granted_by_staff_id=principal.staff_id,
    )
    db.add(credit)
    db.flush()
    _changed(
        db,
        principal,
        family_id,
        action="credit.grant",
        entity="makeup_credit",
        entity_id=credit.id,
        summary=f"Granted a make-up credit for booking {booking.id}, book by {fmt.day_label(day)}: {why}",
        history=f"Make-up credit granted by the provider: {why}. Book by {fmt.day_label(day)}",
        after=audit.snapshot(credit, CREDIT_FIELDS),
        now=now,
    )
    reminders.notify_makeup_earned(db, credit.id, now)  # "you have a make-up to book", like an earned one
    return credit


def withdraw_credit(
    db: Session,
    principal: StaffPrincipal,
    credit_id: object,
    version: object,
    *,
    reason: object,
    now: datetime | None = None,
) -> MakeupCredit:
    """Withdraw (void) an open credit with the reason the family reads. A used credit, an expired one and one a
    waiting-list offer holds a place for cannot be withdrawn; its queued (not offered) places are given up."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    errors: dict[str, str] = {}
    why = _text(errors, "reason", reason, "Reason", MAX_REASON, required=True)
    _raise(errors)
    credit, family_id = _credit(db, principal, credit_id)
    status = makeup_status(credit, now)
    if status == "used":
        raise DomainError("This make-up credit is already used: cancel the make-up first.")
    if status == "withdrawn":
        raise DomainError("This make-up credit was already withdrawn.")
    if status == "expired":
        raise DomainError("This make-up credit has expired: there is nothing to withdraw.")
    if _held_credit_ids(db, [credit.id], now):
        raise DomainError(
            "A waiting-list place is held for this credit right now: withdraw it once the offer is taken "
            "or has run out."
        )
    before = audit.snapshot(credit, CREDIT_FIELDS)
    new_version = audit.claim_version(db, MakeupCredit, credit.id, version, "make-up credit")
    # Conditional on the state just checked: a make-up booked meanwhile wins, and nothing is withdrawn.
    done = db.execute(
        update(MakeupCredit)
        .where(MakeupCredit.id == credit.id, MakeupCredit.status == MakeupCreditStatus.open)
        .values(status=MakeupCreditStatus.void, closed_reason=f"Withdrawn: {why}"[:200])
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        raise DomainError("This make-up credit was just used. Reload to see it.")
    db.execute(
        update(MakeupWaitlistEntry)
        .where(
            MakeupWaitlistEntry.credit_id == credit.id, MakeupWaitlistEntry.status == WaitlistStatus.waiting
        )
        .values(status=WaitlistStatus.withdrawn, closed_at=now)
    )
    db.refresh(credit)
    credit.version = new_version
    _changed(
        db,
        principal,
        family_id,
        action="credit.withdraw",
        entity="makeup_credit",
        entity_id=credit.id,
        summary=f"Withdrew make-up credit {credit.id}: {why}",
        history=f"Make-up credit withdrawn by the provider: {why}",
        before=before,
        after=audit.snapshot(credit, CREDIT_FIELDS),
        now=now,
    )
    return credit


def extend_credit(
    db: Session,
    principal: StaffPrincipal,
    credit_id: object,
    version: object,
    *,
    book_by: object,
    now: datetime | None = None,
) -> MakeupCredit:
    """Move the book-by date of an open credit, or of one that expired unused (it opens again), to a later day."""
    require_staff(principal, Capability.money)
    now = now or utcnow()
    provider = _provider(db, principal)
    today = _today(provider, now)
    errors: dict[str, str] = {}
    day = _day(errors, "book_by", book_by, "New book-by date")
    _future_day(errors, "book_by", day, today, "New book-by date")
    _raise(errors)
    credit, family_id = _credit(db, principal, credit_id)
    if credit.status not in (MakeupCreditStatus.open, MakeupCreditStatus.expired):
        raise DomainError(
            "Only an open make-up credit, or one that expired unused, can be extended; this one is "
            f"{makeup_status(credit, now)}."
        )
    current = _local_day(credit.expires_at, provider)
    if day <= current or _end_of(day, provider) <= now:
        raise FieldErrors(
            {"book_by": f"Choose a day after the current book-by date ({fmt.day_label(current)})."}
        )
    before = audit.snapshot(credit, CREDIT_FIELDS)
    new_version = audit.claim_version(db, MakeupCredit, credit.id, version, "make-up credit")
    done = db.execute(
        update(MakeupCredit)
        .where(
            MakeupCredit.id == credit.id,
            MakeupCredit.status.in_([MakeupCreditStatus.open, MakeupCreditStatus.expired]),
        )
        .values(status=MakeupCreditStatus.open, expires_at=_end_of(day, provider), closed_reason="")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        raise DomainError("This make-up credit was just used. Reload to see it.")
    db.refresh(credit)
    credit.version = new_version
    _changed(
        db,
        principal,
        family_id,
        action="credit.extend",
        entity="makeup_credit",
        entity_id=credit.id,
        summary=f"Extended make-up credit {credit.id} to {fmt.day_label(day)}",
        history=f"Book-by date extended by the provider to {fmt.day_label(day)}",
        before=before,
        after=audit.snapshot(credit, CREDIT_FIELDS),
        now=now,
    )
    return credit
