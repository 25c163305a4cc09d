"""Attendee photos: children's pictures are served only to whoever may see that attendee."""

from __future__ import annotations

from fastapi import APIRouter, Response

from client_profile.api.deps import CurrentPrincipal
from client_profile.db import unit_of_work
from client_profile.services.errors import NotFound
from client_profile.services.home import attendee_photo
from client_profile.services.people.access import parse_id

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/media/attendees/{raw_id}/photo")
def attendee_photo_route(raw_id: str, principal: CurrentPrincipal) -> Response:
    # A str path parameter: FastAPI's own int check answered 422 and echoed the input; junk is just "not found".
    if principal is None:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    try:
        with unit_of_work() as db:
            photo = attendee_photo(db, principal, parse_id(raw_id))
    except NotFound:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    return Response(photo, media_type="image/jpeg", headers=_PRIVATE)
