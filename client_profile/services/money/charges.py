"""The office's side of money in the console (Capability.money): what a family is charged, its discounts and its
orders, and the provider's list of charges (unpaid, overdue, paid, cancelled) with its CSV export
(docs/decisions.md "Charges in the console").

- A charge made here is a term fee or a one-off fee, for the whole family or for one attendee (optionally tied to
  one of the attendee's bookings). It is priced by services.money.fees (`create_fee`, the one place that prices a
  fee): the family's discounts valid now (and the attendee's own) are applied and frozen on it (ChargeDiscount),
  so the client's /payments page and the invoice show the saving, and a discount changed later never changes it.
- An unpaid charge's description and due date can be corrected (with the version its form was opened with); an
  unpaid charge can be cancelled with a reason (kept on the charge; never deleted). A paid one cannot: a refund
  is a payment's business. A charge that pays an order cancels its order with it.
- An order (products, entry passes, services) gets its number, its items and the charge that pays it, like the
  demo's orders; an entry pass is made with its order (usable at once: the office sells it at the desk) and goes
  with it when an unpaid order is cancelled, unless an entry was used. Orders get no discounts (fees.py).
- "Overdue" is an unpaid charge whose due date is before the provider's local today.

Every function takes the acting StaffPrincipal and checks the money right itself; ids go through
services/people/access.py. Bad input raises FieldErrors before anything is written. Numbers (payment references,
order numbers) are taken with the provider row locked (PostgreSQL FOR UPDATE; SQLite: the caller's immediate
transaction), and unique constraints stop a duplicate in any case. Every change writes an audit row and bumps the
family's data version (the family's open pages reload). The caller commits.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, delete, func, or_, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeDiscount,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutAttemptItem,
    CheckoutStatus,
    ClassGroup,
    Discount,
    EntryPass,
    EntryPassEntry,
    Family,
    Order,
    OrderItem,
    OrderItemKind,
    OrderStatus,
    Programme,
    Provider,
    as_utc,
    utcnow,
)
from client_profile.services.errors import DomainError, FieldErrors, InvalidField
from client_profile.services.money import fees
from client_profile.services.notifications import money_notices
from client_profile.services.people import audit
from client_profile.services.people.access import (
    Capability,
    get_money_attendee,
    get_money_booking,
    get_money_charge,
    get_money_discount,
    get_money_family,
    get_money_order,
    money_charges_clause,
    parse_id,
    require_staff,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.provider_admin import parse_amount
from client_profile.services.schedule.generation import local_instant

EXPORT_PATH = "/admin/money/charges.csv"  # the CSV export (api/admin/charges.py), with the list's filters
CHARGE_KINDS = {"term": "Term fee", "one_off": "One-off fee"}
STATUSES = {"": "All", "unpaid": "Unpaid", "overdue": "Overdue", "paid": "Paid", "cancelled": "Cancelled"}
ORDER_KINDS = {
    OrderItemKind.product.value: "Product",
    OrderItemKind.entry_pass.value: "Entry pass",
    OrderItemKind.service.value: "Service",
}
DUE_DAYS = 14  # a new charge's default due date: two weeks from the provider's today
LIST_LIMIT = 200  # rows the console list shows (the export has them all)
EXPORT_LIMIT = 20_000
MAX_QUERY = 100
MAX_ORDER_ITEMS = 10
MAX_QUANTITY = 99
MAX_ENTRIES = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?$")
CHARGE_FIELDS = (
    "family_id",
    "attendee_id",
    "booking_id",
    "order_id",
    "description",
    "amount_minor",
    "currency",
    "due_on",
    "status",
    "reference",
    "vat_rate_bp",
    "cancel_reason",
    "cancelled_at",
)
DISCOUNT_FIELDS = (
    "family_id",
    "attendee_id",
    "name",
    "percent",
    "amount_minor",
    "currency",
    "valid_from",
    "valid_until",
)


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class ChargeRow:
    id: int
    family_id: int
    family: str
    who: str  # the attendee's first name, or "Whole family"
    description: str
    amount: str  # what is due, "EUR 108.00"
    full_price: str  # "EUR 120.00" when discounts were applied, else ""
    savings: str  # "Full price EUR 120.00 · Sibling discount 10% -EUR 12.00" (fees.discount_note), or ""
    due: str  # "17 Dec 2026" or ""
    due_iso: str  # for the edit form
    status: str  # unpaid | overdue | paid | cancelled
    reference: str
    order_id: int
    order_number: str
    paid_on: str
    cancel_reason: str
    version: int


@dataclass(frozen=True)
class ChargeList:
    rows: list[ChargeRow]
    count: int  # every matching charge (the list shows at most `limit`)
    due_total: str  # what the matching unpaid charges add up to
    truncated: bool


@dataclass(frozen=True)
class DiscountRow:
    id: int
    name: str
    who: str  # "Whole family" or the attendee's name
    value: str  # "10%" or "EUR 5.00"
    valid: str  # "from 1 Dec 2026 until 31 Mar 2027", "no end date"
    state: str  # active | upcoming | ended


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class FamilyMoney:
    id: int = 0
    name: str = ""
    currency: str = "EUR"
    charges: list[ChargeRow] = field(default_factory=list)
    discounts: list[DiscountRow] = field(default_factory=list)
    attendees: list[Choice] = field(default_factory=list)
    bookings: list[Choice] = field(default_factory=list)  # label names the attendee
    due_total: str = ""
    today_iso: str = ""
    default_due_iso: str = ""


@dataclass(frozen=True)
class Filters:
    status: str = ""
    query: str = ""
    due_from: date | None = None
    due_to: date | None = None


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


def _day(errors: dict[str, str], key: str, value: object, label: str) -> date | None:
    """An optional date ("" / None: none)."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    errors[key] = f"{label} must be a date, e.g. 2026-12-31."
    return None


def _amount(errors: dict[str, str], key: str, value: object, currency: str) -> int:
    try:
        return parse_amount(value, currency)
    except DomainError as exc:
        errors[key] = str(exc)
        return 0


def _whole(errors: dict[str, str], key: str, value: object, label: str, low: int, high: int) -> int:
    text = value.strip() if isinstance(value, str) else str(value) if type(value) is int else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not low <= int(text) <= high:
        errors[key] = f"{label} must be a whole number from {low} to {high}."
        return 0
    return int(text)


def _vat(errors: dict[str, str], value: object) -> int | None:
    """A VAT rate in percent ("23", "5.5"; "" = the provider's default) as basis points."""
    if value is None or value == "":
        return None
    text = value.strip().rstrip("%").strip() if isinstance(value, str) else ""
    if not _PERCENT.match(text):
        errors["vat_rate"] = "The VAT rate is a percentage like 23 or 5.5 (empty: the provider's default)."
        return None
    try:
        bp = int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern already refuses it
        bp = -1
    if not 0 <= bp <= 10_000:
        errors["vat_rate"] = "The VAT rate must be between 0 and 100 %."
        return None
    return bp


def _optional_id(value: object) -> object:
    """An optional id from a form: None for "" (none chosen); anything else is checked by access.py (junk is
    "not found")."""
    if value is None or value == "" or value == "0":
        return None
    return parse_id(value) or value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise FieldErrors(errors)


def _locked_provider(db: Session, principal: StaffPrincipal) -> Provider:
    """The provider, locked for the rest of the unit of work on PostgreSQL (numbers are taken one at a time)."""
    return db.exec(select(Provider).where(Provider.id == principal.provider_id).with_for_update()).one()


def _today(provider: Provider, now: datetime) -> date:
    return fmt.local(now, provider.timezone).date()


def _end_of_day(day: date, tz: str) -> datetime:
    """The last second of a local day: a discount "until 31 Mar" applies on 31 Mar, and the client's page says
    "until 31 Mar" (services.money.benefits shows the local date of valid_until)."""
    return local_instant(day, time(23, 59, 59), tz)


def _digits(currency: str) -> int:
    return 0 if currency.upper() in fmt.NO_MINOR_CURRENCIES else 2


def plain_amount(minor: int, currency: str) -> str:
    """12000 -> "120.00" (for a form or a spreadsheet)."""
    digits = _digits(currency)
    if not digits:
        return str(minor)
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


# ------------------------------------------------------------------------------------------------ charges


def create_charge(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    *,
    kind: object = "one_off",
    attendee_id: object = None,
    booking_id: object = None,
    description: object = "",
    amount: object = "",
    due_on: object = "",
    vat_rate: object = "",
    now: datetime | None = None,
) -> Charge:
    """A term fee or a one-off fee for the family, or for one of its attendees (optionally one of the attendee's
    bookings), priced with the discounts that apply now (fees.create_fee: applied and frozen). A term fee tied to
    a booking may leave the description empty ("<programme>, <class> - term fee")."""
    require_staff(principal, Capability.money)
    family = get_money_family(db, principal, family_id)
    errors: dict[str, str] = {}
    booking = attendee = None
    wanted_booking, wanted_attendee = _optional_id(booking_id), _optional_id(attendee_id)
    if wanted_attendee is not None:
        attendee = get_money_attendee(db, principal, family.id, wanted_attendee)
    if wanted_booking is not None:
        booking = get_money_booking(db, principal, family.id, wanted_booking)
        if attendee is None:
            attendee = db.get(Attendee, booking.attendee_id)
        elif booking.attendee_id != attendee.id:
            errors["booking_id"] = f"This booking is not {attendee.first_name}'s: choose one of theirs."
    if not isinstance(kind, str) or kind not in CHARGE_KINDS:
        errors["kind"] = "Choose a term fee or a one-off fee."
    text = _text(
        errors,
        "description",
        description,
        "Description",
        300,
        required=not (kind == "term" and booking is not None),
    )
    provider = _locked_provider(db, principal)
    currency = booking.currency if booking is not None else provider.currency
    amount_minor = _amount(errors, "amount", amount, currency)
    now = now or utcnow()
    today = _today(provider, now)
    due = _day(errors, "due_on", due_on, "The due date") or today + timedelta(days=DUE_DAYS)
    vat_bp = _vat(errors, vat_rate)
    _raise(errors)
    if kind == "term":
        if not text:
            cls, programme = db.exec(
                select(ClassGroup, Programme)
                .join(Programme, Programme.id == ClassGroup.programme_id)
                .where(ClassGroup.id == booking.class_id)
            ).one()
            text = f"{programme.name}, {cls.name}"
        if "term fee" not in text.lower():
            text = f"{text} - term fee"
    charge = fees.create_fee(
        db,
        provider_id=provider.id,
        family_id=family.id,
        attendee_id=attendee.id if attendee is not None else None,
        booking_id=booking.id if booking is not None else None,
        currency=currency,
        description=text[:300],
        full_minor=amount_minor,
        reference=fees.next_fee_reference(db, provider.id, today.year),
        due_on=due,
        now=now,
        vat_rate_bp=vat_bp,
    )
    if charge is None:
        raise InvalidField("amount", "The family's discounts cover the whole amount: nothing would be due.")
    savings = fees.savings_by_charge(db, [charge.id])[charge.id]
    note = fees.discount_note(charge.amount_minor, charge.currency, savings)
    audit.record(
        db,
        principal,
        action="charge.create",
        entity="charge",
        entity_id=charge.id,
        summary=f"{CHARGE_KINDS[kind]} {fmt.money(charge.amount_minor, charge.currency)} for the {family.name}"
        f" family: {charge.description}" + (f" ({note})" if note else ""),
        after=audit.snapshot(charge, CHARGE_FIELDS) | {"savings": [s.saving_minor for s in savings]},
        family_id=family.id,
    )
    bump_families(db, [family.id])
    money_notices.notify_charge_due(db, charge.id, now)
    return charge


def _unpaid(charge: Charge, what: str) -> None:
    if charge.status == ChargeStatus.paid:
        raise DomainError(
            f"This charge is paid, so it cannot be {what} here; a refund is made on the charge's page."
        )
    if charge.status == ChargeStatus.cancelled:
        raise DomainError(f"This charge is cancelled, so it cannot be {what}.")


def update_charge(
    db: Session,
    principal: StaffPrincipal,
    charge_id: object,
    version: object,
    *,
    description: object,
    due_on: object,
) -> Charge:
    """Correct an unpaid charge's description and due date (the amount stays: cancel it and make a new one)."""
    charge = get_money_charge(db, principal, charge_id)
    errors: dict[str, str] = {}
    text = _text(errors, "description", description, "Description", 300, required=True)
    due = _day(errors, "due_on", due_on, "The due date")
    if due is None and "due_on" not in errors:
        errors["due_on"] = "Please enter the due date."
    _raise(errors)
    _unpaid(charge, "changed")
    before = audit.snapshot(charge, CHARGE_FIELDS)
    charge.version = audit.claim_version(db, Charge, charge.id, version, "charge")
    charge.description, charge.due_on = text, due
    db.add(charge)
    db.flush()
    audit.record(
        db,
        principal,
        action="charge.update",
        entity="charge",
        entity_id=charge.id,
        summary=f"Changed charge {charge.reference}: {charge.description}, due {fmt.day_label(due)}",
        before=before,
        after=audit.snapshot(charge, CHARGE_FIELDS),
        family_id=charge.family_id,
    )
    bump_families(db, [charge.family_id])
    return charge


def _paying_online(db: Session, charge: Charge) -> bool:
    return (
        db.exec(
            select(CheckoutAttempt.id)
            .join(CheckoutAttemptItem, CheckoutAttemptItem.attempt_id == CheckoutAttempt.id)
            .where(
                CheckoutAttemptItem.charge_id == charge.id,
                CheckoutAttempt.status.in_([CheckoutStatus.open, CheckoutStatus.processing]),
            )
        ).first()
        is not None
    )


def cancel_charge(
    db: Session,
    principal: StaffPrincipal,
    charge_id: object,
    version: object,
    reason: object,
    *,
    now: datetime | None = None,
) -> Charge:
    """Cancel an unpaid charge with a reason (its order too, when it pays one). Refused for a paid or cancelled
    charge, one the family is paying online right now, and an order whose entry pass was used."""
    charge = get_money_charge(db, principal, charge_id)
    errors: dict[str, str] = {}
    why = _text(errors, "reason", reason, "Reason", 300, required=True)
    _raise(errors)
    _unpaid(charge, "cancelled")
    if _paying_online(db, charge):
        raise DomainError(
            "The family is paying this online right now (an open card payment). Try again when it has ended."
        )
    order = db.get(Order, charge.order_id) if charge.order_id is not None else None
    passes: list[int] = []
    if order is not None:
        items = select(OrderItem.id).where(OrderItem.order_id == order.id)
        passes = list(db.exec(select(EntryPass.id).where(EntryPass.order_item_id.in_(items))).all())
        used = db.exec(
            select(func.count())
            .select_from(EntryPassEntry)
            .where(EntryPassEntry.entry_pass_id.in_(passes or [0]), EntryPassEntry.returned_at.is_(None))
        ).one()
        if used:
            raise DomainError(
                f"An entry of this order's pass was used ({used}), so the order cannot be cancelled."
            )
    now = now or utcnow()
    before = audit.snapshot(charge, CHARGE_FIELDS)
    charge.version = audit.claim_version(db, Charge, charge.id, version, "charge")
    # Conditional: a payment recorded meanwhile wins, and the charge stays paid.
    changed = db.execute(
        update(Charge)
        .where(Charge.id == charge.id, Charge.status == ChargeStatus.unpaid)
        .values(status=ChargeStatus.cancelled, cancel_reason=why, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise DomainError("This charge was paid meanwhile, so it cannot be cancelled here.")
    db.refresh(charge)
    if order is not None:
        db.execute(
            update(Order)
            .where(Order.id == order.id, Order.status == OrderStatus.unpaid)
            .values(status=OrderStatus.cancelled)
            .execution_options(synchronize_session=False)
        )
        if passes:
            db.execute(delete(EntryPassEntry).where(EntryPassEntry.entry_pass_id.in_(passes)))
            db.execute(delete(EntryPass).where(EntryPass.id.in_(passes)))
    what = f"order {order.number}" if order is not None else f"charge {charge.reference}"
    audit.record(
        db,
        principal,
        action="order.cancel" if order is not None else "charge.cancel",
        entity="charge",
        entity_id=charge.id,
        summary=f"Cancelled {what} ({fmt.money(charge.amount_minor, charge.currency)}): {why}",
        before=before,
        after=audit.snapshot(charge, CHARGE_FIELDS) | ({"order_status": "cancelled"} if order else {}),
        family_id=charge.family_id,
    )
    bump_families(db, [charge.family_id])
    return charge


def cancel_order(
    db: Session,
    principal: StaffPrincipal,
    order_id: object,
    version: object,
    reason: object,
    *,
    now: datetime | None = None,
) -> Charge:
    """Cancel an unpaid order: its charge (``version`` is the charge's), and its unused entry passes."""
    order = get_money_order(db, principal, order_id)
    charge = db.exec(select(Charge).where(Charge.order_id == order.id)).first()
    if charge is None:
        raise DomainError("This order has no charge to cancel.")
    return cancel_charge(db, principal, charge.id, version, reason, now=now)


# ------------------------------------------------------------------------------------------------ listing


def parse_filters(
    status: object = "", query: object = "", due_from: object = "", due_to: object = ""
) -> Filters:
    """The list's filters from a form or a URL; InvalidField for a bad one."""
    errors: dict[str, str] = {}
    wanted = status.strip().lower() if isinstance(status, str) else ""
    if wanted not in STATUSES:
        errors["status"] = "Choose one of: " + ", ".join(v.lower() for v in STATUSES.values()) + "."
    text = " ".join(query.split())[:MAX_QUERY] if isinstance(query, str) else ""
    start = _day(errors, "due_from", due_from, "Due from")
    end = _day(errors, "due_to", due_to, "Due to")
    if start and end and end < start:
        errors["due_to"] = "Due to must not be before due from."
    _raise(errors)
    return Filters(wanted, text, start, end)


def _status(charge: Charge, today: date) -> str:
    if charge.status == ChargeStatus.unpaid and charge.due_on is not None and charge.due_on < today:
        return "overdue"
    return charge.status.value


def _charges_query(principal: StaffPrincipal, filters: Filters, today: date, family_id: int | None):
    where = [money_charges_clause(principal)]
    if family_id is not None:
        where.append(Charge.family_id == family_id)
    if filters.status == "overdue":
        where += [Charge.status == ChargeStatus.unpaid, Charge.due_on < today]
    elif filters.status:
        where.append(Charge.status == ChargeStatus(filters.status))
    if filters.query:
        where.append(func.lower(Family.name).contains(filters.query.lower(), autoescape=True))
    if filters.due_from is not None:
        where.append(Charge.due_on >= filters.due_from)
    if filters.due_to is not None:
        where.append(Charge.due_on <= filters.due_to)
    return where


def _rows(db: Session, provider: Provider, where: list, today: date, limit: int) -> list[ChargeRow]:
    found = db.exec(
        select(Charge, Family.name, Attendee.first_name, Order.number)
        .join(Family, Family.id == Charge.family_id)
        .outerjoin(Booking, Booking.id == Charge.booking_id)
        .outerjoin(Attendee, Attendee.id == func.coalesce(Booking.attendee_id, Charge.attendee_id))
        .outerjoin(Order, Order.id == Charge.order_id)
        .where(*where)
        .order_by(Charge.due_on.is_(None), Charge.due_on, Charge.id)
        .limit(limit)
    ).all()
    savings = fees.savings_by_charge(db, [r[0].id for r in found])
    tz = provider.timezone
    rows = []
    for charge, family_name, first_name, order_number in found:
        saved = savings[charge.id]
        rows.append(
            ChargeRow(
                id=charge.id,
                family_id=charge.family_id,
                family=family_name,
                who=first_name or "Whole family",
                description=charge.description,
                amount=fmt.money(charge.amount_minor, charge.currency),
                full_price=fmt.money(
                    charge.amount_minor + sum(s.saving_minor for s in saved), charge.currency
                )
                if saved
                else "",
                savings=fees.discount_note(charge.amount_minor, charge.currency, saved),
                due=fmt.day_label(charge.due_on) if charge.due_on else "",
                due_iso=charge.due_on.isoformat() if charge.due_on else "",
                status=_status(charge, today),
                reference=charge.reference,
                order_id=charge.order_id or 0,
                order_number=order_number or "",
                paid_on=fmt.day_label(fmt.local(charge.paid_at, tz).date()) if charge.paid_at else "",
                cancel_reason=charge.cancel_reason,
                version=charge.version,
            )
        )
    return rows


def list_charges(
    db: Session,
    principal: StaffPrincipal,
    filters: Filters | None = None,
    *,
    family_id: int | None = None,
    limit: int = LIST_LIMIT,
    now: datetime | None = None,
) -> ChargeList:
    """The provider's charges matching the filters, earliest due first (three queries)."""
    require_staff(principal, Capability.money)
    filters = filters or Filters()
    provider = db.get(Provider, principal.provider_id)
    today = _today(provider, now or utcnow())
    where = _charges_query(principal, filters, today, family_id)
    count, due = db.exec(
        select(
            func.count(Charge.id),
            func.coalesce(
                func.sum(case((Charge.status == ChargeStatus.unpaid, Charge.amount_minor), else_=0)), 0
            ),
        )
        .join(Family, Family.id == Charge.family_id)
        .where(*where)
    ).one()
    size = max(1, min(int(limit), EXPORT_LIMIT))
    rows = _rows(db, provider, where, today, size)
    return ChargeList(rows, int(count), fmt.money(int(due), provider.currency), int(count) > len(rows))


# ------------------------------------------------------------------------------------------------ CSV export

CSV_HEADER = (
    "Reference",
    "Family",
    "For",
    "Description",
    "Amount",
    "Currency",
    "Full price",
    "Discounts",
    "Due",
    "Status",
    "Order",
    "Paid on",
    "Cancel reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab / carriage return) would be run as
    a formula, so it gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(
    db: Session, principal: StaffPrincipal, filters: Filters, *, now: datetime | None = None
) -> str:
    """The charges matching the filters as CSV (UTF-8 text, one header row), every cell formula-safe."""
    require_staff(principal, Capability.money)
    provider = db.get(Provider, principal.provider_id)
    today = _today(provider, now or utcnow())
    where = _charges_query(principal, filters, today, None)
    charges = db.exec(
        select(Charge, Family.name, Attendee.first_name, Attendee.last_name, Order.number)
        .join(Family, Family.id == Charge.family_id)
        .outerjoin(Booking, Booking.id == Charge.booking_id)
        .outerjoin(Attendee, Attendee.id == func.coalesce(Booking.attendee_id, Charge.attendee_id))
        .outerjoin(Order, Order.id == Charge.order_id)
        .where(*where)
        .order_by(Charge.due_on.is_(None), Charge.due_on, Charge.id)
        .limit(EXPORT_LIMIT)
    ).all()
    savings = fees.savings_by_charge(db, [r[0].id for r in charges])
    audit.record(
        db,
        principal,
        action="charge.export",
        entity="charge",
        entity_id=None,
        summary=f"Exported {len(charges)} charges as CSV"
        + (f" ({filters.status})" if filters.status else "")
        + (f', family "{filters.query}"' if filters.query else ""),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for charge, family_name, first, last, order_number in charges:
        saved = savings[charge.id]
        full = charge.amount_minor + sum(s.saving_minor for s in saved)
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    charge.reference,
                    family_name,
                    _name(first, last) or "Whole family",
                    charge.description,
                    plain_amount(charge.amount_minor, charge.currency),
                    charge.currency,
                    plain_amount(full, charge.currency) if saved else "",
                    "; ".join(f"{s.name} {plain_amount(-s.saving_minor, charge.currency)}" for s in saved),
                    charge.due_on.isoformat() if charge.due_on else "",
                    _status(charge, today),
                    order_number or "",
                    fmt.local(charge.paid_at, provider.timezone).date().isoformat() if charge.paid_at else "",
                    charge.cancel_reason,
                )
            ]
        )
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ discounts


def _discount_state(d: Discount, now: datetime) -> str:
    if d.valid_until is not None and as_utc(d.valid_until) <= now:
        return "ended"
    if d.valid_from is not None and as_utc(d.valid_from) > now:
        return "upcoming"
    return "active"


def create_discount(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    *,
    attendee_id: object = None,
    name: object = "",
    kind: object = "percent",
    value: object = "",
    valid_from: object = "",
    valid_until: object = "",
    now: datetime | None = None,
) -> Discount:
    """A discount for the whole family or one attendee: a percentage (1-100) or an amount, valid from a day (empty:
    now) until a day, that day included (empty: no end). It applies to fees made while it is valid."""
    require_staff(principal, Capability.money)
    family = get_money_family(db, principal, family_id)
    wanted = _optional_id(attendee_id)
    attendee = get_money_attendee(db, principal, family.id, wanted) if wanted is not None else None
    provider = db.get(Provider, principal.provider_id)
    now = now or utcnow()
    today = _today(provider, now)
    errors: dict[str, str] = {}
    title = _text(errors, "name", name, "Name", 200, required=True)
    percent = amount_minor = None
    if kind == "percent":
        percent = _whole(errors, "value", value, "The percentage", 1, 100)
    elif kind == "amount":
        amount_minor = _amount(errors, "value", value, provider.currency)
    else:
        errors["kind"] = "Choose a percentage or an amount."
    start = _day(errors, "valid_from", valid_from, "Valid from")
    end = _day(errors, "valid_until", valid_until, "Valid until")
    if end is not None and end < today:
        errors["valid_until"] = "The last day must not be in the past."
    elif end is not None and start is not None and end < start:
        errors["valid_until"] = "The last day must not be before the first."
    _raise(errors)
    discount = Discount(
        provider_id=provider.id,
        family_id=family.id,
        attendee_id=attendee.id if attendee is not None else None,
        name=title,
        percent=percent,
        amount_minor=amount_minor,
        currency=provider.currency,
        valid_from=local_instant(start, time(0, 0), provider.timezone) if start is not None else None,
        valid_until=_end_of_day(end, provider.timezone) if end is not None else None,
        created_at=now,
    )
    db.add(discount)
    db.flush()
    who = attendee.first_name if attendee is not None else "the whole family"
    audit.record(
        db,
        principal,
        action="discount.create",
        entity="discount",
        entity_id=discount.id,
        summary=f"Discount {title} ({_value(discount)}) for {who} of the {family.name} family",
        after=audit.snapshot(discount, DISCOUNT_FIELDS),
        family_id=family.id,
    )
    bump_families(db, [family.id])
    return discount


def _value(d: Discount) -> str:
    return f"{d.percent}%" if d.percent is not None else fmt.money(d.amount_minor or 0, d.currency)


def end_discount(
    db: Session, principal: StaffPrincipal, discount_id: object, *, now: datetime | None = None
) -> Discount:
    """End a discount now: fees made from now on no longer get it (the fees that got it keep their saving). A
    discount that has not started yet is deleted instead."""
    discount = get_money_discount(db, principal, discount_id)
    now = now or utcnow()
    state = _discount_state(discount, now)
    if state == "ended":
        raise DomainError("This discount has already ended.")
    if state == "upcoming":
        raise DomainError("This discount has not started yet: delete it instead.")
    before = audit.snapshot(discount, DISCOUNT_FIELDS)
    changed = db.execute(
        update(Discount)
        .where(
            Discount.id == discount.id,
            or_(Discount.valid_until.is_(None), Discount.valid_until > now),
        )
        .values(valid_until=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise DomainError("This discount has already ended.")
    db.refresh(discount)
    audit.record(
        db,
        principal,
        action="discount.end",
        entity="discount",
        entity_id=discount.id,
        summary=f"Ended the discount {discount.name}",
        before=before,
        after=audit.snapshot(discount, DISCOUNT_FIELDS),
        family_id=discount.family_id,
    )
    bump_families(db, [discount.family_id])
    return discount


def delete_discount(db: Session, principal: StaffPrincipal, discount_id: object) -> Discount:
    """Delete a discount (entered by mistake). The fees that got it keep their saving (ChargeDiscount is frozen:
    its link to the discount becomes empty)."""
    discount = get_money_discount(db, principal, discount_id)
    before = audit.snapshot(discount, DISCOUNT_FIELDS)
    db.execute(
        update(ChargeDiscount)
        .where(ChargeDiscount.discount_id == discount.id)
        .values(discount_id=None)
        .execution_options(synchronize_session=False)
    )
    gone = db.execute(delete(Discount).where(Discount.id == discount.id)).rowcount
    if gone != 1:  # pragma: no cover - a concurrent delete: the row was there a moment ago
        raise DomainError("This discount was deleted meanwhile.")
    audit.record(
        db,
        principal,
        action="discount.delete",
        entity="discount",
        entity_id=discount.id,
        summary=f"Deleted the discount {discount.name}",
        before=before,
        family_id=discount.family_id,
    )
    bump_families(db, [discount.family_id])
    return discount


# ------------------------------------------------------------------------------------------------ orders


def create_order(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    lines: list[dict],
    *,
    due_on: object = "",
    now: datetime | None = None,
) -> Order:
    """An unpaid order for the family with its items and the charge that pays it (its total, no discounts). Each
    line: kind (product, entry_pass, service), description, quantity, price (a unit's, VAT included); an entry
    pass also entries (per pass) and valid_until (its last day). Lines without a description are skipped. A field
    of line n is refused as "item<n>_<field>"."""
    require_staff(principal, Capability.money)
    family = get_money_family(db, principal, family_id)
    provider = _locked_provider(db, principal)
    now = now or utcnow()
    today = _today(provider, now)
    errors: dict[str, str] = {}
    if not isinstance(lines, list):
        lines = []
    wanted: list[tuple[OrderItemKind, str, int, int, int, date | None]] = []
    for n, line in enumerate(lines[:MAX_ORDER_ITEMS], start=1):
        if not isinstance(line, dict):
            continue
        key = f"item{n}_"
        text = _text(errors, key + "description", line.get("description"), "Description", 300, required=False)
        if not text and key + "description" not in errors:
            continue
        kind = line.get("kind")
        if not isinstance(kind, str) or kind not in ORDER_KINDS:
            errors[key + "kind"] = "Choose a product, an entry pass or a service."
            continue
        quantity = _whole(errors, key + "quantity", line.get("quantity") or "1", "Quantity", 1, MAX_QUANTITY)
        price = _amount(errors, key + "price", line.get("price"), provider.currency)
        entries, until = 0, None
        if kind == OrderItemKind.entry_pass.value:
            entries = _whole(errors, key + "entries", line.get("entries"), "Entries", 1, MAX_ENTRIES)
            until = _day(errors, key + "valid_until", line.get("valid_until"), "Valid until")
            if until is None and key + "valid_until" not in errors:
                errors[key + "valid_until"] = "Please enter the pass's last day."
            elif until is not None and until < today:
                errors[key + "valid_until"] = "The pass's last day must not be in the past."
        wanted.append((OrderItemKind(kind), text, quantity, price, entries, until))
    if not wanted and not errors:
        errors["item1_description"] = "Please describe at least one item."
    due = _day(errors, "due_on", due_on, "The due date") or today + timedelta(days=DUE_DAYS)
    _raise(errors)
    total = sum(q * p for _, _, q, p, _, _ in wanted)
    order = Order(
        provider_id=provider.id,
        family_id=family.id,
        number=fees.next_order_number(db, provider.id, today.year),
        status=OrderStatus.unpaid,
        total_minor=total,
        currency=provider.currency,
        created_at=now,
    )
    db.add(order)
    db.flush()
    items = [
        OrderItem(order_id=order.id, kind=k, description=d, quantity=q, unit_price_minor=p)
        for k, d, q, p, _, _ in wanted
    ]
    db.add_all(items)
    db.flush()
    for item, (kind, text, quantity, _, entries, until) in zip(items, wanted, strict=True):
        if kind == OrderItemKind.entry_pass:
            db.add(
                EntryPass(
                    provider_id=provider.id,
                    family_id=family.id,
                    order_item_id=item.id,
                    name=text[:200],
                    entries_total=entries * quantity,
                    valid_from=now,
                    expires_at=_end_of_day(until, provider.timezone),
                    created_at=now,
                )
            )
    charge = Charge(
        provider_id=provider.id,
        family_id=family.id,
        order_id=order.id,
        description=" + ".join(d for _, d, *_ in wanted)[:300],
        amount_minor=total,
        currency=provider.currency,
        due_on=due,
        status=ChargeStatus.unpaid,
        reference=fees.next_fee_reference(db, provider.id, today.year),
        created_at=now,
    )
    db.add(charge)
    db.flush()
    audit.record(
        db,
        principal,
        action="order.create",
        entity="order",
        entity_id=order.id,
        summary=f"Order {order.number} ({fmt.money(total, order.currency)}) for the {family.name} family: "
        + ", ".join(f"{q} x {d}" for _, d, q, *_ in wanted),
        after={
            "number": order.number,
            "total_minor": total,
            "charge_id": charge.id,
            "reference": charge.reference,
        },
        family_id=family.id,
    )
    bump_families(db, [family.id])
    money_notices.notify_charge_due(db, charge.id, now)
    return order


# ------------------------------------------------------------------------------------------------ one family


def family_money(
    db: Session, principal: StaffPrincipal, family_id: object, *, now: datetime | None = None
) -> FamilyMoney:
    """The family's money page: its charges (all of them), discounts, and the choices its forms offer."""
    family = get_money_family(db, principal, family_id)
    provider = db.get(Provider, principal.provider_id)
    now = now or utcnow()
    today = _today(provider, now)
    listed = list_charges(db, principal, family_id=family.id, limit=500, now=now)
    # What is still due first (earliest due first), then the history (the newest first).
    due_rows = [r for r in listed.rows if r.status in ("unpaid", "overdue")]
    history = [r for r in reversed(listed.rows) if r.status not in ("unpaid", "overdue")]
    attendees = db.exec(select(Attendee).where(Attendee.family_id == family.id).order_by(Attendee.id)).all()
    names = {a.id: _name(a.first_name, a.last_name) for a in attendees}
    bookings = db.exec(
        select(Booking, ClassGroup.name, Programme.name)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Booking.attendee_id.in_(list(names) or [0]), Booking.provider_id == provider.id)
        .order_by(Booking.starts_on.desc(), Booking.id.desc())
    ).all()
    discounts = db.exec(select(Discount).where(Discount.family_id == family.id).order_by(Discount.id)).all()
    tz = provider.timezone
    by_state: dict[str, list[DiscountRow]] = defaultdict(list)
    for d in discounts:
        state = _discount_state(d, now)
        start = f"from {fmt.day_label(fmt.local(d.valid_from, tz).date())}" if d.valid_from else ""
        end = (
            f"until {fmt.day_label(fmt.local(d.valid_until, tz).date())}" if d.valid_until else "no end date"
        )
        by_state[state].append(
            DiscountRow(
                d.id,
                d.name,
                names.get(d.attendee_id, "Whole family") if d.attendee_id else "Whole family",
                _value(d),
                f"{start} {end}".strip(),
                state,
            )
        )
    return FamilyMoney(
        id=family.id,
        name=family.name,
        currency=provider.currency,
        charges=due_rows + history,
        discounts=by_state["active"] + by_state["upcoming"] + by_state["ended"],
        attendees=[Choice(str(a.id), names[a.id]) for a in attendees],
        bookings=[
            Choice(str(b.id), f"{names.get(b.attendee_id, '')}: {programme}, {cls}")
            for b, cls, programme in bookings
        ],
        due_total=listed.due_total,
        today_iso=today.isoformat(),
        default_due_iso=(today + timedelta(days=DUE_DAYS)).isoformat(),
    )
