"""The console's money-in side (Capability.money): one charge with its payments, refunds and documents; recording
a payment received at the desk or by transfer; refunds with credit notes; a family's prepaid credit (top-ups
received at the desk, corrections).

Rules:
- Every id is checked through services/people/access.py (`get_money_charge`, `get_money_family`): another
  provider's object, a missing one and a malformed id look the same.
- A payment is recorded through payments.record_payment_received, the path the CLI `paid` takes: the charge
  turns paid once (a conditional UPDATE), so two clerks, or a clerk and the Stripe webhook, make one payment
  and one set of documents.
- A refund is booked by one conditional UPDATE of the payment (`refunded_minor + amount <= amount_minor`, and
  the check constraint ck_payment_refunded), so concurrent refunds can never add up to more than was paid. A
  card payment made online is refunded through Stripe after that booking, outside any transaction, with the
  idempotency key `refund-<refund id>`; a refusal gives the amount back. Every refund gets a credit note.
- Credit: a top-up is money received (an order of one credit_top_up item, paid through the same path: its
  ledger entry and receipt come from there); a correction is an `adjustment` entry with a reason, and the
  balance never goes below zero (the family row is locked while the balance is checked).
- Every change writes an audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from sqlalchemy import func, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.db import unit_of_work
from client_profile.integrations.stripe_gateway import GatewayError, GatewayRefused, StripeGateway
from client_profile.integrations.stripe_gateway import gateway as configured_gateway
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeStatus,
    CheckoutAttempt,
    CreditEntry,
    CreditKind,
    Family,
    Invoice,
    InvoiceKind,
    Order,
    OrderItem,
    OrderItemKind,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Provider,
    Refund,
    RefundStatus,
    utcnow,
)
from client_profile.services.errors import DomainError, FieldErrors, InvalidField, NotFound
from client_profile.services.money import billing, credit, fees, payments
from client_profile.services.people import audit
from client_profile.services.people.access import (
    get_money_charge,
    get_money_family,
    is_id,
    money_charges_clause,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.provider_admin import parse_amount, parse_day

UnitOfWork = Callable[[], AbstractContextManager[Session]]
WRITE_UOW: UnitOfWork = partial(unit_of_work, immediate=True)
CONFIGURED = "configured"

# What the console offers when money comes in (value, label).
RECEIVED_METHODS = (
    (PaymentMethod.cash.value, "Cash"),
    (PaymentMethod.bank_transfer.value, "Bank transfer"),
    (PaymentMethod.card.value, "Card at the desk"),
)
MAX_REASON = 300


def staff_document_url(doc_id: int | None) -> str:
    """Where staff download a document (api/admin/documents.py; the staff session decides)."""
    return f"/admin/documents/{doc_id}.pdf" if doc_id else ""


# ------------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PaymentRow:
    id: int
    method: str  # "Cash", "Card (online)", ...
    amount: str
    received_on: str
    refunded: str  # "" or "EUR 10.00"
    refundable: str  # what may still be refunded ("EUR 35.00"), "" when nothing
    refundable_value: str  # the same as the amount field takes ("35.00")
    online: bool  # paid through Stripe: a refund goes back to the card


@dataclass(frozen=True)
class RefundRow:
    id: int
    amount: str
    method: str
    status: str  # pending | succeeded | failed
    reason: str
    when: str
    by: str
    credit_note_number: str
    credit_note_url: str


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str  # Invoice | Receipt | Credit note
    number: str
    issued: str
    total: str
    url: str


@dataclass
class ChargeDetail:
    id: int
    family_id: int
    family_name: str
    attendee: str
    description: str
    amount: str
    amount_value: str  # "45.00"
    full_price: str  # "" without savings
    savings: list[tuple[str, str]]  # (discount name, "-EUR 5.00"), frozen with the charge
    due: str
    status: str  # unpaid | paid | refunded | cancelled
    reference: str
    paid_on: str
    refunded_total: str
    payments: list[PaymentRow] = field(default_factory=list)
    refunds: list[RefundRow] = field(default_factory=list)
    documents: list[DocumentRow] = field(default_factory=list)


def _amount_value(minor: int, currency: str) -> str:
    if currency.upper() in fmt.NO_MINOR_CURRENCIES:
        return str(minor)
    return f"{minor // 100}.{minor % 100:02d}"


def _day(when: datetime | None, tz: str) -> str:
    return fmt.day_label(fmt.local(when, tz).date()) if when else ""


def _at_desk(payment: Payment) -> bool:
    """A card payment taken on the provider's own terminal (record_payment_received), not through Stripe."""
    return payment.method == PaymentMethod.card and (payment.gateway_id or "").startswith("desk-card:")


def charge_detail(db: Session, principal: StaffPrincipal, charge_id: object) -> ChargeDetail:
    charge = get_money_charge(db, principal, charge_id)
    provider = db.get(Provider, charge.provider_id)
    tz = provider.timezone
    family = db.get(Family, charge.family_id)
    attendee = ""
    if charge.booking_id is not None:
        row = db.exec(
            select(Attendee.first_name, Attendee.last_name)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id == charge.booking_id)
        ).first()
        attendee = f"{row[0]} {row[1]}".strip() if row else ""
    savings = fees.savings_by_charge(db, [charge.id])[charge.id]
    cur = charge.currency
    pays = db.exec(
        select(Payment)
        .where(Payment.charge_id == charge.id, Payment.status == PaymentStatus.succeeded)
        .order_by(Payment.succeeded_at, Payment.id)
    ).all()
    docs = db.exec(select(Invoice).where(Invoice.charge_id == charge.id).order_by(Invoice.id)).all()
    notes = {d.refund_id: d for d in docs if d.refund_id is not None}
    refunds = db.exec(select(Refund).where(Refund.charge_id == charge.id).order_by(Refund.id)).all()
    names = {r.staff_id: audit.staff_name(db, r.staff_id) for r in refunds if r.staff_id}
    refunded = sum(p.refunded_minor for p in pays)
    return ChargeDetail(
        id=charge.id,
        family_id=charge.family_id,
        family_name=family.name if family else "",
        attendee=attendee or "Whole family",
        description=charge.description,
        amount=fmt.money(charge.amount_minor, cur),
        amount_value=_amount_value(charge.amount_minor, cur),
        full_price=fmt.money(charge.amount_minor + sum(s.saving_minor for s in savings), cur)
        if savings
        else "",
        savings=[(s.name, fmt.money(-s.saving_minor, cur)) for s in savings],
        due=fmt.day_label(charge.due_on) if charge.due_on else "",
        status=charge.status.value,
        reference=charge.reference,
        paid_on=_day(charge.paid_at, tz),
        refunded_total=fmt.money(refunded, cur) if refunded else "",
        payments=[
            PaymentRow(
                id=p.id,
                method="Card at the desk"
                if _at_desk(p)
                else billing.METHOD_LABEL.get(p.method, p.method.value),
                amount=fmt.money(p.amount_minor, p.currency),
                received_on=_day(p.succeeded_at or p.created_at, tz),
                refunded=fmt.money(p.refunded_minor, p.currency) if p.refunded_minor else "",
                refundable=fmt.money(p.amount_minor - p.refunded_minor, p.currency)
                if p.amount_minor > p.refunded_minor
                else "",
                refundable_value=_amount_value(p.amount_minor - p.refunded_minor, p.currency),
                online=p.method == PaymentMethod.card and not _at_desk(p),
            )
            for p in pays
        ],
        refunds=[
            RefundRow(
                id=r.id,
                amount=fmt.money(r.amount_minor, r.currency),
                method=billing.METHOD_LABEL.get(r.method, r.method.value),
                status=r.status.value,
                reason=r.reason,
                when=_day(r.completed_at or r.created_at, tz),
                by=names.get(r.staff_id, ""),
                credit_note_number=notes[r.id].number if r.id in notes else "",
                credit_note_url=staff_document_url(notes[r.id].id if r.id in notes else None),
            )
            for r in refunds
        ],
        documents=[
            DocumentRow(
                id=d.id,
                title=billing.TITLE[d.kind],
                number=d.number,
                issued=_day(d.issued_at, tz),
                total=fmt.money(
                    -d.total_minor if d.kind == InvoiceKind.credit_note else d.total_minor, d.currency
                ),
                url=staff_document_url(d.id),
            )
            for d in docs
        ],
    )


# ------------------------------------------------------------------------------------------ money received


@dataclass(frozen=True)
class PaymentRecorded:
    charge_id: int
    amount: str
    method: str
    documents: list[str]


def _method(value: object, name: str = "method") -> PaymentMethod:
    allowed = {m for m, _ in RECEIVED_METHODS}
    if not isinstance(value, str) or value not in allowed:
        raise InvalidField(name, "Choose how the money came in: cash, bank transfer or card at the desk.")
    return PaymentMethod(value)


def _received_on(value: object, provider: Provider, now: datetime) -> date:
    try:
        day = parse_day(value, "date received")
    except DomainError:
        raise InvalidField("received_on", "Give the date the money came in (YYYY-MM-DD).") from None
    if day > payments.today_for(provider, now):
        raise InvalidField("received_on", "The money cannot have come in after today.")
    return day


def record_payment(
    db: Session,
    principal: StaffPrincipal,
    charge_id: object,
    method: object,
    received_on: object,
    now: datetime | None = None,
) -> PaymentRecorded:
    """The office received the whole amount of an unpaid charge: cash, a card terminal, or a bank transfer
    (matched by the charge's own reference). Exactly once; audited."""
    now = now or utcnow()
    charge = get_money_charge(db, principal, charge_id)
    provider = db.get(Provider, charge.provider_id)
    errors: dict[str, str] = {}
    try:
        how = _method(method)
    except InvalidField as exc:
        errors.update(exc.fields)
    try:
        day = _received_on(received_on, provider, now)
    except InvalidField as exc:
        errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    if charge.status != ChargeStatus.unpaid:
        raise DomainError(f"This charge is {charge.status.value} already; nothing was recorded.")
    key = charge.reference if how == PaymentMethod.bank_transfer else charge.id
    done = payments.record_payment_received(db, key, charge.amount_minor, day, now, method=how)
    if done.charge_ids != (charge.id,):  # a reference shared with another item: never pay more than asked
        raise DomainError("This reference pays other items too; record the transfer from the money list.")
    label = dict(RECEIVED_METHODS)[how.value]
    audit.record(
        db,
        principal,
        action="payment.record",
        entity="charge",
        entity_id=charge.id,
        family_id=charge.family_id,
        summary=f"{label} {done.amount} received on {fmt.day_label(day)} for {charge.description}",
        after={
            "method": how.value,
            "amount_minor": charge.amount_minor,
            "received_on": day,
            "documents": done.documents,
        },
        now=now,
    )
    return PaymentRecorded(charge.id, done.amount, label, done.documents)


# ------------------------------------------------------------------------------------------------ refunds


@dataclass(frozen=True)
class RefundDone:
    refund_id: int
    charge_id: int
    amount: str
    credit_note: str  # its number ("" when invoicing is off)
    fully_refunded: bool
    online: bool


def _payment_of(db: Session, principal: StaffPrincipal, payment_id: object) -> tuple[Payment, Charge]:
    clause = money_charges_clause(principal)
    row = (
        db.exec(
            select(Payment, Charge)
            .join(Charge, Charge.id == Payment.charge_id)
            .where(Payment.id == payment_id, clause)
        ).first()
        if is_id(payment_id)
        else None
    )
    if row is None:
        raise NotFound("payment")
    return row[0], row[1]


def _finish_refund(
    db: Session, principal: StaffPrincipal, refund: Refund, gateway_id: str | None, now: datetime
) -> RefundDone:
    """pending -> succeeded once: the credit note, the charge refunded when nothing paid is left, the audit
    row. Money refunded from prepaid credit goes back to the family's credit."""
    won = db.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.pending)
        .values(status=RefundStatus.succeeded, gateway_id=gateway_id, completed_at=now)
    ).rowcount
    if not won:
        raise DomainError("This refund was finished already.")
    payment = db.get(Payment, refund.payment_id)
    charge = db.get(Charge, refund.charge_id)
    provider = db.get(Provider, charge.provider_id)
    if refund.method == PaymentMethod.credit:
        db.add(
            CreditEntry(
                provider_id=charge.provider_id,
                family_id=charge.family_id,
                kind=CreditKind.refund,
                amount_minor=refund.amount_minor,
                currency=refund.currency,
                description=f"Refund: {charge.description}",
                charge_id=charge.id,
                created_at=now,
            )
        )
    note = billing.issue_credit_note(db, provider, charge, payment, refund, when=now)
    left = db.exec(
        select(func.coalesce(func.sum(Payment.amount_minor - Payment.refunded_minor), 0)).where(
            Payment.charge_id == charge.id, Payment.status == PaymentStatus.succeeded
        )
    ).one()
    fully = left <= 0
    if fully:
        db.execute(
            update(Charge)
            .where(Charge.id == charge.id, Charge.status == ChargeStatus.paid)
            .values(status=ChargeStatus.refunded)
        )
    bump_families(db, [charge.family_id])
    amount = fmt.money(refund.amount_minor, refund.currency)
    audit.record(
        db,
        principal,
        action="refund.record",
        entity="charge",
        entity_id=charge.id,
        family_id=charge.family_id,
        summary=f"Refunded {amount} ({billing.METHOD_LABEL.get(refund.method, '')}) of {charge.description}"
        + (f": {refund.reason}" if refund.reason else ""),
        after={
            "refund_id": refund.id,
            "amount_minor": refund.amount_minor,
            "gateway_id": gateway_id,
            "credit_note": note.number if note else "",
            "charge_status": ChargeStatus.refunded.value if fully else charge.status.value,
        },
        now=now,
    )
    return RefundDone(
        refund.id, charge.id, amount, note.number if note else "", fully, gateway_id is not None
    )


def refund_payment(
    principal: StaffPrincipal,
    payment_id: object,
    amount: object,
    reason: object,
    *,
    uow: UnitOfWork = WRITE_UOW,
    gateway: StripeGateway | None | str = CONFIGURED,
    now: datetime | None = None,
) -> RefundDone:
    """Refunds `amount` ("12.50") of a succeeded payment. Opens its own transactions (a card refund calls
    Stripe between two of them, never inside one)."""
    now = now or utcnow()
    text = reason.strip() if isinstance(reason, str) else ""
    with uow() as db:
        payment, charge = _payment_of(db, principal, payment_id)
        errors: dict[str, str] = {}
        try:
            minor = parse_amount(amount, charge.currency)
        except DomainError as exc:
            errors["amount"] = str(exc)
            minor = 0
        if not text:
            errors["reason"] = "Say why the money is given back (the credit note and the audit log show it)."
        elif len(text) > MAX_REASON:
            errors["reason"] = f"The reason is at most {MAX_REASON} characters."
        if errors:
            raise FieldErrors(errors)
        if payment.status != PaymentStatus.succeeded or charge.status not in (
            ChargeStatus.paid,
            ChargeStatus.refunded,
        ):
            raise DomainError("Only money that was received can be refunded.")
        if credit.is_credit_top_up(db, charge):
            raise DomainError(
                "This payment bought prepaid credit: correct the family's credit instead (Credit, a correction)."
            )
        booked = db.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.refunded_minor + minor <= Payment.amount_minor)
            .values(refunded_minor=Payment.refunded_minor + minor)
        ).rowcount
        if not booked:
            db.refresh(payment)
            left = payment.amount_minor - payment.refunded_minor
            raise InvalidField(
                "amount",
                f"At most {fmt.money(left, payment.currency)} of this payment can still be refunded."
                if left > 0
                else "This payment has been refunded in full already.",
            )
        refund = Refund(
            provider_id=charge.provider_id,
            charge_id=charge.id,
            payment_id=payment.id,
            amount_minor=minor,
            currency=payment.currency,
            method=payment.method,
            reason=text,
            staff_id=principal.staff_id,
            created_at=now,
        )
        db.add(refund)
        db.flush()
        intent = None
        if payment.method == PaymentMethod.card and not _at_desk(payment):
            attempt = (
                db.get(CheckoutAttempt, payment.checkout_attempt_id) if payment.checkout_attempt_id else None
            )
            intent = attempt.payment_intent_id if attempt else None
            if not intent:
                raise DomainError(
                    "This card payment's Stripe payment is not known here; refund it in Stripe's dashboard."
                )
        if intent is None:  # cash, a transfer, a desk terminal, prepaid credit: recorded here
            return _finish_refund(db, principal, refund, None, now)
        refund_id = refund.id
    return _send_refund(principal, refund_id, intent, uow, gateway, now)


def _send_refund(
    principal: StaffPrincipal,
    refund_id: int,
    intent: str,
    uow: UnitOfWork,
    gateway: StripeGateway | None | str,
    now: datetime,
) -> RefundDone:
    """Asks Stripe for a booked (pending) card refund, with the key `refund-<id>` (sent again, it is the same
    refund at Stripe), outside any transaction. Stripe's refusal gives the amount back (failed); no answer
    leaves the refund pending, to be sent again (resend_refund); success finishes it."""
    gw = configured_gateway() if gateway == CONFIGURED else gateway
    try:
        if gw is None:
            raise GatewayRefused("Stripe is not configured")
        gateway_id = gw.refund(intent, _pending_amount(uow, refund_id), idempotency_key=f"refund-{refund_id}")
    except GatewayRefused:
        with uow() as db:
            refund = db.get(Refund, refund_id)
            failed = db.execute(
                update(Refund)
                .where(Refund.id == refund_id, Refund.status == RefundStatus.pending)
                .values(status=RefundStatus.failed, completed_at=utcnow())
            ).rowcount
            if failed:
                db.execute(
                    update(Payment)
                    .where(Payment.id == refund.payment_id)
                    .values(refunded_minor=Payment.refunded_minor - refund.amount_minor)
                )
                charge = db.get(Charge, refund.charge_id)
                audit.record(
                    db,
                    principal,
                    action="refund.failed",
                    entity="charge",
                    entity_id=charge.id,
                    family_id=charge.family_id,
                    summary=f"Stripe refused to refund {fmt.money(refund.amount_minor, refund.currency)} of "
                    f"{charge.description}",
                    after={"refund_id": refund_id},
                    now=now,
                )
        raise DomainError(
            "Stripe refused the refund, so nothing was refunded. Refund it in Stripe's dashboard if it must be "
            "done, and tell the family."
        ) from None
    except GatewayError:
        raise DomainError(
            "Stripe did not answer, so it is not known whether the refund was made. It stays pending: send it "
            "again later from this page (Stripe never makes it twice)."
        ) from None
    with uow() as db:
        return _finish_refund(db, principal, db.get(Refund, refund_id), gateway_id, now)


def _pending_amount(uow: UnitOfWork, refund_id: int) -> int:
    with uow() as db:
        return db.get(Refund, refund_id).amount_minor


def resend_refund(
    principal: StaffPrincipal,
    refund_id: object,
    *,
    uow: UnitOfWork = WRITE_UOW,
    gateway: StripeGateway | None | str = CONFIGURED,
    now: datetime | None = None,
) -> RefundDone:
    """Sends a pending refund again (Stripe did not answer the first time); one that was not for Stripe, or was
    left pending by a crash, is finished. Same idempotency key: never a second refund at Stripe."""
    now = now or utcnow()
    with uow() as db:
        clause = money_charges_clause(principal)
        refund = (
            db.exec(
                select(Refund)
                .join(Charge, Charge.id == Refund.charge_id)
                .where(Refund.id == refund_id, clause)
            ).first()
            if is_id(refund_id)
            else None
        )
        if refund is None:
            raise NotFound("refund")
        if refund.status != RefundStatus.pending:
            raise DomainError(f"This refund is {refund.status.value} already.")
        payment = db.get(Payment, refund.payment_id)
        intent = None
        if payment.method == PaymentMethod.card and not _at_desk(payment):
            attempt = (
                db.get(CheckoutAttempt, payment.checkout_attempt_id) if payment.checkout_attempt_id else None
            )
            intent = attempt.payment_intent_id if attempt else None
        if not intent:
            return _finish_refund(db, principal, refund, None, now)
        rid = refund.id
    return _send_refund(principal, rid, intent, uow, gateway, now)


# ------------------------------------------------------------------------------------------------- credit


@dataclass(frozen=True)
class CreditRow:
    id: int
    day: str
    kind: str  # top_up | use | refund | adjustment
    description: str
    amount: str
    incoming: bool
    receipt_number: str
    receipt_url: str


@dataclass
class CreditView:
    family_id: int
    family_name: str
    balance: str
    balance_minor: int
    currency: str
    ledger: list[CreditRow] = field(default_factory=list)


def _balance(db: Session, family_id: int) -> int:
    return db.exec(
        select(func.coalesce(func.sum(CreditEntry.amount_minor), 0)).where(CreditEntry.family_id == family_id)
    ).one()


def credit_view(db: Session, principal: StaffPrincipal, family_id: object) -> CreditView:
    family = get_money_family(db, principal, family_id)
    provider = db.get(Provider, family.provider_id)
    entries = db.exec(
        select(CreditEntry)
        .where(CreditEntry.family_id == family.id)
        .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
    ).all()
    charge_ids = [e.charge_id for e in entries if e.kind == CreditKind.top_up and e.charge_id]
    receipts = (
        {
            d.charge_id: d
            for d in db.exec(
                select(Invoice).where(Invoice.charge_id.in_(charge_ids), Invoice.kind == InvoiceKind.receipt)
            ).all()
        }
        if charge_ids
        else {}
    )
    balance = sum(e.amount_minor for e in entries)
    rows = []
    for e in entries:
        receipt = receipts.get(e.charge_id) if e.kind == CreditKind.top_up else None
        rows.append(
            CreditRow(
                e.id,
                _day(e.created_at, provider.timezone),
                e.kind.value,
                e.description,
                fmt.money(e.amount_minor, e.currency),
                e.amount_minor > 0,
                receipt.number if receipt else "",
                staff_document_url(receipt.id if receipt else None),
            )
        )
    return CreditView(
        family.id, family.name, fmt.money(balance, provider.currency), balance, provider.currency, rows
    )


def _lock_family(db: Session, family_id: int) -> None:
    """Serialises credit changes of one family (PostgreSQL: the row lock until commit; SQLite: the write lock)."""
    db.execute(
        update(Family)
        .where(Family.id == family_id)
        .values(id=Family.id)
        .execution_options(synchronize_session=False)
    )


def top_up_credit(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    amount: object,
    method: object,
    received_on: object,
    now: datetime | None = None,
) -> PaymentRecorded:
    """Money received at the desk (or by transfer) as prepaid credit: an order of one credit top-up item with
    its charge, paid at once through the one path that records money received, which adds the ledger entry
    and issues the receipt (no invoice: credit is invoiced when it pays for something). Audited."""
    now = now or utcnow()
    family = get_money_family(db, principal, family_id)
    provider = db.get(Provider, family.provider_id)
    errors: dict[str, str] = {}
    try:
        minor = parse_amount(amount, provider.currency)
    except DomainError as exc:
        errors["amount"] = str(exc)
    for check in (lambda: _method(method), lambda: _received_on(received_on, provider, now)):
        try:
            check()
        except InvalidField as exc:
            errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    how, day = _method(method), _received_on(received_on, provider, now)
    _lock_family(db, family.id)
    money = fmt.money(minor, provider.currency)
    order = Order(
        provider_id=provider.id,
        family_id=family.id,
        number=fees.next_order_number(db, provider.id, fmt.local(now, provider.timezone).year),
        status=OrderStatus.unpaid,
        total_minor=minor,
        currency=provider.currency,
        created_at=now,
    )
    db.add(order)
    db.flush()
    db.add(
        OrderItem(
            order_id=order.id,
            kind=OrderItemKind.credit_top_up,
            description="Prepaid credit",
            quantity=1,
            unit_price_minor=minor,
            vat_rate_bp=0,
        )
    )
    charge = Charge(
        provider_id=provider.id,
        family_id=family.id,
        order_id=order.id,
        description=f"Prepaid credit {money}",
        amount_minor=minor,
        currency=provider.currency,
        due_on=day,
        status=ChargeStatus.unpaid,
        reference=fees.next_fee_reference(db, provider.id, fmt.local(now, provider.timezone).year),
        created_at=now,
    )
    db.add(charge)
    db.flush()
    done = payments.record_payment_received(db, charge.id, minor, day, now, method=how)
    label = dict(RECEIVED_METHODS)[how.value]
    audit.record(
        db,
        principal,
        action="credit.top_up",
        entity="family",
        entity_id=family.id,
        family_id=family.id,
        summary=f"Credit top-up {money} ({label}) received on {fmt.day_label(day)}",
        after={
            "amount_minor": minor,
            "method": how.value,
            "charge_id": charge.id,
            "documents": done.documents,
        },
        now=now,
    )
    return PaymentRecorded(charge.id, money, label, done.documents)


def adjust_credit(
    db: Session,
    principal: StaffPrincipal,
    family_id: object,
    amount: object,
    reason: object,
    now: datetime | None = None,
) -> CreditEntry:
    """A manual correction of the family's credit: "+10.00" or "-10.00" with a reason; the balance never goes
    below zero (checked with the family row locked). Audited."""
    now = now or utcnow()
    family = get_money_family(db, principal, family_id)
    provider = db.get(Provider, family.provider_id)
    raw = amount.strip().replace(" ", "") if isinstance(amount, str) else ""
    sign = -1 if raw.startswith("-") else 1
    errors: dict[str, str] = {}
    try:
        minor = sign * parse_amount(raw.lstrip("+-"), provider.currency)
    except DomainError:
        errors["amount"] = "Give the correction as an amount like 10.00 (add) or -10.00 (take away)."
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        errors["reason"] = "Say why the credit is corrected (the family's history and the audit log show it)."
    elif len(text) > MAX_REASON:
        errors["reason"] = f"The reason is at most {MAX_REASON} characters."
    if errors:
        raise FieldErrors(errors)
    _lock_family(db, family.id)
    balance = _balance(db, family.id)
    if balance + minor < 0:
        raise InvalidField(
            "amount",
            f"The balance is {fmt.money(balance, provider.currency)}; a correction cannot take it below zero.",
        )
    entry = CreditEntry(
        provider_id=provider.id,
        family_id=family.id,
        kind=CreditKind.adjustment,
        amount_minor=minor,
        currency=provider.currency,
        description=f"Correction: {text}",
        created_at=now,
    )
    db.add(entry)
    db.flush()
    bump_families(db, [family.id])
    audit.record(
        db,
        principal,
        action="credit.adjust",
        entity="family",
        entity_id=family.id,
        family_id=family.id,
        summary=f"Credit corrected by {fmt.money(minor, provider.currency)}: {text}",
        before={"balance_minor": balance},
        after={"balance_minor": balance + minor, "entry_id": entry.id},
        now=now,
    )
    return entry
