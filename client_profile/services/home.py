"""The home page's data: family members, their bookings, what is unpaid, and the family-level sections.

A constant number of queries whatever the family's size (docs/domain.md "What a page load may cost").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.integrations.stripe_gateway import gateway
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingStatus,
    Charge,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    CreditEntry,
    Discount,
    Order,
    OrderStatus,
    Programme,
    Provider,
    SessionStatus,
    utcnow,
)
from client_profile.services.errors import NotFound
from client_profile.services.money import fees
from client_profile.services.money.payments import BankDetails, bank_details, online_payment_available
from client_profile.services.people.access import (
    is_id,
    member_visible,
    payable_charges_clause,
    visible_bookings_clause,
    visible_members_clause,
)
from client_profile.services.people.identity import Principal
from client_profile.services.schedule.makeups import bookable_credits


@dataclass(frozen=True)
class Member:
    id: int
    first_name: str
    full_name: str
    initials: str
    age: int | None
    age_label: str  # "7 years" ("" when the birth date is unknown)
    photo_url: str  # "" without a photo (the initials show instead)


@dataclass(frozen=True)
class BookingSummary:
    id: int
    attendee_id: int
    programme: str
    class_name: str
    schedule: str
    place: str
    is_online: bool
    is_active: bool
    next_session: str
    shared_with_me: bool
    member: str = ""  # the attendee's first name (the Bookings tab shows whose booking it is)


@dataclass(frozen=True)
class UnpaidItem:
    charge_id: int
    description: str
    amount: str
    due: str
    overdue: bool
    reference: str
    attendee: str = ""  # who the item is for ("" for a family-level item such as an order)
    discounts: str = ""  # the discounts it got (fees.discount_note)
    discount_parts: tuple[tuple[str, str], ...] = ()  # the same as (label, amount) lines


@dataclass
class HomeView:
    provider_name: str
    client_name: str
    members: list[Member]
    bookings: list[BookingSummary]
    unpaid: list[UnpaidItem]
    unpaid_total: str
    bank: BankDetails | None
    has_family: bool
    family_discounts: list[str] = field(default_factory=list)
    unpaid_orders: int = 0
    credit_balance: str = ""
    online_payment: bool = False  # "Pay now" (card) or "Pay by bank transfer"
    # Per attendee: open make-up credits with a bookable session right now (makeups.bookable_credits).
    makeups_by_member: dict[int, int] = field(default_factory=dict)


def visible_members(db: Session, principal: Principal) -> list[Attendee]:
    """The family's attendees plus attendees of bookings shared with the principal."""
    return list(
        db.exec(
            select(Attendee)
            .where(visible_members_clause(principal))
            .order_by(Attendee.birth_date.desc(), Attendee.id)
        ).all()
    )


def member_views(db: Session, principal: Principal, today: date) -> list[Member]:
    """The visible members (visible_members) as the pages show them."""
    return [_member(a, today) for a in visible_members(db, principal)]


def _member(a: Attendee, today: date) -> Member:
    age = fmt.age_on(a.birth_date, today)
    return Member(
        id=a.id,
        first_name=a.first_name,
        full_name=f"{a.first_name} {a.last_name}".strip(),
        initials=fmt.initials(a.first_name, a.last_name),
        age=age,
        age_label=f"{age} years" if age is not None else "",
        photo_url=f"/media/attendees/{a.id}/photo" if a.photo_jpeg is not None else "",
    )


def attendee_photo(db: Session, principal: Principal, attendee_id: object) -> bytes:
    """The attendee's photo (JPEG) for whoever may see that attendee; NotFound for junk ids, another family's
    attendee and a missing photo alike."""
    if not is_id(attendee_id) or not member_visible(db, principal, attendee_id):
        raise NotFound("photo")
    photo = db.exec(select(Attendee.photo_jpeg).where(Attendee.id == attendee_id)).first()
    if photo is None:
        raise NotFound("photo")
    return photo


def booking_summaries(
    db: Session, principal: Principal, provider: Provider, today: date, now: datetime
) -> list[BookingSummary]:
    rows = db.exec(
        select(Booking, ClassGroup, Programme, Attendee.family_id, Attendee.first_name)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(visible_bookings_clause(principal))
        .order_by(Booking.id)
    ).all()
    if not rows:
        return []
    ids = [row[0].id for row in rows]
    next_by_booking = dict(
        db.exec(
            select(Attendance.booking_id, func.min(ClassSession.starts_at))
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(
                Attendance.booking_id.in_(ids),
                ClassSession.starts_at > now,
                ClassSession.status == SessionStatus.scheduled,
                Attendance.state.in_([AttendanceState.scheduled, AttendanceState.makeup]),
            )
            .group_by(Attendance.booking_id)
        ).all()
    )
    result = []
    for booking, cls, programme, family_id, first_name in rows:
        active = booking.status == BookingStatus.active and (
            booking.ends_on is None or booking.ends_on >= today
        )
        nxt = next_by_booking.get(booking.id)
        result.append(
            BookingSummary(
                id=booking.id,
                attendee_id=booking.attendee_id,
                programme=programme.name,
                class_name=cls.name,
                schedule=fmt.schedule_label(cls.weekday, cls.start_time),
                place="Online" if cls.is_online else cls.venue,
                is_online=cls.is_online,
                is_active=active,
                next_session=fmt.session_label(nxt, provider.timezone) if nxt and active else "",
                shared_with_me=family_id != principal.family_id,
                member=first_name,
            )
        )
    return result


def unpaid_charges(db: Session, principal: Principal) -> list[tuple[Charge, str | None]]:
    """Unpaid charges the principal may pay (access.payable_charges_clause), oldest due first, each with the
    first name of the attendee it is for (None for a family-level item)."""
    return list(
        db.exec(
            select(Charge, Attendee.first_name)
            .outerjoin(Booking, Booking.id == Charge.booking_id)
            # a booking's attendee, or the one a console fee is for (Charge.attendee_id)
            .outerjoin(Attendee, Attendee.id == func.coalesce(Booking.attendee_id, Charge.attendee_id))
            .where(payable_charges_clause(principal), Charge.status == ChargeStatus.unpaid)
            .order_by(Charge.due_on, Charge.id)
        ).all()
    )


def home_view(db: Session, principal: Principal, provider: Provider, now: datetime | None = None) -> HomeView:
    now = now or utcnow()
    today = fmt.local(now, provider.timezone).date()
    members = member_views(db, principal, today)
    rows = unpaid_charges(db, principal)
    savings = fees.savings_by_charge(db, [c.id for c, _ in rows])
    unpaid = [
        UnpaidItem(
            charge_id=c.id,
            description=c.description,
            amount=fmt.money(c.amount_minor, c.currency),
            due=fmt.day_label(c.due_on) if c.due_on else "",
            overdue=bool(c.due_on and c.due_on < today),
            reference=c.reference,
            attendee=first_name or "",
            discounts=fees.discount_note(c.amount_minor, c.currency, savings[c.id]),
            discount_parts=tuple(fees.discount_parts(c.amount_minor, c.currency, savings[c.id])),
        )
        for c, first_name in rows
    ]
    total = sum(c.amount_minor for c, _ in rows)
    bank = bank_details(provider) if unpaid else None
    view = HomeView(
        provider_name=provider.name,
        client_name=principal.full_name or principal.email,
        members=members,
        bookings=booking_summaries(db, principal, provider, today, now),
        unpaid=unpaid,
        unpaid_total=fmt.money(total, provider.currency) if unpaid else "",
        bank=bank,
        has_family=principal.family_id is not None,
        makeups_by_member=bookable_credits(db, principal, provider, now),
        online_payment=online_payment_available(provider, gateway()),
    )
    if principal.family_id is not None:
        discounts = db.exec(
            select(Discount)
            .where(
                Discount.family_id == principal.family_id,
                Discount.attendee_id.is_(None),
                or_(Discount.valid_until.is_(None), Discount.valid_until > now),
                or_(Discount.valid_from.is_(None), Discount.valid_from <= now),
            )
            .order_by(Discount.id)
        ).all()
        view.family_discounts = [d.name for d in discounts]
        unpaid_orders = (
            select(func.count())
            .select_from(Order)
            .where(Order.family_id == principal.family_id, Order.status == OrderStatus.unpaid)
            .scalar_subquery()
        )
        credit = (
            select(func.coalesce(func.sum(CreditEntry.amount_minor), 0))
            .where(CreditEntry.family_id == principal.family_id)
            .scalar_subquery()
        )
        view.unpaid_orders, balance = db.exec(select(unpaid_orders, credit)).one()
        view.credit_balance = fmt.money(balance, provider.currency)
    return view
