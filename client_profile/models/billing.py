"""Orders, charges (what is owed), payments (what came in) and invoices/receipts (gap-free numbers)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import updated_at_field, utcnow


class OrderStatus(str, enum.Enum):
    unpaid = "unpaid"
    paid = "paid"
    cancelled = "cancelled"


class Order(SQLModel, table=True):
    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("provider_id", "number", name="uq_order_number"),
        CheckConstraint("total_minor >= 0", name="ck_order_total"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    number: str = Field(max_length=32)
    status: OrderStatus = Field(
        default=OrderStatus.unpaid,
        sa_column=Column(Enum(OrderStatus, native_enum=False, length=16), nullable=False),
    )
    total_minor: int = 0
    currency: str = Field(default="EUR", max_length=3)
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    updated_at: datetime | None = updated_at_field()


class OrderItemKind(str, enum.Enum):
    product = "product"
    entry_pass = "entry_pass"
    service = "service"
    credit_top_up = "credit_top_up"


class OrderItem(SQLModel, table=True):
    __tablename__ = "order_item"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_order_item_quantity"),
        CheckConstraint("unit_price_minor >= 0", name="ck_order_item_price"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="ck_order_item_vat"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=Column(Integer, ForeignKey("shop_order.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    kind: OrderItemKind = Field(
        default=OrderItemKind.product,
        sa_column=Column(Enum(OrderItemKind, native_enum=False, length=16), nullable=False),
    )
    description: str = Field(max_length=300)
    quantity: int = 1
    unit_price_minor: int = 0  # gross (VAT included), like every price a parent sees
    # VAT rate in basis points (2300 = 23 %); None: the provider's default (InvoiceProfile).
    vat_rate_bp: int | None = None


class ChargeStatus(str, enum.Enum):
    unpaid = "unpaid"
    paid = "paid"
    cancelled = "cancelled"
    refunded = "refunded"  # paid, then refunded in full (services.money.console_payments)


class Charge(SQLModel, table=True):
    """Something the family owes: a booking fee, an instalment or an order."""

    __tablename__ = "charge"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_charge_amount"),
        CheckConstraint("length(currency) = 3", name="ck_charge_currency"),
        Index("ix_charge_family_status", "family_id", "status"),
        UniqueConstraint("provider_id", "reference", name="uq_charge_reference"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="ck_charge_vat"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), nullable=False)
    )
    booking_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("booking.id", ondelete="SET NULL"), index=True, nullable=True),
    )
    order_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("shop_order.id", ondelete="SET NULL"), nullable=True, unique=True
        ),
    )
    # The attendee a fee is for when it is not a booking's (a console fee for one attendee); NULL: the family's,
    # or the booking's attendee (services.money.charges).
    attendee_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("attendee.id", ondelete="SET NULL", name="fk_charge_attendee_id_attendee"),
            nullable=True,
        ),
    )
    description: str = Field(max_length=300)
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    due_on: date | None = None
    status: ChargeStatus = Field(
        default=ChargeStatus.unpaid,
        sa_column=Column(Enum(ChargeStatus, native_enum=False, length=16), nullable=False),
    )
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Why and when the office cancelled it (a cancelled charge is no longer due; it is never deleted).
    cancel_reason: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    cancelled_at: datetime | None = None
    # A payment reference for bank transfers (variable symbol), unique per provider.
    reference: str = Field(max_length=32)
    # VAT rate in basis points for a charge that is not an order; None: the provider's default.
    vat_rate_bp: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    updated_at: datetime | None = updated_at_field()


class ChargeDiscount(SQLModel, table=True):
    """A discount applied to a charge when it was made, frozen: the name and the saving as they were then. The
    charge's amount_minor is what is due after every saving; its full price is amount_minor + the savings
    (services.money.fees, the one place that prices a fee)."""

    __tablename__ = "charge_discount"
    __table_args__ = (CheckConstraint("saving_minor > 0", name="ck_charge_discount_saving"),)

    id: int | None = Field(default=None, primary_key=True)
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("charge.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    # The discount it came from; NULL once that discount is deleted (the charge keeps what it saved).
    discount_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("discount.id", ondelete="SET NULL"), nullable=True)
    )
    name: str = Field(max_length=200)
    percent: int | None = None
    saving_minor: int


class PaymentMethod(str, enum.Enum):
    card = "card"
    bank_transfer = "bank_transfer"
    credit = "credit"
    cash = "cash"


class PaymentStatus(str, enum.Enum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"


class Payment(SQLModel, table=True):
    """Money received for a charge; idempotent by the gateway's id."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("gateway_id", name="uq_payment_gateway_id"),
        CheckConstraint("amount_minor > 0", name="ck_payment_amount"),
        # Refunds can never exceed what came in: the one conditional UPDATE that books a refund checks it, and
        # this constraint holds whatever code runs.
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="ck_payment_refunded"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("charge.id", ondelete="RESTRICT"), index=True, nullable=False)
    )
    method: PaymentMethod = Field(
        sa_column=Column(Enum(PaymentMethod, native_enum=False, length=16), nullable=False)
    )
    status: PaymentStatus = Field(
        default=PaymentStatus.pending,
        sa_column=Column(Enum(PaymentStatus, native_enum=False, length=16), nullable=False),
    )
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    # For card payments "<checkout session id>:<charge id>": one Checkout Session pays several charges, and
    # the unique constraint makes recording the same money twice impossible.
    gateway_id: str | None = Field(default=None, max_length=255)
    checkout_attempt_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("checkout_attempt.id", ondelete="RESTRICT"), index=True, nullable=True
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    succeeded_at: datetime | None = None
    # How much of it was refunded (reserved by a pending refund, then kept or given back): see Refund.
    refunded_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0", "nullable": False})
    updated_at: datetime | None = updated_at_field()


class InvoiceKind(str, enum.Enum):
    invoice = "invoice"
    receipt = "receipt"
    credit_note = "credit_note"  # for a refund (Invoice.refund_id), its own gap-free series


class Invoice(SQLModel, table=True):
    """An invoice or receipt with a gap-free number per provider, kind and year."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("provider_id", "kind", "year", "sequence", name="uq_invoice_sequence"),
        UniqueConstraint("provider_id", "number", name="uq_invoice_number"),
        CheckConstraint("sequence > 0", name="ck_invoice_sequence"),
        CheckConstraint("total_minor >= 0", name="ck_invoice_total"),
        UniqueConstraint("refund_id", name="uq_invoice_refund"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("charge.id", ondelete="RESTRICT"), index=True, nullable=False)
    )
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    # The refund a credit note documents (one credit note per refund).
    refund_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("refund.id", name="fk_invoice_refund_id", ondelete="RESTRICT"), nullable=True
        ),
    )
    kind: InvoiceKind = Field(
        default=InvoiceKind.invoice,
        sa_column=Column(Enum(InvoiceKind, native_enum=False, length=16), nullable=False),
    )
    year: int
    sequence: int
    number: str = Field(max_length=32)
    total_minor: int
    currency: str = Field(default="EUR", max_length=3)
    issued_at: datetime = Field(default_factory=utcnow)
    # What the document says, frozen when it is issued (supplier, customer, lines, VAT, dates): the PDF is
    # rendered from this, so later changes to the provider or prices never alter an issued document.
    content: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class RefundStatus(str, enum.Enum):
    pending = "pending"  # booked against the payment; a card refund waits for Stripe's answer
    succeeded = "succeeded"  # done: the credit note is issued
    failed = "failed"  # Stripe refused: the amount was given back to the payment


class Refund(SQLModel, table=True):
    """Money given back for (part of) a payment. Booked first (Payment.refunded_minor, which can never exceed
    the payment), then a card refund is sent to Stripe with the idempotency key `refund-<id>`, outside any
    transaction; every succeeded refund has a credit note."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_refund_amount"),
        UniqueConstraint("gateway_id", name="uq_refund_gateway_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    charge_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("charge.id", name="fk_refund_charge_id", ondelete="RESTRICT"),
            index=True,
            nullable=False,
        )
    )
    payment_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("payment.id", name="fk_refund_payment_id", ondelete="RESTRICT"),
            index=True,
            nullable=False,
        )
    )
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    method: PaymentMethod = Field(
        sa_column=Column(Enum(PaymentMethod, native_enum=False, length=16), nullable=False)
    )
    status: RefundStatus = Field(
        default=RefundStatus.pending,
        sa_column=Column(Enum(RefundStatus, native_enum=False, length=16), nullable=False),
    )
    reason: str = Field(default="", max_length=300)
    gateway_id: str | None = Field(default=None, max_length=255)  # Stripe's refund id (re_...)
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", name="fk_refund_staff_id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class CheckoutStatus(str, enum.Enum):
    open = "open"  # created at the gateway, the client may be paying right now
    processing = "processing"  # completed, but a delayed method (SEPA debit) has not settled yet
    paid = "paid"  # terminal: never changes again
    expired = "expired"  # abandoned, cancelled or timed out; may still turn paid if the gateway says so
    failed = "failed"  # the gateway could not create it, or a delayed payment failed


class CheckoutAttempt(SQLModel, table=True):
    """One attempt to pay one or several charges online (one Stripe Checkout Session)."""

    __tablename__ = "checkout_attempt"
    __table_args__ = (
        UniqueConstraint("gateway_session_id", name="uq_checkout_session"),
        UniqueConstraint("idempotency_key", name="uq_checkout_idempotency_key"),
        CheckConstraint("amount_minor > 0", name="ck_checkout_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    client_id: int = Field(
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    status: CheckoutStatus = Field(
        default=CheckoutStatus.open,
        sa_column=Column(Enum(CheckoutStatus, native_enum=False, length=16), nullable=False),
    )
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    idempotency_key: str = Field(max_length=100)
    gateway_session_id: str | None = Field(default=None, max_length=255)
    gateway_url: str = Field(default="", max_length=2000)
    payment_intent_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    completed_at: datetime | None = None


class CheckoutAttemptItem(SQLModel, table=True):
    """A charge paid by an attempt, with the amount the server put on the Checkout Session."""

    __tablename__ = "checkout_attempt_item"
    __table_args__ = (
        UniqueConstraint("attempt_id", "charge_id", name="uq_checkout_item"),
        CheckConstraint("amount_minor > 0", name="ck_checkout_item_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("checkout_attempt.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("charge.id", ondelete="RESTRICT"), index=True, nullable=False)
    )
    amount_minor: int


class TransferRequestStatus(str, enum.Enum):
    open = "open"
    paid = "paid"


class TransferRequest(SQLModel, table=True):
    """One bank transfer for several unpaid items: its own reference (variable symbol) and total, so the payer
    writes one number and the provider finds every item it pays. A single item is paid with its own reference."""

    __tablename__ = "transfer_request"
    __table_args__ = (
        UniqueConstraint("provider_id", "reference", name="uq_transfer_request_reference"),
        CheckConstraint("amount_minor > 0", name="ck_transfer_request_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    # Ten digits starting with 9: never one of the charges' references (year + five digits).
    reference: str = Field(max_length=32)
    amount_minor: int
    currency: str = Field(default="EUR", max_length=3)
    status: TransferRequestStatus = Field(
        default=TransferRequestStatus.open,
        sa_column=Column(Enum(TransferRequestStatus, native_enum=False, length=16), nullable=False),
    )
    created_by_client_id: int | None = Field(default=None, foreign_key="client.id")
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None


class TransferRequestItem(SQLModel, table=True):
    __tablename__ = "transfer_request_item"
    __table_args__ = (UniqueConstraint("request_id", "charge_id", name="uq_transfer_request_item"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("transfer_request.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    charge_id: int = Field(
        sa_column=Column(Integer, ForeignKey("charge.id", ondelete="CASCADE"), index=True, nullable=False)
    )
