"""Who may see what. Every query for client data is scoped here, so no caller can forget the scope.

A principal sees the bookings of attendees in their own family, plus bookings shared with them (an active
BookingShare whose grantee is their client id). Another family's object and a missing object look the same.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from client_profile.models import Attendee, Booking, BookingShare
from client_profile.services.errors import NotFound
from client_profile.services.identity import Principal


def shared_booking_ids(principal: Principal):
    """A subquery of the booking ids actively shared with this principal."""
    return select(BookingShare.booking_id).where(
        BookingShare.grantee_client_id == principal.client_id, BookingShare.revoked_at.is_(None)
    )


def visible_bookings_clause(principal: Principal):
    """A WHERE clause over Booking (joined to Attendee) limiting rows to what the principal may see."""
    own = Attendee.family_id == principal.family_id if principal.family_id is not None else None
    shared = Booking.id.in_(shared_booking_ids(principal))
    return or_(own, shared) if own is not None else shared


def get_visible_booking(db: Session, principal: Principal, booking_id: object) -> Booking:
    """The booking if the principal may see it; NotFound otherwise (also for malformed ids)."""
    if isinstance(booking_id, bool) or not isinstance(booking_id, int) or not 0 < booking_id < 2**62:
        raise NotFound("booking")
    row = db.exec(
        select(Booking).join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Booking.id == booking_id, Booking.provider_id == principal.provider_id,
               visible_bookings_clause(principal))
    ).first()
    if row is None:
        raise NotFound("booking")
    return row


def parse_id(value: object) -> int | None:
    """A positive int id from client input ("12" or 12); None for anything else (bools, floats, junk)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        number = int(value)
        return number if number > 0 else None
    return None
