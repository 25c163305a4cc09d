"""GET /account/my-data.zip: everything the provider holds about the logged-in person, as a zip.

The client session cookie is the identity, and the session must hold a step-up grant (a fresh e-mail code entered
on /account a few minutes ago: services.people.auth). Without a session: to the login; without the grant: 403 with
what to do. The zip is built in memory by services.people.my_data (every query through the access clauses) and is
never cached.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from client_profile.api.deps import CurrentPrincipal
from client_profile.db import unit_of_work
from client_profile.services.people import my_data
from client_profile.services.people.auth import StepUpRequired

router = APIRouter()
log = logging.getLogger(__name__)

_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
EXPORT_PATH = "/account/my-data.zip"


@router.get(EXPORT_PATH)
def my_data_export(principal: CurrentPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login?next=%2Faccount", status_code=303, headers=_NO_STORE)
    try:
        with unit_of_work() as db:
            name, body = my_data.export_zip(db, principal)
    except StepUpRequired as refusal:
        return Response(
            f"{refusal} Go back to your Account page and ask for a code.",
            status_code=403,
            media_type="text/plain; charset=utf-8",
            headers=_NO_STORE,
        )
    log.info("data export for client %s (%s bytes)", principal.client_id, len(body))
    return Response(
        body,
        media_type="application/zip",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )
