"""Attendee details a provider's admin maintains (a photo for the family switcher)."""

from __future__ import annotations

from sqlmodel import Session

from client_profile.integrations.images import ImageError, square_jpeg
from client_profile.models import Attendee, utcnow
from client_profile.services.errors import DomainError, NotFound


def set_photo(db: Session, attendee_id: int, data: bytes) -> None:
    attendee = db.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound("attendee")
    try:
        attendee.photo_jpeg = square_jpeg(data)
    except ImageError as exc:
        raise DomainError(str(exc)) from None
    attendee.photo_updated_at = utcnow()
    db.add(attendee)


def remove_photo(db: Session, attendee_id: int) -> None:
    attendee = db.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound("attendee")
    attendee.photo_jpeg = None
    attendee.photo_updated_at = utcnow()
    db.add(attendee)
