"""Attendee photos for the console's register: served only to a staff member who may take the register of a
session the attendee has a place in (services.schedule.register.register_photo). The client route
(api/media.py) takes only a client session; this one only a staff session."""

from __future__ import annotations

from fastapi import APIRouter, Response

from client_profile.api.deps import CurrentStaff
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.people.access import parse_id
from client_profile.services.schedule import register

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/admin/media/attendees/{raw_id}/photo")
def register_photo_route(raw_id: str, staff: CurrentStaff) -> Response:
    # A str path parameter, as in api/media.py: junk is "not found", never a 422 echoing the input.
    if staff is None:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    try:
        with unit_of_work() as db:
            photo = register.register_photo(db, staff, parse_id(raw_id))
    except DomainError:  # NotFound, or a role without the register right: the same answer
        return Response("Not found", status_code=404, headers=_PRIVATE)
    return Response(photo, media_type="image/jpeg", headers=_PRIVATE)
