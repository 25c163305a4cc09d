"""Change tracking for live pages: every write a family should see bumps its families' data_version in the same
transaction; open pages compare the version they showed with the current one and reload when it moved.

Works the same with one worker or many (the database is the only shared truth), and for changes made by the
admin CLI or another process.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, select

from client_profile.models import Attendance, Attendee, Booking, BookingShare, Family
from client_profile.services.people.identity import Principal


def bump_families(db: Session, family_ids: Iterable[int | None]) -> None:
    ids = sorted({i for i in family_ids if i is not None})
    if ids:
        db.execute(update(Family).where(Family.id.in_(ids)).values(data_version=Family.data_version + 1))


def bump_for_bookings(db: Session, booking_ids: Iterable[int]) -> None:
    """The owning families of these bookings (shared persons watch the owner's family too)."""
    ids = list(set(booking_ids))
    if ids:
        families = (
            select(Attendee.family_id)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id.in_(ids))
        )
        db.execute(update(Family).where(Family.id.in_(families)).values(data_version=Family.data_version + 1))


def bump_for_sessions(db: Session, session_ids: Iterable[int]) -> None:
    """Every family with an attendance (regular or make-up) in these sessions."""
    ids = list(set(session_ids))
    if ids:
        bookings = select(Attendance.booking_id).where(Attendance.session_id.in_(ids))
        families = (
            select(Attendee.family_id)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id.in_(bookings))
        )
        db.execute(update(Family).where(Family.id.in_(families)).values(data_version=Family.data_version + 1))


def version_expression(client_id, family_id):
    """A scalar SQL expression: the version of everything a client (with this family) can see. It changes
    whenever any of those families' data_version moves or a share to the client is granted or revoked.
    `client_id`/`family_id` are columns (to embed it in the session lookup) or bind parameters."""
    active_shares = (BookingShare.grantee_client_id == client_id) & BookingShare.revoked_at.is_(None)
    shared_families = (
        select(Attendee.family_id)
        .join(Booking, Booking.attendee_id == Attendee.id)
        .join(BookingShare, BookingShare.booking_id == Booking.id)
        .where(active_shares)
        .correlate_except(Attendee, Booking, BookingShare)  # the client columns come from the outer query
    )
    family_alias = Family.__table__.alias("visible_family")
    versions = (
        select(func.coalesce(func.sum(family_alias.c.data_version), 0))
        .where(or_(family_alias.c.id == family_id, family_alias.c.id.in_(shared_families)))
        .scalar_subquery()
    )
    # Mixing in the count of active shares makes granting/revoking a share visible too.
    shares = select(func.count()).select_from(BookingShare).where(active_shares).scalar_subquery()
    return versions * 1000 + shares


# Built once: the same expression the session lookup embeds (services.people.auth), for callers with a principal.
_VERSION_STMT = select(version_expression(bindparam("client_id"), bindparam("family_id")))


def version_for(db: Session, principal: Principal) -> int:
    """A number that changes whenever anything the principal can see changes. The session lookup already
    returns it (Principal.data_version); this asks again, e.g. within a longer unit of work."""
    family_id = principal.family_id if principal.family_id is not None else -1
    params = {"client_id": principal.client_id, "family_id": family_id}
    return int(db.connection().execute(_VERSION_STMT, params).scalar_one())
