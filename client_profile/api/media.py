"""Attendee photos: children's pictures are served only to whoever may see that attendee."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from client_profile.api.deps import principal_from_request
from client_profile.db import unit_of_work
from client_profile.models import Attendee
from client_profile.services.access import parse_id
from client_profile.services.home import member_visible

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/media/attendees/{raw_id}/photo")
def attendee_photo(raw_id: str, request: Request) -> Response:
    # A str path parameter: FastAPI's own int check answered 422 and echoed the input; junk is just "not found".
    attendee_id = parse_id(raw_id)
    if attendee_id is None:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    with unit_of_work() as db:
        principal = principal_from_request(db, request)
        if principal is None or not member_visible(db, principal, attendee_id):
            return Response("Not found", status_code=404, headers=_PRIVATE)
        attendee = db.get(Attendee, attendee_id)
        if attendee is None or attendee.photo_jpeg is None:
            return Response("Not found", status_code=404, headers=_PRIVATE)
        return Response(attendee.photo_jpeg, media_type="image/jpeg", headers=_PRIVATE)
