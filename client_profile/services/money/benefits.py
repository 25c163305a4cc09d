"""Benefits in one place: make-up credits, discounts, entry passes and the prepaid credit ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendance,
    Attendee,
    BenefitEvent,
    Booking,
    ClassGroup,
    ClassSession,
    CreditEntry,
    CreditKind,
    Discount,
    EntryPass,
    EntryPassClass,
    EntryPassEntry,
    Invoice,
    InvoiceKind,
    MakeupCredit,
    MakeupCreditStatus,
    Programme,
    Provider,
    as_utc,
    utcnow,
)
from client_profile.services.money.documents import document_url
from client_profile.services.people.access import visible_bookings_clause
from client_profile.services.people.identity import Principal
from client_profile.services.schedule import makeups

HISTORY_LIMIT = 100  # the newest changes shown in Benefits' history


@dataclass(frozen=True)
class MakeupRow:
    id: int
    attendee: str
    programme: str
    earned_from: str
    status: str  # available / used / expired
    detail: str
    note: str = ""  # for an available credit with nothing to book now: the make-up engine's reason and advice


@dataclass(frozen=True)
class DiscountRow:
    id: int
    name: str
    value: str
    scope: str  # "Family" or the attendee's first name
    status: str  # active / expired / upcoming
    validity: str


@dataclass(frozen=True)
class PassRow:
    id: int
    name: str
    remaining: int
    total: int
    expires: str
    status: str  # active / expired / used up
    accepts: str = ""  # "Any class", "Programme: Open Swim", "Classes: A, B" (accepted_in)
    holder: str = ""  # the attendee's first name, "" for the whole family


@dataclass(frozen=True)
class LedgerRow:
    id: int
    when: str
    description: str
    amount: str
    is_credit: bool
    receipt_url: str = ""  # a top-up's receipt
    receipt_number: str = ""


@dataclass(frozen=True)
class HistoryRow:
    """One change the provider made to a pass or a make-up credit (BenefitEvent), as the family reads it."""

    id: int
    when: str  # "3 Dec 2026"
    subject: str  # the pass's name, or "Make-up credit · Ema"
    text: str  # "2 bonus entries added by the provider: ..." (never the staff member's name)


@dataclass
class BenefitsView:
    makeups: list[MakeupRow] = field(default_factory=list)
    discounts: list[DiscountRow] = field(default_factory=list)
    passes: list[PassRow] = field(default_factory=list)
    ledger: list[LedgerRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)  # newest first
    credit_balance: str = ""
    has_family: bool = False


def makeup_status(credit: MakeupCredit, now: datetime) -> str:
    if credit.status == MakeupCreditStatus.open:
        return "available" if as_utc(credit.expires_at) > now else "expired"
    return credit.status.value if credit.status != MakeupCreditStatus.void else "withdrawn"


def pass_status(p: EntryPass, used: int, now: datetime) -> str:
    if as_utc(p.expires_at) <= now:
        return "expired"
    if used >= p.entries_total:
        return "used up"
    return "active"


def discount_status(d: Discount, now: datetime) -> str:
    if d.valid_until is not None and as_utc(d.valid_until) <= now:
        return "expired"
    if d.valid_from is not None and as_utc(d.valid_from) > now:
        return "upcoming"
    return "active"


def used_entries(db: Session, family_id: int) -> dict[int, int]:
    """{pass id: entries in use (taken and not returned)} for the family's passes."""
    return dict(
        db.exec(
            select(EntryPassEntry.entry_pass_id, func.count())
            .join(EntryPass, EntryPass.id == EntryPassEntry.entry_pass_id)
            .where(EntryPass.family_id == family_id, EntryPassEntry.returned_at.is_(None))
            .group_by(EntryPassEntry.entry_pass_id)
        ).all()
    )


def accepted_in(db: Session, passes: list[EntryPass]) -> dict[int, str]:
    """{pass id: where it is accepted}: "Classes: A, B" (entry_pass_class), "Programme: Swimming", or "Any class"
    (the rule itself: console_benefits.pass_covers). Two queries."""
    ids = [p.id for p in passes]
    classes: dict[int, list[str]] = {}
    for pass_id, name in db.exec(
        select(EntryPassClass.entry_pass_id, ClassGroup.name)
        .join(ClassGroup, ClassGroup.id == EntryPassClass.class_id)
        .where(EntryPassClass.entry_pass_id.in_(ids or [0]))
        .order_by(ClassGroup.name)
    ).all():
        classes.setdefault(pass_id, []).append(name)
    programme_ids = {p.programme_id for p in passes if p.programme_id is not None}
    programmes = (
        dict(db.exec(select(Programme.id, Programme.name).where(Programme.id.in_(programme_ids))).all())
        if programme_ids
        else {}
    )
    labels = {}
    for p in passes:
        if classes.get(p.id):
            labels[p.id] = "Classes: " + ", ".join(classes[p.id])
        elif p.programme_id is not None:
            labels[p.id] = f"Programme: {programmes.get(p.programme_id, '')}"
        else:
            labels[p.id] = "Any class"
    return labels


def _history(
    db: Session, principal: Principal, provider: Provider, credit_names: dict[int, str]
) -> list[HistoryRow]:
    """The provider's changes to the family's passes and to the make-up credits the principal sees, newest
    first (a person with shared access only sees those of the shared bookings' credits)."""
    subjects = [BenefitEvent.makeup_credit_id.in_(list(credit_names) or [0])]
    if principal.family_id is not None:
        subjects.append(
            BenefitEvent.entry_pass_id.in_(
                select(EntryPass.id).where(
                    EntryPass.family_id == principal.family_id, EntryPass.provider_id == provider.id
                )
            )
        )
    rows = db.exec(
        select(BenefitEvent, EntryPass.name)
        .outerjoin(EntryPass, EntryPass.id == BenefitEvent.entry_pass_id)
        .where(BenefitEvent.provider_id == provider.id, or_(*subjects))
        .order_by(BenefitEvent.created_at.desc(), BenefitEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return [
        HistoryRow(
            e.id,
            fmt.day_label(fmt.local(e.created_at, provider.timezone).date()),
            pass_name
            if e.entry_pass_id is not None
            else f"Make-up credit · {credit_names.get(e.makeup_credit_id, '')}".rstrip(" ·"),
            e.text,
        )
        for e, pass_name in rows
    ]


def benefits_view(
    db: Session, principal: Principal, provider: Provider, now: datetime | None = None
) -> BenefitsView:
    now = now or utcnow()
    tz = provider.timezone
    view = BenefitsView(has_family=principal.family_id is not None)
    credits = db.exec(
        select(MakeupCredit, Attendee.first_name, Programme.name, ClassSession.starts_at)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .outerjoin(Attendance, Attendance.id == MakeupCredit.source_attendance_id)
        .outerjoin(ClassSession, ClassSession.id == Attendance.session_id)
        .where(visible_bookings_clause(principal))
        .order_by(MakeupCredit.expires_at)
    ).all()
    credit_names = {credit.id: first_name for credit, first_name, _, _ in credits}
    for credit, first_name, programme, source_start in credits:
        status = makeup_status(credit, now)
        detail = {
            "available": f"Book by {fmt.day_label(fmt.local(credit.expires_at, tz).date())}",
            "expired": f"Expired {fmt.day_label(fmt.local(credit.expires_at, tz).date())}",
            "used": f"Used {fmt.day_label(fmt.local(credit.used_at, tz).date())}"
            if credit.used_at
            else "Used",
        }.get(status, credit.closed_reason)
        note = ""
        if status == "available":
            offers = makeups.offers_for(db, principal, provider, credit.id, now)
            note = "" if offers.offers else f"{offers.reason} {offers.advice}".strip()
        view.makeups.append(
            MakeupRow(
                credit.id,
                first_name,
                programme,
                f"Session {fmt.session_label(source_start, tz)}"
                if source_start is not None
                else f"Granted by {provider.name}: {credit.granted_reason}",
                status,
                detail,
                note,
            )
        )
    view.history = _history(db, principal, provider, credit_names)
    if principal.family_id is None:
        return view

    discounts = db.exec(
        select(Discount, Attendee.first_name)
        .outerjoin(Attendee, Attendee.id == Discount.attendee_id)
        .where(Discount.family_id == principal.family_id)
        .order_by(Discount.id)
    ).all()
    for d, first_name in discounts:
        value = f"{d.percent}%" if d.percent is not None else fmt.money(d.amount_minor or 0, d.currency)
        until = (
            f"until {fmt.day_label(fmt.local(d.valid_until, tz).date())}" if d.valid_until else "no end date"
        )
        view.discounts.append(
            DiscountRow(d.id, d.name, value, first_name or "Family", discount_status(d, now), until)
        )
    used_by_pass = used_entries(db, principal.family_id)
    passes = db.exec(
        select(EntryPass, Attendee.first_name)
        .outerjoin(Attendee, Attendee.id == EntryPass.attendee_id)
        .where(EntryPass.family_id == principal.family_id, EntryPass.provider_id == provider.id)
        .order_by(EntryPass.expires_at.desc())
    ).all()
    accepted = accepted_in(db, [p for p, _ in passes])
    for p, holder in passes:
        used = used_by_pass.get(p.id, 0)
        view.passes.append(
            PassRow(
                p.id,
                p.name,
                max(p.entries_total - used, 0),
                p.entries_total,
                fmt.day_label(fmt.local(p.expires_at, tz).date()),
                pass_status(p, used, now),
                accepted[p.id],
                holder or "",
            )
        )
    ledger = db.exec(
        select(CreditEntry)
        .where(CreditEntry.family_id == principal.family_id)
        .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
    ).all()
    # A top-up's receipt (one query for all of them): the ledger entry points at the charge it was paid by.
    charge_ids = [e.charge_id for e in ledger if e.kind == CreditKind.top_up and e.charge_id]
    receipts = (
        {
            doc.charge_id: doc
            for doc in db.exec(
                select(Invoice).where(Invoice.charge_id.in_(charge_ids), Invoice.kind == InvoiceKind.receipt)
            ).all()
        }
        if charge_ids
        else {}
    )
    view.ledger = []
    for e in ledger:
        receipt = receipts.get(e.charge_id) if e.kind == CreditKind.top_up else None
        view.ledger.append(
            LedgerRow(
                e.id,
                fmt.day_label(fmt.local(e.created_at, tz).date()),
                e.description,
                fmt.money(e.amount_minor, e.currency),
                e.amount_minor > 0,
                receipt_url=document_url(receipt.id if receipt else None),
                receipt_number=receipt.number if receipt else "",
            )
        )
    view.credit_balance = fmt.money(sum(e.amount_minor for e in ledger), provider.currency)
    return view
