"""The console's CSV export of charges (/admin/money/charges.csv): the same filters as the /admin/money list, as
query parameters (status, q, due_from, due_to). Only a staff session with the money right gets it; without a staff
session the browser goes to the console login and comes back. Cells that a spreadsheet would run as a formula are
quoted by the service (services.money.charges.safe_cell)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from client_profile import clock
from client_profile.api.deps import CurrentStaff
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError, Forbidden
from client_profile.services.money import charges

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _text(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8", headers=_PRIVATE)


@router.get(charges.EXPORT_PATH)
def export_charges(
    request: Request,
    staff: CurrentStaff,
    status: str = "",
    q: str = "",
    due_from: str = "",
    due_to: str = "",
) -> Response:
    if staff is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            "/admin/login?next=" + quote(wanted, safe=""), status_code=303, headers=_PRIVATE
        )
    try:
        filters = charges.parse_filters(status, q, due_from, due_to)
        with unit_of_work() as db:
            text = charges.export_csv(db, staff, filters)
    except Forbidden as exc:
        return _text(str(exc), 403)
    except DomainError as exc:  # a bad filter (the message names it)
        return _text(str(exc), 400)
    name = f"charges-{clock.utcnow().date().isoformat()}.csv"
    return Response(
        # A byte-order mark: spreadsheet programs then read the file as UTF-8 (names with accents).
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers=_PRIVATE | {"Content-Disposition": f'attachment; filename="{name}"'},
    )
