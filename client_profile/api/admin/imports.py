"""The CSV import's two HTTP routes (the page is /admin/import, pages/admin/imports.py):

- GET /admin/import-files/template.csv: the template (services.people.csv_import.template_csv);
- POST /admin/import-files: the upload, a plain multipart form POST (not Reflex's upload handler, whose handler
  sees the cookies of the tab's last websocket event: docs/security.md "Not done"). It reads the request's own staff
  cookie, refuses a foreign Origin, refuses a body over the cap before reading it (and reads no more than the cap
  of one without a Content-Length), keeps the file server-side bound to the staff member and the provider
  (csv_import.store_upload) and answers 303 to /admin/import/<its random id>, the page of its dry run.

Both need the people right (owner, office); without a staff session the template is a 404 and the upload goes to
the login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from client_profile.api._html import origin_allowed
from client_profile.api.deps import CurrentStaff
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError, Forbidden, NotFound
from client_profile.services.people import csv_import

router = APIRouter()

TEMPLATE_NAME = "families-import-template.csv"
# The multipart envelope around the file (boundaries, part headers, the file name): a little over the file's cap.
MAX_BODY = csv_import.MAX_BYTES + 16_384
_NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _plain(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8", headers=_NO_STORE)


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=_NO_STORE)


@router.get("/admin/import-files/template.csv")
def import_template(staff: CurrentStaff) -> Response:
    if staff is None:
        return _plain(404, "Not found")
    try:
        with unit_of_work() as db:
            body = csv_import.template_csv(db, staff)
    except Forbidden as exc:
        return _plain(403, str(exc))
    except DomainError:
        return _plain(404, "Not found")
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="{TEMPLATE_NAME}"'},
    )


async def _body(request: Request) -> bytes | Response:
    """The request body, or a 413/400 answer: a declared Content-Length over the cap is refused before anything is
    read, and a body without one is read only up to the cap."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            return _plain(400, "Bad Content-Length")
        if int(declared) > MAX_BODY:
            return _plain(413, f"The file is too large: at most {csv_import.MAX_BYTES // 1_000_000} MB.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _plain(413, f"The file is too large: at most {csv_import.MAX_BYTES // 1_000_000} MB.")
    return bytes(body)


async def _file(request: Request, body: bytes) -> tuple[str, bytes] | None:
    """The form's one file field ("file"): its name and content; None when the form is not one."""

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, receive).form(max_files=1, max_fields=4)
    except Exception:  # a malformed multipart body (Starlette raises its own 400 exceptions)
        return None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read(MAX_BODY)
    await form.close()
    return upload.filename or "", data


def _store(staff, filename: str, data: bytes) -> str:
    with unit_of_work() as db:
        return csv_import.store_upload(db, staff, filename, data)


@router.post("/admin/import-files")
async def import_upload(request: Request, staff: CurrentStaff) -> Response:
    if not origin_allowed(request):
        return _plain(403, "Forbidden")
    if staff is None:
        return _to("/admin/login?next=%2Fadmin%2Fimport")
    if not csv_import.may_import(staff):
        return _plain(403, str(Forbidden("see or change families")))
    body = await _body(request)
    if isinstance(body, Response):
        return body
    found = await _file(request, body)
    if found is None:
        return _to("/admin/import?missing=1")
    filename, data = found
    try:
        token = await run_in_threadpool(_store, staff, filename, data)
    except Forbidden as exc:
        return _plain(403, str(exc))
    except NotFound:
        return _plain(404, "Not found")
    except DomainError:  # an empty file (an oversized one was refused above)
        return _to("/admin/import?missing=1")
    return _to(f"/admin/import/{token}")
