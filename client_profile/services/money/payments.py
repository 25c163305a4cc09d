"""Payments: what is unpaid and paid, paying online through Stripe Checkout, bank-transfer instructions, and
reconciling Checkout Sessions (webhook and return page) exactly once.

Rules:
- A principal may see and pay the charges of their own family, and those of bookings shared with them with
  `can_pay` (`payable_charges_clause`). Another family's charge and a missing one look the same.
- Amounts always come from the database; the client only names charge ids.
- A Checkout attempt turns paid once (a conditional UPDATE), and only when Stripe's current view of the
  session says paid with the amount and currency we asked for. Paid never turns back.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.clock import to_wall
from client_profile.integrations.epc_qr import epc_qr_svg_data_uri
from client_profile.integrations.stripe_gateway import (
    BadPayload,
    BadSignature,
    CheckoutSessionInfo,
    GatewayError,
    StripeGateway,
)
from client_profile.integrations.stripe_gateway import (
    gateway as configured_gateway,
)
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutAttemptItem,
    CheckoutStatus,
    ClassGroup,
    Family,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProcessedWebhookEvent,
    Programme,
    Provider,
    TransferRequest,
    TransferRequestItem,
    TransferRequestStatus,
    as_utc,
    utcnow,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import billing, credit, fees
from client_profile.services.money.documents import document_url
from client_profile.services.notifications import money_notices
from client_profile.services.people.access import (
    get_visible_booking,
    parse_id,
    payable_charges_clause,
    visible_charges_clause,
)
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import Principal
from client_profile.settings import Environment, get_settings

MAX_ITEMS_PER_CHECKOUT = 20
MIN_ONLINE_MINOR = 50  # Stripe's minimum charge is about 0.50 in EUR/USD/GBP
CHECKOUT_LIFETIME = timedelta(hours=1)
REUSE_MARGIN = timedelta(minutes=10)  # an open session is reused only if it stays open at least this long
HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)

UnitOfWork = Callable[[], AbstractContextManager[Session]]
# Default of the `gateway` parameters: the gateway the settings configure (None without a Stripe key). Callers
# in the app leave it out; tests pass a gateway or None.
CONFIGURED = "configured"


# ------------------------------------------------------------------------------------------------- scope


def get_charge(db: Session, principal: Principal, charge_id: object) -> Charge:
    cid = parse_id(charge_id)
    row = (
        db.exec(select(Charge).where(Charge.id == cid, payable_charges_clause(principal))).first()
        if cid is not None
        else None
    )
    if row is None:
        raise NotFound("payment item")
    return row


def booking_label(db: Session, principal: Principal, booking_id: object) -> str:
    """ "Swimming - Beginners (Ema)" for a booking the principal may see; NotFound otherwise."""
    booking = get_visible_booking(db, principal, booking_id)
    row = db.exec(
        select(Programme.name, Attendee.first_name)
        .join(ClassGroup, ClassGroup.programme_id == Programme.id)
        .join(Booking, Booking.class_id == ClassGroup.id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Booking.id == booking.id)
    ).one()
    return f"{row[0]} ({row[1]})"


def online_payment_available(provider: Provider, gateway: StripeGateway | None) -> bool:
    return bool(provider.online_payment_enabled and gateway is not None)


def online_payment_note(provider: Provider, gateway: StripeGateway | None) -> str:
    """Why card payment is not offered, in words for the payer ("" when it is). Outside production it names the
    settings that turn it on, for whoever is trying the app."""
    if online_payment_available(provider, gateway):
        return ""
    if not provider.online_payment_enabled:
        return f"{provider.name} takes payments by bank transfer."
    if get_settings().env != Environment.production:
        return (
            "Card payment is not set up on this installation: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET "
            "to offer it (docs/deployment.md, Stripe). Bank transfer works without them."
        )
    return "Card payment is not available at the moment. Please pay by bank transfer."


# ------------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PaymentItem:
    charge_id: int
    description: str
    amount: str
    amount_minor: int
    currency: str
    attendee_id: int  # 0: a family-level item (an order, a family fee)
    attendee: str  # "Ema" or "Whole family"
    booking_id: int
    order_id: int
    order_number: str
    due: str
    overdue: bool
    reference: str
    status: str  # unpaid | processing | paid | family (due, paid by the booking's family)
    payer: str = ""  # who pays an item the principal sees but may not pay
    paid_on: str = ""
    method: str = ""
    invoice_id: int = 0
    invoice_number: str = ""
    invoice_url: str = ""  # documents.document_url ("" for none)
    receipt_id: int = 0
    receipt_number: str = ""
    receipt_url: str = ""
    discounts: str = ""  # "Full price EUR 120.00 · Sibling discount 10% -EUR 12.00" (fees.discount_note)
    discount_parts: tuple[
        tuple[str, str], ...
    ] = ()  # the same as (label, amount) lines (fees.discount_parts)
    refunded: str = ""  # how much was given back ("EUR 30.00"; "" for none); status "refunded" when all of it
    credit_note_number: str = ""  # the latest refund's credit note
    credit_note_url: str = ""


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    iban: str
    bic: str
    hint: str


@dataclass
class PaymentsView:
    unpaid: list[PaymentItem] = field(default_factory=list)
    paid: list[PaymentItem] = field(default_factory=list)
    bank: BankDetails | None = None
    online: bool = False
    online_note: str = ""  # why card payment is not offered (online_payment_note)
    invoicing: bool = False
    currency: str = "EUR"


def bank_details(provider: Provider) -> BankDetails | None:
    """Where to send a bank transfer, or None when the provider has not set an IBAN."""
    if not provider.bank_iban:
        return None
    return BankDetails(
        provider.bank_account_name, provider.bank_iban, provider.bank_bic, provider.bank_reference_hint
    )


def payments_view(
    db: Session,
    principal: Principal,
    provider: Provider,
    gateway: StripeGateway | None | str = CONFIGURED,
    booking_id: int | None = None,
    charge_ids: list[int] | None = None,
    now: datetime | None = None,
    paid_limit: int = 100,
) -> PaymentsView:
    """Unpaid items first (oldest due first), then paid ones (newest first). Six queries whatever the size.

    `booking_id` limits the view to one booking's items (the caller checked the booking is visible);
    `charge_ids` to those charges (an order page)."""
    gateway = configured_gateway() if gateway == CONFIGURED else gateway
    now = now or utcnow()
    today = fmt.local(now, provider.timezone).date()
    payable = case((payable_charges_clause(principal), True), else_=False)
    query = (
        select(Charge, Attendee.id, Attendee.first_name, Order.number, Family.name, payable)
        .outerjoin(Booking, Booking.id == Charge.booking_id)
        # a booking's attendee, or the one a console fee is for (Charge.attendee_id)
        .outerjoin(Attendee, Attendee.id == func.coalesce(Booking.attendee_id, Charge.attendee_id))
        .outerjoin(Order, Order.id == Charge.order_id)
        .join(Family, Family.id == Charge.family_id)
        # What is due on a booking shared without the pay scope is shown too (who pays it), never its history.
        .where(
            visible_charges_clause(principal),
            Charge.status != ChargeStatus.cancelled,
            or_(payable, Charge.status == ChargeStatus.unpaid),
        )
    )
    if booking_id is not None:
        query = query.where(Charge.booking_id == booking_id)
    if charge_ids is not None:
        query = query.where(Charge.id.in_(charge_ids or [0]))
    rows = db.exec(query.order_by(Charge.due_on, Charge.id)).all()
    view = PaymentsView(
        bank=bank_details(provider),
        online=online_payment_available(provider, gateway),
        online_note=online_payment_note(provider, gateway),
        invoicing=provider.invoicing_enabled,
        currency=provider.currency,
    )
    if not rows:
        return view
    ids = [r[0].id for r in rows]
    paid_ids = [r[0].id for r in rows if r[0].status in (ChargeStatus.paid, ChargeStatus.refunded)]
    processing = set(
        db.exec(
            select(CheckoutAttemptItem.charge_id)
            .join(CheckoutAttempt, CheckoutAttempt.id == CheckoutAttemptItem.attempt_id)
            .where(
                CheckoutAttemptItem.charge_id.in_(ids), CheckoutAttempt.status == CheckoutStatus.processing
            )
        ).all()
    )
    payments: dict[int, Payment] = {}
    refunded: dict[int, int] = defaultdict(int)
    docs: dict[tuple[int, InvoiceKind], Invoice] = {}
    if paid_ids:
        for p in db.exec(
            select(Payment)
            .where(Payment.charge_id.in_(paid_ids), Payment.status == PaymentStatus.succeeded)
            .order_by(Payment.succeeded_at, Payment.id)
        ).all():
            payments[p.charge_id] = p  # the latest succeeded payment
            refunded[p.charge_id] += p.refunded_minor
        for d in db.exec(select(Invoice).where(Invoice.charge_id.in_(paid_ids)).order_by(Invoice.id)).all():
            docs[(d.charge_id, d.kind)] = d
    savings = fees.savings_by_charge(db, ids)
    for charge, attendee_id, first_name, order_number, family_name, can_pay in rows:
        base = {
            "charge_id": charge.id,
            "description": charge.description,
            "amount": fmt.money(charge.amount_minor, charge.currency),
            "amount_minor": charge.amount_minor,
            "currency": charge.currency,
            "attendee_id": attendee_id or 0,
            "attendee": first_name or "Whole family",
            "booking_id": charge.booking_id or 0,
            "order_id": charge.order_id or 0,
            "order_number": order_number or "",
            "due": fmt.day_label(charge.due_on) if charge.due_on else "",
            "reference": charge.reference,
            "discounts": fees.discount_note(charge.amount_minor, charge.currency, savings[charge.id]),
            "discount_parts": tuple(
                fees.discount_parts(charge.amount_minor, charge.currency, savings[charge.id])
            ),
        }
        if charge.status == ChargeStatus.unpaid:
            status = "processing" if charge.id in processing else "unpaid" if can_pay else "family"
            view.unpaid.append(
                PaymentItem(
                    **base,
                    overdue=bool(charge.due_on and charge.due_on < today),
                    status=status,
                    payer="" if can_pay else f"The {family_name} family pays this",
                )
            )
        else:
            payment = payments.get(charge.id)
            invoice = docs.get((charge.id, InvoiceKind.invoice))
            receipt = docs.get((charge.id, InvoiceKind.receipt))
            note = docs.get((charge.id, InvoiceKind.credit_note))
            paid_at = charge.paid_at or (payment.succeeded_at if payment else None)
            view.paid.append(
                PaymentItem(
                    **base,
                    overdue=False,
                    status="refunded" if charge.status == ChargeStatus.refunded else "paid",
                    refunded=fmt.money(refunded[charge.id], charge.currency) if refunded[charge.id] else "",
                    credit_note_number=note.number if note else "",
                    credit_note_url=document_url(note.id if note else 0),
                    paid_on=fmt.day_label(fmt.local(paid_at, provider.timezone).date()) if paid_at else "",
                    method=billing.METHOD_LABEL.get(payment.method, "") if payment else "",
                    invoice_id=invoice.id if invoice else 0,
                    invoice_number=invoice.number if invoice else "",
                    invoice_url=document_url(invoice.id if invoice else 0),
                    receipt_id=receipt.id if receipt else 0,
                    receipt_number=receipt.number if receipt else "",
                    receipt_url=document_url(receipt.id if receipt else 0),
                )
            )
    paid_at = {r[0].id: as_utc(r[0].paid_at).timestamp() for r in rows if r[0].paid_at is not None}
    view.paid.sort(key=lambda p: -paid_at.get(p.charge_id, 0.0))
    view.paid = view.paid[:paid_limit]
    return view


# ---------------------------------------------------------------------------------------- bank transfer


@dataclass(frozen=True)
class TransferInstructions:
    # Every field has a default: TransferInstructions() is a page's empty value (state/payments.py, orders.py).
    account_name: str = ""
    iban: str = ""
    bic: str = ""
    amount: str = ""
    reference: str = ""  # what to write in the payment reference / variable symbol
    due: str = ""
    hint: str = ""
    qr_svg: str = ""  # data URI of the EPC QR ("" when not possible, e.g. not EUR)
    note: str = ""
    amount_value: str = ""  # "138.00": what a banking app's amount field takes (the copy button)


def transfer_instructions(
    db: Session,
    principal: Principal,
    provider: Provider,
    charge_ids: list[object],
    now: datetime | None = None,
) -> TransferInstructions:
    """Bank-transfer details for one or several unpaid items: the exact total, ONE reference (the item's own,
    or for several items a transfer request's, so the payer writes one number and `client-profile paid` settles
    every item it covers), the earliest due date and an EPC QR code."""
    charges = _unpaid_selection(db, principal, charge_ids)
    if not provider.bank_iban:
        raise DomainError("Bank transfer details are not available; please contact us.")
    currency = charges[0].currency
    total = sum(c.amount_minor for c in charges)
    reference, note = charges[0].reference, ""
    if len(charges) > 1:
        reference = transfer_request_for(db, principal, charges, now).reference
        note = f"One transfer pays all {len(charges)} items: use this one reference."
    dues = [c.due_on for c in charges if c.due_on]
    due = fmt.day_label(min(dues)) if dues else ""
    qr = (
        epc_qr_svg_data_uri(
            name=provider.bank_account_name,
            iban=provider.bank_iban,
            bic=provider.bank_bic,
            amount_minor=total,
            text=reference,
        )
        if currency == "EUR"
        else ""
    )
    money = fmt.money(total, currency)
    return TransferInstructions(
        provider.bank_account_name,
        provider.bank_iban,
        provider.bank_bic,
        money,
        reference,
        due,
        provider.bank_reference_hint,
        qr,
        note,
        amount_value=money.split(" ", 1)[1].replace(",", ""),
    )


def transfer_request_for(
    db: Session, principal: Principal, charges: list[Charge], now: datetime | None = None
) -> TransferRequest:
    """The open transfer request for exactly these (checked, unpaid) charges: reused when it exists, so the
    reference shown for the same selection never changes; otherwise a new one with a fresh reference."""
    wanted = sorted(c.id for c in charges)
    total = sum(c.amount_minor for c in charges)
    open_requests = db.exec(
        select(TransferRequest.id, TransferRequestItem.charge_id)
        .join(TransferRequestItem, TransferRequestItem.request_id == TransferRequest.id)
        .where(
            TransferRequest.provider_id == principal.provider_id,
            TransferRequest.family_id == charges[0].family_id,
            TransferRequest.status == TransferRequestStatus.open,
            TransferRequest.amount_minor == total,
        )
    ).all()
    covered: dict[int, list[int]] = defaultdict(list)
    for request_id, charge_id in open_requests:
        covered[request_id].append(charge_id)
    for request_id, ids in covered.items():
        if sorted(ids) == wanted:
            return db.get(TransferRequest, request_id)
    request = TransferRequest(
        provider_id=principal.provider_id,
        family_id=charges[0].family_id,
        reference=_new_transfer_reference(db, principal.provider_id),
        amount_minor=total,
        currency=charges[0].currency,
        created_by_client_id=principal.client_id,
        created_at=now or utcnow(),
    )
    db.add(request)
    db.flush()
    db.add_all([TransferRequestItem(request_id=request.id, charge_id=cid) for cid in wanted])
    db.flush()
    return request


def _new_transfer_reference(db: Session, provider_id: int) -> str:
    """Ten digits starting with 9 (a valid variable symbol; charges' references have nine)."""
    for _ in range(20):
        reference = "9" + "".join(secrets.choice("0123456789") for _ in range(9))
        taken = db.exec(
            select(TransferRequest.id).where(
                TransferRequest.provider_id == provider_id, TransferRequest.reference == reference
            )
        ).first()
        if taken is None:
            return reference
    raise DomainError("Could not create a payment reference; please try again.")


def _unpaid_selection(db: Session, principal: Principal, charge_ids: list[object]) -> list[Charge]:
    if not isinstance(charge_ids, list) or not charge_ids:
        raise DomainError("Choose at least one item to pay.")
    if len(charge_ids) > MAX_ITEMS_PER_CHECKOUT:
        raise DomainError(f"Choose at most {MAX_ITEMS_PER_CHECKOUT} items at a time.")
    ids = [parse_id(i) for i in charge_ids]
    if any(i is None for i in ids) or len(set(ids)) != len(ids):
        raise NotFound("payment item")
    charges = list(
        db.exec(
            select(Charge)
            .where(Charge.id.in_(ids), payable_charges_clause(principal))
            .order_by(Charge.due_on, Charge.id)
        ).all()
    )
    if len(charges) != len(ids):
        raise NotFound("payment item")
    if any(c.status != ChargeStatus.unpaid for c in charges):
        raise DomainError("Some of these items are already paid or cancelled. The list has been refreshed.")
    if len({c.currency for c in charges}) != 1:
        raise DomainError("Items in different currencies have to be paid separately.")
    return charges


# ------------------------------------------------------------------------------------------------ checkout


@dataclass(frozen=True)
class CheckoutStart:
    attempt_id: int
    url: str
    reused: bool


def start_checkout(
    uow: UnitOfWork,
    principal: Principal,
    charge_ids: list[object],
    gateway: StripeGateway | None | str = CONFIGURED,
    base_url: str = "",
    now: datetime | None = None,
) -> CheckoutStart:
    """Creates (or reuses) a Checkout Session for these unpaid items and returns where to send the browser.

    Three short steps so no database transaction is open while Stripe is called: (1) validate, reuse an open
    session for exactly these items, or record a new attempt; (2) call Stripe with the idempotency key derived
    from the attempt id (a retried call returns the same session); (3) store the session.
    Other open attempts covering any of these items are expired first, so the same item is not paid twice.
    `gateway` and `base_url` default to the configured ones.
    """
    gateway = configured_gateway() if gateway == CONFIGURED else gateway
    base_url = base_url or get_settings().base_url
    now = now or utcnow()
    with uow() as db:
        provider = db.get(Provider, principal.provider_id)
        if provider is None or not online_payment_available(provider, gateway):
            raise DomainError("Online payment is not available. Please pay by bank transfer.")
        charges = _unpaid_selection(db, principal, charge_ids)
        total = sum(c.amount_minor for c in charges)
        currency = charges[0].currency
        if total < MIN_ONLINE_MINOR:
            raise DomainError("This amount is too small to pay online. Please pay by bank transfer.")
        wanted = sorted(c.id for c in charges)
        open_attempts = db.exec(
            select(CheckoutAttempt, CheckoutAttemptItem.charge_id)
            .join(CheckoutAttemptItem, CheckoutAttemptItem.attempt_id == CheckoutAttempt.id)
            .where(
                CheckoutAttempt.id.in_(
                    select(CheckoutAttemptItem.attempt_id).where(CheckoutAttemptItem.charge_id.in_(wanted))
                ),
                CheckoutAttempt.status.in_([CheckoutStatus.open, CheckoutStatus.processing]),
            )
        ).all()
        items_of: dict[int, list[int]] = defaultdict(list)
        attempts: dict[int, CheckoutAttempt] = {}
        for attempt, charge_id in open_attempts:
            items_of[attempt.id].append(charge_id)
            attempts[attempt.id] = attempt
        if any(a.status == CheckoutStatus.processing for a in attempts.values()):
            raise DomainError(
                "A bank payment for one of these items is still being processed. "
                "Please wait for it to settle."
            )
        for attempt in attempts.values():
            if (
                attempt.client_id == principal.client_id
                and sorted(items_of[attempt.id]) == wanted
                and attempt.amount_minor == total
                and attempt.gateway_url
                and attempt.expires_at is not None
                and as_utc(attempt.expires_at) > now + REUSE_MARGIN
            ):
                return CheckoutStart(attempt.id, attempt.gateway_url, reused=True)
        to_expire = [(a.id, a.gateway_session_id) for a in attempts.values()]
        attempt = CheckoutAttempt(
            provider_id=provider.id,
            client_id=principal.client_id,
            amount_minor=total,
            currency=currency,
            idempotency_key="pending",
            created_at=now,
            expires_at=now + CHECKOUT_LIFETIME,
        )
        db.add(attempt)
        db.flush()
        # Fixed per attempt (stored, so a retried call sends the same key and gets the same session); the random
        # part keeps keys unique at Stripe even if a database is restored or rebuilt and ids repeat.
        attempt.idempotency_key = f"cp-checkout-{provider.id}-{attempt.id}-{secrets.token_hex(6)}"
        db.add_all(
            [
                CheckoutAttemptItem(attempt_id=attempt.id, charge_id=c.id, amount_minor=c.amount_minor)
                for c in charges
            ]
        )
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": c.currency.lower(),
                        "unit_amount": c.amount_minor,
                        "product_data": {"name": c.description[:250]},
                    },
                }
                for c in charges
            ],
            "client_reference_id": str(attempt.id),
            "customer_email": principal.email,
            "metadata": {"attempt_id": str(attempt.id), "provider_id": str(provider.id)},
            "payment_intent_data": {"metadata": {"attempt_id": str(attempt.id)}},
            "success_url": f"{base_url}/pay/return?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{base_url}/pay/cancel/{attempt.id}",
            # Stripe keeps real time: under a shifted development clock (CLIENT_PROFILE_NOW) the same moment.
            "expires_at": int(to_wall(now + CHECKOUT_LIFETIME).timestamp()),
        }
        attempt_id, key = attempt.id, attempt.idempotency_key

    for _old_id, session_id in to_expire:
        if session_id:
            try:
                gateway.expire_checkout_session(session_id)
            except GatewayError:
                pass  # already completed or expired at Stripe; its webhook decides
    try:
        session = gateway.create_checkout_session(params, key)
    except GatewayError:
        with uow() as db:
            db.execute(
                update(CheckoutAttempt)
                .where(CheckoutAttempt.id == attempt_id)
                .values(status=CheckoutStatus.failed, completed_at=now)
            )
        raise DomainError(
            "The payment page could not be opened. Nothing was charged; please try again in a moment."
        ) from None
    with uow() as db:
        db.execute(
            update(CheckoutAttempt)
            .where(CheckoutAttempt.id == attempt_id)
            .values(gateway_session_id=session.id, gateway_url=session.url)
        )
        if to_expire:
            db.execute(
                update(CheckoutAttempt)
                .where(
                    CheckoutAttempt.id.in_([i for i, _ in to_expire]),
                    CheckoutAttempt.status == CheckoutStatus.open,
                )
                .values(status=CheckoutStatus.expired, completed_at=now)
            )
    return CheckoutStart(attempt_id, session.url, reused=False)


def get_attempt(db: Session, principal: Principal, attempt_id: object) -> CheckoutAttempt:
    """An attempt the principal started; NotFound otherwise."""
    aid = parse_id(attempt_id)
    row = (
        db.exec(
            select(CheckoutAttempt).where(
                CheckoutAttempt.id == aid,
                CheckoutAttempt.client_id == principal.client_id,
                CheckoutAttempt.provider_id == principal.provider_id,
            )
        ).first()
        if aid is not None
        else None
    )
    if row is None:
        raise NotFound("payment")
    return row


def attempt_by_session(db: Session, principal: Principal, session_id: object) -> CheckoutAttempt:
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 255:
        raise NotFound("payment")
    row = db.exec(
        select(CheckoutAttempt).where(
            CheckoutAttempt.gateway_session_id == session_id, CheckoutAttempt.client_id == principal.client_id
        )
    ).first()
    if row is None:
        raise NotFound("payment")
    return row


CHECKOUT_MESSAGES = {
    CheckoutStatus.paid: ("success", "Thank you! Your payment of {amount} was received."),
    CheckoutStatus.open: (
        "info",
        "We are waiting for the payment provider to confirm your payment of {amount}. "
        "This page updates by itself.",
    ),
    CheckoutStatus.processing: (
        "info",
        "Your payment of {amount} is being processed by your bank. The items stay "
        "unpaid until it settles; this page updates by itself.",
    ),
    CheckoutStatus.expired: (
        "warning",
        "The payment was cancelled or timed out. Nothing was charged and the items are still unpaid.",
    ),
    CheckoutStatus.failed: (
        "error",
        "The payment did not go through. Nothing was charged and the items are still "
        "unpaid. You can try again or pay by bank transfer.",
    ),
}


def checkout_message(attempt: CheckoutAttempt) -> tuple[str, str]:
    tone, text = CHECKOUT_MESSAGES[attempt.status]
    return tone, text.format(amount=fmt.money(attempt.amount_minor, attempt.currency))


# ------------------------------------------------------------------------------------------ reconciliation


def apply_session(
    db: Session, session: CheckoutSessionInfo, event_type: str | None = None, now: datetime | None = None
) -> str:
    """Brings our attempt in line with Stripe's current view of the session. Idempotent and monotonic: paid
    is terminal; expired/failed/processing only replace open (or processing) states. Returns what happened."""
    now = now or utcnow()
    attempt = db.exec(select(CheckoutAttempt).where(CheckoutAttempt.gateway_session_id == session.id)).first()
    if attempt is None:
        return "unknown-session"
    if session.payment_status == "paid":
        if session.amount_total != attempt.amount_minor or session.currency != attempt.currency.upper():
            return "amount-mismatch"  # never fulfil something we did not ask for; an admin must look
        return _settle(db, attempt, session, now)
    if session.status == "expired":
        new, allowed = CheckoutStatus.expired, [CheckoutStatus.open, CheckoutStatus.processing]
    elif event_type == "checkout.session.async_payment_failed":
        new, allowed = CheckoutStatus.failed, [CheckoutStatus.open, CheckoutStatus.processing]
    elif session.status == "complete":
        new, allowed = CheckoutStatus.processing, [CheckoutStatus.open]
    else:
        return "still-open"
    changed = db.execute(
        update(CheckoutAttempt)
        .where(CheckoutAttempt.id == attempt.id, CheckoutAttempt.status.in_(allowed))
        .values(status=new, completed_at=now)
    ).rowcount
    if changed:
        _bump_for_attempt(db, attempt.id)
    return new.value if changed else f"unchanged-{attempt.status.value}"


def _bump_for_attempt(db: Session, attempt_id: int) -> None:
    families = db.exec(
        select(Charge.family_id)
        .join(CheckoutAttemptItem, CheckoutAttemptItem.charge_id == Charge.id)
        .where(CheckoutAttemptItem.attempt_id == attempt_id)
    ).all()
    bump_families(db, families)


def _settle(db: Session, attempt: CheckoutAttempt, session: CheckoutSessionInfo, now: datetime) -> str:
    won = db.execute(
        update(CheckoutAttempt)
        .where(CheckoutAttempt.id == attempt.id, CheckoutAttempt.status != CheckoutStatus.paid)
        .values(status=CheckoutStatus.paid, completed_at=now, payment_intent_id=session.payment_intent_id)
    ).rowcount
    if not won:
        return "already-paid"
    provider = db.get(Provider, attempt.provider_id)
    items = db.exec(
        select(CheckoutAttemptItem, Charge)
        .join(Charge, Charge.id == CheckoutAttemptItem.charge_id)
        .where(CheckoutAttemptItem.attempt_id == attempt.id)
        .order_by(CheckoutAttemptItem.id)
    ).all()
    for item, charge in items:
        payment = Payment(
            provider_id=attempt.provider_id,
            charge_id=charge.id,
            method=PaymentMethod.card,
            status=PaymentStatus.succeeded,
            amount_minor=item.amount_minor,
            currency=attempt.currency,
            gateway_id=f"{session.id}:{charge.id}",
            checkout_attempt_id=attempt.id,
            created_at=attempt.created_at,
            succeeded_at=now,
        )
        db.add(payment)
        db.flush()
        newly_paid = mark_charge_paid(db, charge, now)
        billing.issue_documents(db, provider, charge, payment, issue_invoice=newly_paid, when=now)
        money_notices.notify_payment_received(db, payment.id, now)
    bump_families(db, [charge.family_id for _, charge in items])
    return "paid"


def mark_charge_paid(db: Session, charge: Charge, when: datetime) -> bool:
    """unpaid -> paid (and its order; the credit a top-up bought), once. False when it was paid (or cancelled)
    already."""
    changed = db.execute(
        update(Charge)
        .where(Charge.id == charge.id, Charge.status == ChargeStatus.unpaid)
        .values(status=ChargeStatus.paid, paid_at=when)
    ).rowcount
    if changed and charge.order_id is not None:
        db.execute(
            update(Order)
            .where(Order.id == charge.order_id, Order.status == OrderStatus.unpaid)
            .values(status=OrderStatus.paid, paid_at=when)
        )
    if changed:
        db.refresh(charge)
        credit.credit_paid_top_up(db, charge, when)
    return bool(changed)


@dataclass(frozen=True)
class BankTransferRecorded:
    charge_id: int  # the (first) charge paid
    reference: str  # the reference the transfer carried
    description: str
    amount: str
    family_id: int
    documents: list[str]  # numbers of the invoices/receipts issued (none when invoicing is off)
    charge_ids: tuple[int, ...] = ()  # every charge the transfer paid


def record_bank_transfer(
    db: Session,
    reference_or_charge_id: object,
    amount_minor: int,
    received_on: date | None = None,
    now: datetime | None = None,
) -> BankTransferRecorded:
    """The provider saw a transfer on its bank statement (admin CLI, the console). Found by its payment
    reference (a charge's, or a transfer request's covering several items) or a charge id, every item it pays
    turns paid exactly once, each with a bank-transfer Payment and its documents. The amount must be the total
    exactly; anything else (and a repeat) raises and changes nothing."""
    return record_payment_received(db, reference_or_charge_id, amount_minor, received_on, now)


# Payments taken at the desk (cash, a card terminal) and their gateway ids: one per charge, like a transfer's.
DESK_GATEWAY_PREFIX = {
    PaymentMethod.bank_transfer: "bank-transfer",
    PaymentMethod.cash: "cash",
    PaymentMethod.card: "desk-card",
}


def record_payment_received(
    db: Session,
    reference_or_charge_id: object,
    amount_minor: int,
    received_on: date | None = None,
    now: datetime | None = None,
    method: PaymentMethod = PaymentMethod.bank_transfer,
) -> BankTransferRecorded:
    """Money received outside Stripe Checkout (a bank transfer, cash or a card terminal at the desk): the one
    path that records it, for the CLI `paid`, the console and the statement import. Every item turns paid
    exactly once (mark_charge_paid's conditional UPDATE; the payment's gateway id is unique per charge too).
    Cash and a desk card are refused while an online payment of the item is open or processing: the family may
    be paying right now, and only one of the two may count."""
    if method not in DESK_GATEWAY_PREFIX:
        raise DomainError("A payment is received by bank transfer, in cash or by card at the desk.")
    now = now or utcnow()
    key = str(reference_or_charge_id).strip()
    request = (
        db.exec(select(TransferRequest).where(TransferRequest.reference == key)).first() if key else None
    )
    if request is not None:
        charges = list(
            db.exec(
                select(Charge)
                .join(TransferRequestItem, TransferRequestItem.charge_id == Charge.id)
                .where(TransferRequestItem.request_id == request.id)
                .order_by(Charge.id)
            ).all()
        )
        label = f"transfer request {request.reference}"
        if request.status == TransferRequestStatus.paid:
            raise DomainError(f"The {label} is already paid; nothing was recorded.")
    else:
        charge = (
            db.exec(select(Charge).where(Charge.reference == key).order_by(Charge.id)).first()
            if key
            else None
        )
        if charge is None and parse_id(key) is not None:
            charge = db.get(Charge, parse_id(key))
        if charge is None:
            raise NotFound("payment reference or charge")
        charges, label = [charge], f"charge {charge.id} ({charge.reference})"
    provider = db.get(Provider, charges[0].provider_id)
    for charge in charges:
        if charge.status == ChargeStatus.paid and request is not None:
            raise DomainError(
                f"{charge.description} (charge {charge.id}) in the {label} was paid another way; "
                "nothing was recorded. Settle the difference with the family."
            )
        if charge.status == ChargeStatus.paid:
            raise DomainError(
                f"Charge {charge.id} ({charge.reference}) is already paid; nothing was recorded."
            )
        if charge.status != ChargeStatus.unpaid:
            raise DomainError(f"Charge {charge.id} ({charge.reference}) is cancelled; nothing was recorded.")
    total = sum(c.amount_minor for c in charges)
    currency = charges[0].currency
    if type(amount_minor) is not int or amount_minor != total:
        got = fmt.money(amount_minor, currency) if type(amount_minor) is int else repr(amount_minor)
        raise DomainError(
            f"The transfer of {got} does not match {label}, which is {fmt.money(total, currency)}; "
            "nothing was recorded. Settle a partial or extra payment with the family."
        )
    processing = (
        select(CheckoutAttempt.id)
        .join(CheckoutAttemptItem, CheckoutAttemptItem.attempt_id == CheckoutAttempt.id)
        .where(
            CheckoutAttemptItem.charge_id.in_([c.id for c in charges]),
            CheckoutAttempt.status == CheckoutStatus.processing,
        )
    )
    if db.exec(processing).first() is not None:
        raise DomainError(
            f"An online payment for {label} is being processed by the bank; "
            "wait for it to settle before recording a transfer."
        )
    if method != PaymentMethod.bank_transfer:
        open_online = db.exec(
            select(CheckoutAttempt)
            .join(CheckoutAttemptItem, CheckoutAttemptItem.attempt_id == CheckoutAttempt.id)
            .where(
                CheckoutAttemptItem.charge_id.in_([c.id for c in charges]),
                CheckoutAttempt.status == CheckoutStatus.open,
                or_(CheckoutAttempt.expires_at.is_(None), CheckoutAttempt.expires_at > now),
            )
        ).first()
        if open_online is not None:
            ends = open_online.expires_at
            until = f" until {fmt.local(ends, provider.timezone):%H:%M}" if ends is not None else ""
            raise DomainError(
                f"The family started paying {label} online; that payment stays open{until}. "
                "Record a desk payment after it has ended, so the item is not paid twice."
            )
    received_at = now
    if received_on is not None:
        if received_on > today_for(provider, now):
            what = (
                "transfer cannot have arrived"
                if method == PaymentMethod.bank_transfer
                else "payment cannot be"
            )
            raise DomainError(f"The {what} in the future ({received_on.isoformat()}).")
        # The day is what matters; local noon keeps it on that day wherever it is shown.
        noon = datetime(
            received_on.year, received_on.month, received_on.day, 12, tzinfo=ZoneInfo(provider.timezone)
        )
        received_at = min(as_utc(noon), now)
    if (
        request is not None
        and not db.execute(
            update(TransferRequest)
            .where(TransferRequest.id == request.id, TransferRequest.status == TransferRequestStatus.open)
            .values(status=TransferRequestStatus.paid, paid_at=received_at)
        ).rowcount
    ):
        raise DomainError(f"The {label} is already paid; nothing was recorded.")
    documents: list[str] = []
    for charge in charges:
        if not mark_charge_paid(db, charge, received_at):
            raise DomainError(
                f"Charge {charge.id} ({charge.reference}) is already paid; nothing was recorded."
            )
        payment = Payment(
            provider_id=charge.provider_id,
            charge_id=charge.id,
            method=method,
            status=PaymentStatus.succeeded,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            gateway_id=f"{DESK_GATEWAY_PREFIX[method]}:{charge.id}",
            created_at=now,
            succeeded_at=received_at,
        )
        db.add(payment)
        db.flush()
        # Documents are dated when issued (gap-free numbers stay in date order); they state the payment date.
        docs = billing.issue_documents(db, provider, charge, payment, issue_invoice=True, when=now)
        documents += [d.number for d in docs]
        money_notices.notify_payment_received(db, payment.id, now)
    bump_families(db, list({c.family_id for c in charges}))
    first = charges[0]
    description = first.description if len(charges) == 1 else ", ".join(c.description for c in charges)
    return BankTransferRecorded(
        first.id,
        request.reference if request is not None else first.reference,
        description,
        fmt.money(total, currency),
        first.family_id,
        documents,
        tuple(c.id for c in charges),
    )


def reconcile_session(
    uow: UnitOfWork, gateway: StripeGateway, session_id: str, event_type: str | None = None
) -> str:
    """Re-reads the session from Stripe (outside any transaction) and applies it."""
    session = gateway.retrieve_checkout_session(session_id)
    return _with_retries(uow, lambda db: apply_session(db, session, event_type))


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    outcome: str


def handle_webhook(
    uow: UnitOfWork, gateway: StripeGateway | None, raw_body: bytes, signature: str | None
) -> WebhookResult:
    """Verifies the signature on the raw body, then records the event id and applies its effect in ONE
    transaction: a repeated event finds its id taken and changes nothing. A Stripe read failure answers 503
    without recording the event, so Stripe delivers it again."""
    if gateway is None:
        return WebhookResult(400, "not-configured")
    try:
        event = gateway.verify_webhook(raw_body, signature)
    except BadPayload:
        return WebhookResult(400, "bad-payload")
    except BadSignature:
        return WebhookResult(400, "bad-signature")
    session = None
    if event.type in HANDLED_EVENTS and event.object_id.startswith("cs_"):
        try:
            session = gateway.retrieve_checkout_session(event.object_id)
        except GatewayError:
            return WebhookResult(503, "gateway-unavailable")

    def effect(db: Session) -> str:
        db.add(ProcessedWebhookEvent(id=event.id[:255], source="stripe", event_type=event.type[:100]))
        db.flush()
        return apply_session(db, session, event.type) if session is not None else "ignored"

    try:
        return WebhookResult(200, _with_retries(uow, effect))
    except IntegrityError:
        with uow() as db:
            if db.get(ProcessedWebhookEvent, event.id[:255]) is not None:
                return WebhookResult(200, "duplicate")
        raise


def _with_retries(uow: UnitOfWork, work: Callable[[Session], str], attempts: int = 8) -> str:
    """SQLite refuses a write whose read snapshot went stale ("database is locked") and PostgreSQL may report
    a serialisation failure: the whole transaction is simply run again."""
    for attempt in range(attempts):
        try:
            with uow() as db:
                return work(db)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def cancel_attempt(
    uow: UnitOfWork, gateway: StripeGateway | None, principal: Principal, attempt_id: object
) -> CheckoutAttempt:
    """The client came back from Stripe without paying: expire the session there, then apply what Stripe says
    (if it was paid after all, it stays paid)."""
    with uow() as db:
        attempt = get_attempt(db, principal, attempt_id)
    if gateway is not None and attempt.gateway_session_id and attempt.status == CheckoutStatus.open:
        with suppress(GatewayError):
            gateway.expire_checkout_session(attempt.gateway_session_id)
        with suppress(GatewayError):
            reconcile_session(uow, gateway, attempt.gateway_session_id)
    with uow() as db:
        return get_attempt(db, principal, attempt.id)


def today_for(provider: Provider, now: datetime | None = None) -> date:
    return fmt.local(now or utcnow(), provider.timezone).date()
