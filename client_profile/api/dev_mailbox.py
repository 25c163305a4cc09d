"""GET /dev/mailbox: the development mailbox, so someone trying the demo without SMTP can read the login code.

Served only when settings.dev_mailbox_enabled (development/test and no SMTP_HOST; impossible in production) and
only to a loopback client that did not come through a proxy. Anything else gets a plain 404.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from client_profile.api._html import esc, page, plain
from client_profile.services.notifications.outbox import dev_mailbox_messages
from client_profile.settings import get_settings

router = APIRouter()

_PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")


def _from_loopback(request: Request) -> bool:
    if any(h in request.headers for h in _PROXY_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/dev/mailbox")
async def dev_mailbox(request: Request) -> Response:
    if not get_settings().dev_mailbox_enabled or not _from_loopback(request):
        return plain(404, "Not Found")
    messages = await run_in_threadpool(dev_mailbox_messages, 20)
    items = (
        "".join(
            "<article>"
            f"<p><strong>{esc(m.subject)}</strong><br>"
            f'<span class="muted">To {esc(m.to)} · {esc(m.date.strftime("%Y-%m-%d %H:%M:%S UTC") if m.date else "")}'
            "</span></p>"
            f"<pre>{esc(m.text)}</pre>"
            "</article>"
            for m in messages
        )
        or '<p class="muted">No messages yet. Ask for a login code and reload this page.</p>'
    )
    body = (
        '<p class="dev">DEVELOPMENT ONLY: e-mails are not sent. This local mailbox shows them instead; '
        "it does not exist in production.</p>"
        "<h1>Development mailbox</h1>"
        f'<p class="muted">Newest first, from {esc(get_settings().dev_mailbox_dir)}.</p>' + items
    )
    return page("Development mailbox", body, provider_name="Client Profile", brand="#b45309")
