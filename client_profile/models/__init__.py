"""SQLModel tables, one module per aggregate. Importing this package registers every table."""

from client_profile.models.auth import AuthSession, LoginRequest
from client_profile.models.base import as_utc, utcnow
from client_profile.models.benefits import (
    CreditEntry,
    CreditKind,
    Discount,
    EntryPass,
    EntryPassEntry,
    MakeupCredit,
    MakeupCreditStatus,
    MakeupWaitlistEntry,
    WaitlistStatus,
)
from client_profile.models.billing import (
    Charge,
    ChargeDiscount,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutAttemptItem,
    CheckoutStatus,
    Invoice,
    InvoiceKind,
    Order,
    OrderItem,
    OrderItemKind,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TransferRequest,
    TransferRequestItem,
    TransferRequestStatus,
)
from client_profile.models.booking import Attendance, AttendanceState, Booking, BookingStatus
from client_profile.models.catalog import ClassGroup, ClassSession, Programme, ProgrammeKind, SessionStatus
from client_profile.models.integrations import ApiKey, ApiKeyScope
from client_profile.models.invoicing import InvoiceProfile
from client_profile.models.notifications import Channel, OutboxMessage, OutboxStatus, ProcessedWebhookEvent
from client_profile.models.people import Attendee, Client, Family
from client_profile.models.provider import Provider, ProviderHoliday
from client_profile.models.sharing import BookingShare
from client_profile.models.staff import AuditEntry, StaffMember, StaffRole

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "AuditEntry",
    "StaffMember",
    "StaffRole",
    "TransferRequest",
    "TransferRequestItem",
    "TransferRequestStatus",
    "Attendance",
    "AttendanceState",
    "Attendee",
    "AuthSession",
    "Booking",
    "BookingShare",
    "BookingStatus",
    "Channel",
    "Charge",
    "ChargeDiscount",
    "ChargeStatus",
    "CheckoutAttempt",
    "CheckoutAttemptItem",
    "CheckoutStatus",
    "ClassGroup",
    "ClassSession",
    "Client",
    "CreditEntry",
    "CreditKind",
    "Discount",
    "EntryPass",
    "EntryPassEntry",
    "Family",
    "Invoice",
    "InvoiceKind",
    "InvoiceProfile",
    "LoginRequest",
    "MakeupCredit",
    "MakeupCreditStatus",
    "MakeupWaitlistEntry",
    "WaitlistStatus",
    "Order",
    "OrderItem",
    "OrderItemKind",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "ProcessedWebhookEvent",
    "Programme",
    "ProgrammeKind",
    "Provider",
    "ProviderHoliday",
    "SessionStatus",
    "as_utc",
    "utcnow",
]
