"""One-click unsubscribe from one kind of optional e-mail: /unsubscribe/<token> (no login; the token is the key).

- GET shows what the link turns off and one button; it changes nothing (mail scanners follow links).
- POST turns that kind off for that person: the button of the page, or a mail program's RFC 8058 one-click
  request (body ``List-Unsubscribe=One-Click``, sent from the mailbox provider's servers, so without an Origin
  of ours). No origin check: the token is the only authority and it can do one harmless thing, turn one kind
  of message off for one person; a forged request would need the token.
- A bad or tampered token gets the same 404 page either way, and nothing changes.
The page guard leaves the path alone (public prefix in client_profile.py).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from client_profile.api._html import esc, page
from client_profile.db import unit_of_work
from client_profile.models import Client, Provider
from client_profile.services.notifications import preferences

router = APIRouter()


def _branding(db, client_id: int | None) -> tuple[str, str]:
    client = db.get(Client, client_id) if client_id is not None else None
    provider = db.get(Provider, client.provider_id) if client is not None else None
    return (provider.name, provider.brand_color) if provider is not None else ("Client Profile", "")


def _invalid(name: str, brand: str) -> Response:
    body = (
        "<h1>Link not valid</h1><p>This unsubscribe link is not valid. You can choose which e-mails you get "
        'on your account page.</p><p class="links"><a href="/account">Your account</a></p>'
    )
    return page("Unsubscribe", body, provider_name=name, brand=brand, status_code=404)


def _show(token: str) -> Response:
    found = preferences.read_token(token)
    with unit_of_work() as db:
        name, brand = _branding(db, found[0] if found else None)
        if found is None or db.get(Client, found[0]) is None:
            return _invalid(name, brand)
    label = preferences.OPTIONAL[found[1]]
    body = (
        "<h1>Stop these e-mails?</h1>"
        f"<p>You will no longer get e-mails about: <strong>{esc(label)}</strong>.</p>"
        '<p class="muted">Other messages are not affected. You can turn it back on in your account.</p>'
        f'<form method="post" action="/unsubscribe/{esc(token)}" id="unsubscribe">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return page("Unsubscribe", body, provider_name=name, brand=brand)


def _apply(token: str) -> Response:
    with unit_of_work() as db:
        done = preferences.unsubscribe(db, token)
        name, brand = _branding(db, done[0].id if done else None)
    if done is None:
        return _invalid(name, brand)
    body = (
        "<h1>Unsubscribed</h1>"
        f'<p class="msg ok" role="status">You will no longer get e-mails about: '
        f"{esc(preferences.OPTIONAL[done[1]])}.</p>"
        '<p class="links"><a href="/account">Choose your e-mails in your account</a></p>'
    )
    return page("Unsubscribed", body, provider_name=name, brand=brand)


@router.api_route("/unsubscribe/{token}", methods=["GET", "HEAD"], name="unsubscribe_page")
async def unsubscribe_page(token: str) -> Response:
    return await run_in_threadpool(_show, token)


@router.post("/unsubscribe/{token}", name="unsubscribe_confirm")
async def unsubscribe_confirm(token: str) -> Response:
    return await run_in_threadpool(_apply, token)
