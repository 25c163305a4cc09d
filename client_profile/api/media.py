"""Attendee photos: children's pictures are served only to whoever may see that attendee."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from client_profile.api.deps import principal_from_request
from client_profile.db import unit_of_work
from client_profile.models import Attendee
from client_profile.services.home import member_visible

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/media/attendees/{attendee_id}/photo")
def attendee_photo(attendee_id: int, request: Request) -> Response:
    with unit_of_work() as db:
        principal = principal_from_request(db, request)
        if principal is None or not 0 < attendee_id < 2**62 or not member_visible(db, principal, attendee_id):
            return Response("Not found", status_code=404, headers=_PRIVATE)
        attendee = db.get(Attendee, attendee_id)
        if attendee is None or attendee.photo_jpeg is None:
            return Response("Not found", status_code=404, headers=_PRIVATE)
        return Response(attendee.photo_jpeg, media_type="image/jpeg", headers=_PRIVATE)
