"""Attendee details a provider's admin maintains (a photo for the family switcher)."""

from __future__ import annotations

from sqlmodel import Session

from client_profile.integrations.images import MIN_SIDE, UPLOAD_FORMATS, ImageError, square_jpeg
from client_profile.models import Attendee, utcnow
from client_profile.services.errors import DomainError, NotFound


def set_photo(db: Session, attendee_id: int, data: bytes, *, upload: bool = False) -> None:
    """Store the attendee's photo as a small square JPEG without EXIF. ``upload``: a file from the console,
    checked by the upload rules (JPEG, PNG or WebP; at least MIN_SIDE pixels a side)."""
    attendee = db.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound("attendee")
    rules = {"formats": UPLOAD_FORMATS, "min_side": MIN_SIDE} if upload else {}
    try:
        attendee.photo_jpeg = square_jpeg(data, **rules)
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
