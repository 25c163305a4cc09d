"""What the REST API reads: one list and one get for each resource, scoped to the calling key's provider
(services.people.access.api_scope_clause), paged by an opaque cursor and filterable by ``updated_since``.

Paging: rows in id order; a page of ``limit`` rows (1..200) and, when more follow, a cursor naming the last id
of the page (base64url of "v1:<id>", opaque to callers). ``updated_since`` keeps rows whose ``updated_at`` (set
on insert and on every UPDATE, models.base.updated_at_field) is at or after it. A sync: page through with
``updated_since`` = the start of the previous sync.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

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
    Client,
    EntryPass,
    Family,
    MakeupCredit,
    MakeupCreditStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Programme,
    ProgrammeKind,
    SessionStatus,
)
from client_profile.services.errors import InvalidField, NotFound
from client_profile.services.integrations.api_keys import ApiCaller
from client_profile.services.people.access import MAX_ID, api_scope_clause, is_id

# The enums of the resources, for the API's schemas (routes do not import models).
__all__ = [
    "AttendanceState",
    "BookingStatus",
    "ChargeStatus",
    "MakeupCreditStatus",
    "OrderStatus",
    "PaymentMethod",
    "PaymentStatus",
    "ProgrammeKind",
    "SessionStatus",
    "RESOURCES",
    "get_row",
    "list_rows",
]

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Resource:
    model: type
    what: str  # for "This <what> was not found."
    filters: tuple[str, ...] = ()  # id columns a list may be filtered by


RESOURCES: dict[str, Resource] = {
    "programmes": Resource(Programme, "programme"),
    "classes": Resource(ClassGroup, "class", ("programme_id",)),
    "sessions": Resource(ClassSession, "session", ("class_id",)),
    "families": Resource(Family, "family"),
    "clients": Resource(Client, "client", ("family_id",)),
    "attendees": Resource(Attendee, "attendee", ("family_id",)),
    "bookings": Resource(Booking, "booking", ("attendee_id", "class_id")),
    "attendance": Resource(Attendance, "attendance", ("booking_id", "session_id")),
    "charges": Resource(Charge, "charge", ("family_id", "booking_id", "order_id")),
    "payments": Resource(Payment, "payment", ("charge_id",)),
    "orders": Resource(Order, "order", ("family_id",)),
    "entry_passes": Resource(EntryPass, "entry pass", ("family_id", "attendee_id")),
    "makeup_credits": Resource(MakeupCredit, "make-up credit", ("attendee_id", "booking_id")),
}


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor continues after (0 for none); InvalidField("cursor") for anything we did not make."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "v1" or not number.isdigit() or len(number) > 12 or int(number) >= MAX_ID:
        raise InvalidField("cursor", "This cursor is not one the API gave out.")
    return int(number)


def list_rows(
    db: Session,
    caller: ApiCaller,
    resource: str,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    updated_since: datetime | None = None,
    filters: dict[str, int | None] | None = None,
) -> Page:
    spec = RESOURCES[resource]
    model = spec.model
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidField("limit", f"The limit must be between 1 and {MAX_LIMIT}.")
    after = decode_cursor(cursor)
    query = select(model).where(api_scope_clause(model, caller.provider_id), model.id > after)
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if name not in spec.filters:
            raise InvalidField(name, f"{resource} cannot be filtered by {name}.")
        query = query.where(getattr(model, name) == (value if is_id(value) else -1))
    if updated_since is not None:
        query = query.where(model.updated_at >= updated_since)
    rows = list(db.exec(query.order_by(model.id).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more else None)


def get_row(db: Session, caller: ApiCaller, resource: str, row_id: object) -> Any:
    """One row of the caller's provider; NotFound for another provider's, a missing or a malformed id."""
    spec = RESOURCES[resource]
    if not is_id(row_id):
        raise NotFound(spec.what)
    row = db.exec(
        select(spec.model).where(spec.model.id == row_id, api_scope_clause(spec.model, caller.provider_id))
    ).first()
    if row is None:
        raise NotFound(spec.what)
    return row
