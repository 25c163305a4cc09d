"""The bank-statement upload: a plain HTML form POST (multipart) from /admin/money/statements.

Not Reflex's upload handler (docs/security.md "Not done": it sees the cookies of the tab's last websocket event):
this route reads the request's own staff cookie (api.deps.CurrentStaff), refuses other sites' POSTs
(origin_allowed), refuses a declared size over the cap before reading and reads at most the cap otherwise, then
hands the bytes to services/money/statements.py and answers 303 to the statement's page. A refusal is a small
server-rendered page saying why, with the way back; nothing is stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from client_profile.api._html import esc, origin_allowed, page, redirect
from client_profile.api.deps import CurrentStaff
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.money import statements
from client_profile.services.people.access import Capability, staff_may
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider

router = APIRouter()

UPLOAD_PATH = statements.UPLOAD_PATH
LIST_PATH = "/admin/money/statements"
_MULTIPART_SLACK = 16 * 1024  # the form's boundaries and headers around the file


async def _refusal(status_code: int, message: str) -> Response:
    def branding() -> tuple[str, str]:
        try:
            with unit_of_work() as db:
                provider = current_provider(db)
                return provider.name, provider.brand_color
        except DomainError:
            return "Client Profile", ""

    name, brand = await run_in_threadpool(branding)
    body = (
        "<h1>The statement was not imported</h1>"
        f'<p class="msg" role="alert">{esc(message)}</p>'
        f'<p class="links"><a href="{LIST_PATH}">Back to the statements</a></p>'
    )
    return page("Statement not imported", body, provider_name=name, brand=brand, status_code=status_code)


async def _capped_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is (or declares itself) larger than `limit`; never buffers more."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isascii() or not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _import(staff: StaffPrincipal, file_name: str, data: bytes) -> statements.ImportResult:
    """One unit of work (SQLite: the write lock first); a concurrent upload of the same lines (PostgreSQL's
    unique key) is retried and then finds them stored."""
    for attempt in range(3):
        try:
            with unit_of_work(immediate=True) as db:
                return statements.import_statement(db, staff, file_name, data)
        except (IntegrityError, OperationalError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post(UPLOAD_PATH)
async def upload_statement(request: Request, staff: CurrentStaff) -> Response:
    if staff is None:
        return redirect("/admin/login")
    if not origin_allowed(request):
        return await _refusal(403, "The upload came from another site and was refused.")
    if not staff_may(staff, Capability.money):
        return await _refusal(403, "Your role does not allow you to see or change money.")
    too_big = f"The file is larger than {statements.MAX_BYTES // (1024 * 1024)} MB."
    body = await _capped_body(request, statements.MAX_BYTES + _MULTIPART_SLACK)
    if body is None:
        return await _refusal(413, too_big)
    request._body = body  # Starlette's form parser reads the body we already hold, nothing more
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception:  # noqa: BLE001 - any malformed multipart body is the same refusal
        return await _refusal(400, "The upload was not a file form; choose a file and try again.")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return await _refusal(422, "Choose a statement file (camt.053 XML or CSV) to upload.")
    data = await upload.read(statements.MAX_BYTES + 1)
    await form.close()
    if len(data) > statements.MAX_BYTES:
        return await _refusal(413, too_big)
    try:
        result = await run_in_threadpool(_import, staff, upload.filename or "", data)
    except DomainError as exc:
        return await _refusal(422, str(exc))
    again = "?again=1" if result.added == 0 else ""
    return redirect(f"{LIST_PATH}/{result.statement_id}{again}")
