"""HTTP routes for payments: the Stripe webhook, the Checkout return/cancel pages, invoice/receipt downloads.

- POST /stripe/webhook: at most MAX_WEBHOOK_BYTES, refused by Content-Length before reading (413); verified on the
  raw body; 400 for anything unsigned, stale, altered or not an event object; 200 once
  recorded (also for repeats); 503 when Stripe could not be read back (Stripe retries).
- GET /pay/return?session_id=...: never trusts the redirect; re-reads the session from Stripe and applies it,
  then sends the browser to the payments page, which shows the outcome.
- GET /pay/cancel/{attempt_id}: the client left Checkout; the session is expired at Stripe.
- GET /documents/{id}.pdf: the session cookie decides; another family's and a missing document are the same 404.
"""

from __future__ import annotations

import logging
from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from client_profile.api.deps import CurrentPrincipal
from client_profile.db import unit_of_work
from client_profile.integrations.stripe_gateway import GatewayError, gateway
from client_profile.services.errors import NotFound
from client_profile.services.money import documents, payments

router = APIRouter()
log = logging.getLogger(__name__)

# Payment transactions read, check and write: on SQLite they take the write lock at BEGIN (no stale snapshot).
write_uow = partial(unit_of_work, immediate=True)
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_WEBHOOK_BYTES = 512 * 1024


async def _capped_body(request: Request, limit: int) -> bytes | Response:
    """The body, or a 413/400 answer: a declared Content-Length over the cap is refused before reading anything,
    and a body without one is read only up to the cap (a lying or chunked sender cannot make us buffer more)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            return Response("Bad Content-Length", status_code=400, headers={"Cache-Control": "no-store"})
        if int(declared) > limit:
            return Response("Payload too large", status_code=413, headers={"Cache-Control": "no-store"})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return Response("Payload too large", status_code=413, headers={"Cache-Control": "no-store"})
    return bytes(body)


@router.post("/stripe/webhook")
async def stripe_webhook(request: Request) -> Response:
    raw = await _capped_body(request, MAX_WEBHOOK_BYTES)
    if isinstance(raw, Response):
        return raw
    # Database and Stripe work off the event loop (the raw body had to be read in it).
    result = await run_in_threadpool(
        payments.handle_webhook, write_uow, gateway(), raw, request.headers.get("stripe-signature")
    )
    if result.status_code != 200:
        log.warning("stripe webhook refused: %s", result.outcome)
    return Response(
        result.outcome,
        status_code=result.status_code,
        media_type="text/plain",
        headers={"Cache-Control": "no-store"},
    )


def _to_payments(query: str = "") -> RedirectResponse:
    return RedirectResponse("/payments" + query, status_code=303, headers=_NO_STORE)


@router.get("/pay/return")
def checkout_return(principal: CurrentPrincipal, session_id: str = "") -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303, headers=_NO_STORE)
    with unit_of_work() as db:
        try:
            attempt = payments.attempt_by_session(db, principal, session_id)
        except NotFound:
            return _to_payments()
    gw = gateway()
    if gw is not None:
        try:
            payments.reconcile_session(write_uow, gw, attempt.gateway_session_id)
        except GatewayError:
            log.warning("checkout return: session could not be read back; the webhook will settle it")
    return _to_payments(f"?checkout={attempt.id}")


@router.get("/pay/cancel/{attempt_id}")
def checkout_cancel(attempt_id: str, principal: CurrentPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303, headers=_NO_STORE)
    try:
        attempt = payments.cancel_attempt(write_uow, gateway(), principal, attempt_id)
    except NotFound:
        return _to_payments()
    return _to_payments(f"?checkout={attempt.id}")


@router.get("/documents/{doc_id}.pdf")
def document_download(doc_id: str, principal: CurrentPrincipal) -> Response:
    if principal is None:
        return Response("Please log in.", status_code=401, headers=_NO_STORE)
    with unit_of_work() as db:
        try:
            filename, pdf = documents.document_pdf(db, principal, doc_id)
        except NotFound:
            return Response("Not found", status_code=404, headers=_NO_STORE)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
