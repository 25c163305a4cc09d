"""The per-family calendar feed: GET /calendar/<family id>-<token>.ics (no login; the URL is the secret).

Calendar apps (Google, Apple) fetch it without cookies, so the token in the URL is the only credential
(services.schedule.calendar). Unknown, malformed, regenerated-away and switched-off feeds all get the same 404.
The page guard in client_profile.py leaves the path alone (its last segment has a "."), so it never redirects
to /login.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from client_profile.db import unit_of_work
from client_profile.models import utcnow
from client_profile.services.schedule import calendar

router = APIRouter()

_NOT_FOUND_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_FEED_HEADERS = {
    "Cache-Control": "private, max-age=300",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Disposition": 'inline; filename="calendar.ics"',
}


def _not_found() -> Response:
    return Response("Not found", status_code=404, media_type="text/plain", headers=_NOT_FOUND_HEADERS)


@router.api_route("/calendar/{key}.ics", methods=["GET", "HEAD"])
def calendar_feed(key: str) -> Response:
    with unit_of_work() as db:
        family_id = calendar.family_for_token(db, key)
        if family_id is None:
            return _not_found()
        body = calendar.build_ics(db, family_id, utcnow())
    return Response(body, media_type="text/calendar; charset=utf-8", headers=_FEED_HEADERS)


@router.api_route("/calendar/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
def calendar_other(rest: str) -> Response:
    """Anything else under /calendar/ (no .ics, extra segments) gets the same answer as a dead feed."""
    return _not_found()
