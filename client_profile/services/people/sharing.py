"""Shared access to a booking: the rule for granting and revoking it (docs/domain.md "Sharing").

A share gives another person (identified by e-mail) a view of one booking, with notifications by default and
optionally the right to pay or to manage it. The grantee logs in the same passwordless way as everyone else,
so a login identity (a Client without a family) is created for an address we do not know yet.

These functions are the admin side (the CLI): the caller is trusted to act for the provider. A client-side
"share this booking" action must check that the acting Principal may manage the booking before calling
``grant_share``/``revoke_share``.
"""

from __future__ import annotations

from sqlmodel import Session, select

from client_profile.models import Attendee, Booking, BookingShare, Client, utcnow
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people.access import is_id
from client_profile.services.people.changes import bump_for_bookings
from client_profile.services.people.identity import normalize_email


def _booking(db: Session, booking_id: object) -> Booking:
    if not is_id(booking_id):
        raise NotFound("booking")
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking")
    return booking


def grant_share(
    db: Session,
    booking_id: int,
    email: str,
    notify: bool = True,
    can_pay: bool = False,
    can_manage: bool = False,
    created_by: int | None = None,
) -> BookingShare:
    """Share one booking with the person at ``email`` (view access; notifications, paying and managing as
    given). Granting again updates the scope of the existing share, and re-activates a revoked one.

    The grantee's Client is linked (created without a family when the address is new, so the person can log
    in). Raises NotFound for an unknown booking and DomainError for a bad address or for a member of the
    booking's own family (who already sees it). The caller commits.
    """
    booking = _booking(db, booking_id)
    address = normalize_email(email)
    for name, value in (("notify", notify), ("can_pay", can_pay), ("can_manage", can_manage)):
        if not isinstance(value, bool):
            raise DomainError(f"The share setting {name} must be true or false.")
    if created_by is not None and db.get(Client, created_by) is None:
        raise NotFound("client")

    family_id = db.exec(select(Attendee.family_id).where(Attendee.id == booking.attendee_id)).one()
    grantee = db.exec(
        select(Client).where(Client.provider_id == booking.provider_id, Client.email == address)
    ).first()
    if grantee is not None and grantee.family_id is not None and grantee.family_id == family_id:
        raise DomainError(f"{address} belongs to the family of this booking and already sees it.")
    if grantee is None:
        grantee = Client(provider_id=booking.provider_id, email=address, family_id=None)
        db.add(grantee)
        db.flush()

    share = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id, BookingShare.grantee_email == address
        )
    ).first()
    if share is None:
        share = BookingShare(booking_id=booking.id, grantee_email=address, created_by_client_id=created_by)
        db.add(share)
    elif share.revoked_at is not None:
        share.revoked_at = None
        share.created_at = utcnow()
        share.created_by_client_id = created_by
    share.grantee_client_id = grantee.id
    share.notify = notify
    share.can_pay = can_pay
    share.can_manage = can_manage
    bump_for_bookings(db, [share.booking_id])
    db.flush()
    return share


def revoke_share(db: Session, booking_id: int, email: str) -> BookingShare:
    """End the active share of ``booking_id`` with ``email`` (the row stays, with revoked_at set, as history).

    Raises NotFound when the booking or an active share with that address does not exist. The caller commits.
    """
    booking = _booking(db, booking_id)
    address = normalize_email(email)
    share = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id,
            BookingShare.grantee_email == address,
            BookingShare.revoked_at.is_(None),
        )
    ).first()
    if share is None:
        raise NotFound("share")
    share.revoked_at = utcnow()
    bump_for_bookings(db, [share.booking_id])
    db.flush()
    return share
