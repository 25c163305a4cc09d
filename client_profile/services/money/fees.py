"""Fees and discounts: the one place that prices a booking fee and records the discounts it got.

Rules (docs/decisions.md "Discounts on fees"):
- A discount applies to the fees of its family (a booking's term fee, or a fee the office makes in the console
  for the family or one attendee), or only to its attendee's when it has one, that are made while it is valid
  (valid_from <= the moment the fee is made < valid_until). It does not apply to orders (products, passes,
  credit top-ups).
- Every applicable discount is computed on the full price (so their order does not matter) and they add up;
  a percentage is rounded half up to a whole minor unit; an amount discount applies only in its own currency.
  Together they never take more than the full price; a fee discounted to nothing is not charged.
- What was applied is frozen on the charge (`charge_discount`: the name and the saving then), so a discount
  changed or deleted later never changes a fee, its page or its invoice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeDiscount,
    ChargeStatus,
    Discount,
    Order,
    utcnow,
)
from client_profile.services.errors import DomainError


@dataclass(frozen=True)
class Saving:
    discount_id: int | None
    name: str
    percent: int | None
    saving_minor: int


@dataclass(frozen=True)
class Price:
    full_minor: int
    savings: tuple[Saving, ...]

    @property
    def due_minor(self) -> int:
        return self.full_minor - sum(s.saving_minor for s in self.savings)


def percent_of(amount_minor: int, percent: int) -> int:
    """`percent` % of an amount in minor units, rounded half up to a whole minor unit (1250 x 10 % = 125;
    1255 x 10 % = 125.5 -> 126)."""
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def applicable_discounts(
    db: Session, family_id: int, attendee_id: int | None, when: datetime
) -> list[Discount]:
    """The family's discounts valid at `when` for this attendee (family-wide ones and the attendee's own)."""
    who = (
        Discount.attendee_id.is_(None)
        if attendee_id is None
        else or_(Discount.attendee_id.is_(None), Discount.attendee_id == attendee_id)
    )
    return list(
        db.exec(
            select(Discount)
            .where(
                Discount.family_id == family_id,
                who,
                or_(Discount.valid_from.is_(None), Discount.valid_from <= when),
                or_(Discount.valid_until.is_(None), Discount.valid_until > when),
            )
            .order_by(Discount.id)
        ).all()
    )


def price_with(full_minor: int, currency: str, discounts: list[Discount]) -> Price:
    """The full price less the discounts, each on the full price, capped so that the total saving is at most the
    full price (the later discounts give way)."""
    left = full_minor
    savings: list[Saving] = []
    for d in discounts:
        if d.percent is not None:
            saving = percent_of(full_minor, d.percent)
        elif d.amount_minor is not None and d.currency.upper() == currency.upper():
            saving = d.amount_minor
        else:
            continue
        saving = min(saving, left)
        if saving <= 0:
            continue
        left -= saving
        savings.append(Saving(d.id, d.name, d.percent, saving))
    return Price(full_minor, tuple(savings))


def create_booking_fee(
    db: Session,
    booking: Booking,
    description: str,
    full_minor: int,
    reference: str,
    due_on: date | None,
    now: datetime | None = None,
    vat_rate_bp: int | None = None,
) -> Charge | None:
    """An unpaid fee for a booking, priced with the discounts applicable now, the discounts frozen with it.
    None when the discounts leave nothing to pay. Part of the caller's transaction."""
    family_id = db.get(Attendee, booking.attendee_id).family_id
    return create_fee(
        db,
        provider_id=booking.provider_id,
        family_id=family_id,
        attendee_id=booking.attendee_id,
        booking_id=booking.id,
        currency=booking.currency,
        description=description,
        full_minor=full_minor,
        reference=reference,
        due_on=due_on,
        now=now,
        vat_rate_bp=vat_rate_bp,
    )


def create_fee(
    db: Session,
    *,
    provider_id: int,
    family_id: int,
    attendee_id: int | None,
    booking_id: int | None,
    currency: str,
    description: str,
    full_minor: int,
    reference: str,
    due_on: date | None,
    now: datetime | None = None,
    vat_rate_bp: int | None = None,
) -> Charge | None:
    """An unpaid fee (a booking's, or one the office makes for a family or one attendee), priced with the
    discounts applicable now (the family's, and the attendee's own when it is for one attendee), the discounts
    frozen with it. None when the discounts leave nothing to pay. Part of the caller's transaction."""
    if type(full_minor) is not int or full_minor <= 0:
        raise ValueError("a fee needs a full price above zero")
    now = now or utcnow()
    price = price_with(full_minor, currency, applicable_discounts(db, family_id, attendee_id, now))
    if price.due_minor <= 0:
        return None
    charge = Charge(
        provider_id=provider_id,
        family_id=family_id,
        booking_id=booking_id,
        # a booking names its attendee; the column is for a fee of one attendee without a booking
        attendee_id=attendee_id if booking_id is None else None,
        description=description,
        amount_minor=price.due_minor,
        currency=currency,
        due_on=due_on,
        status=ChargeStatus.unpaid,
        reference=reference,
        vat_rate_bp=vat_rate_bp,
        created_at=now,
    )
    db.add(charge)
    db.flush()
    db.add_all(
        [
            ChargeDiscount(
                charge_id=charge.id,
                discount_id=s.discount_id,
                name=s.name,
                percent=s.percent,
                saving_minor=s.saving_minor,
            )
            for s in price.savings
        ]
    )
    db.flush()
    return charge


def next_fee_reference(db: Session, provider_id: int, year: int) -> str:
    """The next free payment reference of a charge: the year and a five-digit number (nine digits, a valid
    variable symbol; a transfer request's has ten and starts with 9), one more than the highest of that year.
    The caller serialises fee creation for the provider (enrolment locks the provider row on PostgreSQL; SQLite
    writes one at a time), and the unique constraint stops a duplicate in any case."""
    prefix = f"{year:04d}"
    highest = db.exec(
        select(func.max(Charge.reference)).where(
            Charge.provider_id == provider_id,
            Charge.reference.like(prefix + "_" * 5),
        )
    ).one()
    tail = highest[len(prefix) :] if highest else ""
    number = (int(tail) if tail.isdigit() else 0) + 1
    if number > 99_999:
        raise DomainError("No payment reference is left for this year; please contact support.")
    return f"{prefix}{number:05d}"


# ------------------------------------------------------------------------------------------------- reading


def savings_by_charge(db: Session, charge_ids: list[int]) -> dict[int, list[ChargeDiscount]]:
    """The frozen discounts of these charges (one query), in the order they were applied."""
    out: dict[int, list[ChargeDiscount]] = defaultdict(list)
    if charge_ids:
        for row in db.exec(
            select(ChargeDiscount)
            .where(ChargeDiscount.charge_id.in_(charge_ids))
            .order_by(ChargeDiscount.charge_id, ChargeDiscount.id)
        ).all():
            out[row.charge_id].append(row)
    return out


def discount_parts(amount_minor: int, currency: str, savings: list[ChargeDiscount]) -> list[tuple[str, str]]:
    """[("Full price", "EUR 120.00"), ("Sibling discount 10%", "-EUR 12.00")] ([] without discounts): the lines a
    page shows under an item whose own amount is what is due, one per line so an amount never breaks on a phone."""
    if not savings:
        return []
    full = amount_minor + sum(s.saving_minor for s in savings)
    return [("Full price", fmt.money(full, currency))] + [
        (s.name, fmt.money(-s.saving_minor, currency)) for s in savings
    ]


def discount_note(amount_minor: int, currency: str, savings: list[ChargeDiscount]) -> str:
    """ "Full price EUR 120.00 · Sibling discount 10% -EUR 12.00" ("" without discounts), the same in one line."""
    return " · ".join(f"{name} {amount}" for name, amount in discount_parts(amount_minor, currency, savings))


def next_order_number(db: Session, provider_id: int, year: int) -> str:
    """ "O-2026-0007": one more than the highest of the year (the caller holds the provider lock; the unique
    constraint stops a duplicate in any case)."""
    prefix = f"O-{year:04d}-"
    numbers = db.exec(
        select(Order.number).where(Order.provider_id == provider_id, Order.number.like(prefix + "%"))
    ).all()
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"
