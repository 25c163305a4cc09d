"""Invoices, receipts and credit notes for the console: GET /admin/documents/{id}.pdf, any document of the
provider's charges for a staff member with the money right (services.money.documents.staff_document_pdf). The
client route (/documents/{id}.pdf, api/payments.py) takes only a client session; this one only a staff session,
and anything else (no session, a role without the right, another provider's or a missing document, junk) is the
same 404."""

from __future__ import annotations

from fastapi import APIRouter, Response

from client_profile.api.deps import CurrentStaff
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.money import documents

router = APIRouter()

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/admin/documents/{doc_id}.pdf")
def staff_document_route(doc_id: str, staff: CurrentStaff) -> Response:
    # A str path parameter: junk is "not found", never a 422 echoing the input.
    if staff is None:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    try:
        with unit_of_work() as db:
            filename, pdf = documents.staff_document_pdf(db, staff, doc_id)
    except DomainError:
        return Response("Not found", status_code=404, headers=_PRIVATE)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
