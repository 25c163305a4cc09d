"""Who may see what. Every query for client data is scoped here, so no caller can forget the scope.

A principal sees the bookings of attendees in their own family, plus bookings shared with them (an active
BookingShare whose grantee is their client id). Another family's object and a missing object look the same.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from client_profile.models import Attendee, Booking, BookingShare, Charge
from client_profile.services.errors import NotFound
from client_profile.services.people.identity import Principal


def shared_booking_ids(principal: Principal):
    """A subquery of the booking ids actively shared with this principal."""
    return select(BookingShare.booking_id).where(
        BookingShare.grantee_client_id == principal.client_id, BookingShare.revoked_at.is_(None)
    )


def _bookings_clause(principal: Principal, shared_ids):
    """The provider's bookings of the principal's family's attendees, plus the booking ids `shared_ids` selects.
    Over Booking alone (the family is a subquery), so a caller joins Attendee only when it needs its columns."""
    shared = Booking.id.in_(shared_ids)
    if principal.family_id is not None:
        own = Booking.attendee_id.in_(select(Attendee.id).where(Attendee.family_id == principal.family_id))
        shared = or_(own, shared)
    return and_(Booking.provider_id == principal.provider_id, shared)


def visible_bookings_clause(principal: Principal):
    """A WHERE clause over Booking: the bookings the principal may see (their family's and those shared with
    them), of their provider. Every query of client booking data uses it."""
    return _bookings_clause(principal, shared_booking_ids(principal))


def managed_bookings_clause(principal: Principal):
    """A WHERE clause over Booking: the bookings the principal may change (excuse sessions, book and cancel
    make-ups, join or leave a waiting list): their own family's, and bookings shared with them with the manage
    scope. A view-only or pay-only share sees a booking but may not change it."""
    return _bookings_clause(principal, shared_booking_ids(principal).where(BookingShare.can_manage.is_(True)))


def may_manage(db: Session, principal: Principal, booking: Booking) -> bool:
    """Whether the principal may change this (visible) booking: see managed_bookings_clause."""
    return (
        db.exec(
            select(Booking.id).where(
                Booking.id == booking.id,
                managed_bookings_clause(principal),
            )
        ).first()
        is not None
    )


def payable_charges_clause(principal: Principal):
    """A WHERE clause over Charge: what the principal may pay and whose documents they may download: their
    family's charges, plus the charges of bookings shared with them with the pay scope."""
    shared = shared_booking_ids(principal).where(BookingShare.can_pay.is_(True))
    clauses = [Charge.booking_id.in_(shared)]
    if principal.family_id is not None:
        clauses.append(Charge.family_id == principal.family_id)
    return (Charge.provider_id == principal.provider_id) & or_(*clauses)


def visible_charges_clause(principal: Principal):
    """A WHERE clause over Charge: what the principal may see is due, i.e. the payable charges plus those of
    any booking shared with them (a view-only sharer sees what is due and who pays it, but cannot pay it)."""
    return (Charge.provider_id == principal.provider_id) & or_(
        payable_charges_clause(principal), Charge.booking_id.in_(shared_booking_ids(principal))
    )


def visible_members_clause(principal: Principal):
    """A WHERE clause over Attendee: the principal's family members plus the attendees of bookings shared with
    them (a sharer sees that child's name and photo, never the rest of the family)."""
    shared = Attendee.id.in_(select(Booking.attendee_id).where(Booking.id.in_(shared_booking_ids(principal))))
    return (
        or_(Attendee.family_id == principal.family_id, shared) if principal.family_id is not None else shared
    )


def member_visible(db: Session, principal: Principal, attendee_id: int) -> bool:
    """Whether the principal may see this attendee (visible_members_clause)."""
    return (
        db.exec(
            select(Attendee.id).where(Attendee.id == attendee_id, visible_members_clause(principal))
        ).first()
        is not None
    )


def get_visible_booking(db: Session, principal: Principal, booking_id: object) -> Booking:
    """The booking if the principal may see it; NotFound otherwise (also for malformed ids)."""
    if not is_id(booking_id):
        raise NotFound("booking")
    row = db.exec(
        select(Booking).where(
            Booking.id == booking_id,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("booking")
    return row


MAX_ID = 2**62  # below every database's integer range, so a huge id is "not found", never a driver error


def is_id(value: object) -> bool:
    """Whether an id handed to a service is a real positive integer id (not a bool, float, string or junk)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def parse_id(value: object) -> int | None:
    """A positive int id from client input ("12" or 12); None for anything else (bools, floats, junk)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    return value if is_id(value) else None
