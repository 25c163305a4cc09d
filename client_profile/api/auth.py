"""Login routes: plain server-rendered HTTP pages (not Reflex), so the session cookie can be HttpOnly and the link
is never opened by a JS-executing page (docs/security.md AUTH-10, AUTH-11;
docs/decisions.md "Login pages are plain HTTP pages").

GET  /login                e-mail form
POST /auth/request         start a login; flow cookie; 303 /login/code (same answer for every address)
GET  /login/code           code form (needs the flow cookie)
POST /auth/verify          check the code; session cookie; 303 /
GET  /auth/link/{token}    confirm page with a POST button (HEAD too; no side effects)
POST /auth/link/{token}    log in, only with the flow cookie of the browser that asked
POST /auth/logout          revoke this session
POST /auth/logout-all      revoke every session of the client
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from client_profile.api._html import client_ip, esc, origin_allowed, page, plain, redirect
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.notifications import outbox
from client_profile.services.people import auth
from client_profile.services.people.auth import LoginError, login_message
from client_profile.services.providers import current_provider
from client_profile.settings import get_settings

router = APIRouter()

MAX_FORM_BYTES = 4096
AUTO_SUBMIT = 'document.getElementById("link-login").submit();'
T = TypeVar("T")


# --------------------------------------------------------------------------------------------------- plumbing


class _BadForm(Exception):
    pass


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body, at most MAX_FORM_BYTES; anything else reads as empty."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise _BadForm
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)
    except ValueError:
        raise _BadForm from None
    return {k: v[0] for k, v in parsed.items() if v}


def _with_db(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run a service call in one unit of work; retry twice when SQLite reports a lock conflict (its deferred
    transactions fail instead of waiting when a read is followed by a write under concurrent writers)."""
    for attempt in range(3):
        try:
            with unit_of_work() as db:
                return fn(db, *args, **kwargs)
        except OperationalError as exc:
            if attempt == 2 or "locked" not in str(exc).lower():
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _branding(db) -> tuple[str, str]:
    try:
        provider = current_provider(db)
    except DomainError:
        return "Client Profile", ""
    return provider.name, provider.brand_color


async def _page(title: str, body: str, status_code: int = 200, script: str = "") -> Response:
    name, brand = await run_in_threadpool(_with_db, _branding)
    return page(title, body, provider_name=name, brand=brand, status_code=status_code, script=script)


def _message_html(text: str | None, ok: bool = False) -> str:
    if not text:
        return ""
    role = "status" if ok else "alert"
    return f'<p class="msg{" ok" if ok else ""}" role="{role}">{esc(text)}</p>'


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=get_settings().cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _delete_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=get_settings().cookie_secure, httponly=True, samesite="lax")


def _logged_in(request: Request, token: str) -> Response:
    """To the page that was asked for before login (or home), with a new session cookie (never a promoted
    pre-login value) and the flow and return cookies gone (AUTH-11)."""
    response = redirect(auth.safe_return_path(request.cookies.get(auth.return_cookie_name(), "/")))
    _set_cookie(response, auth.session_cookie_name(), token, auth.session_max_age_seconds())
    _delete_cookie(response, auth.flow_cookie_name())
    if auth.return_cookie_name() in request.cookies:
        _delete_cookie(response, auth.return_cookie_name())
    return response


def _forbidden() -> Response:
    return plain(403, "Forbidden: this form was sent from another site.")


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:200]


# --------------------------------------------------------------------------------------------------- pages


@router.get("/login")
async def login_page(request: Request) -> Response:
    if await run_in_threadpool(
        _with_db, auth.principal_for_token, request.cookies.get(auth.session_cookie_name())
    ):
        return redirect("/")
    q = request.query_params
    notice = None
    if q.get("logged_out") == "1":
        notice = login_message("logged-out")
    elif q.get("logged_out") == "all":
        notice = login_message("logged-out-all")
    body = (
        "<h1>Log in</h1>"
        + _message_html(login_message(q.get("error")))
        + _message_html(notice, ok=True)
        + "<p>We will e-mail you a 6-digit code and a login link. No password needed.</p>"
        '<form method="post" action="/auth/request" novalidate>'
        f'<input type="hidden" name="next" value="{esc(auth.safe_return_path(q.get("next")))}">'
        '<label for="email">E-mail address</label>'
        '<input id="email" type="email" name="email" autocomplete="email" inputmode="email" required '
        'maxlength="254" autocapitalize="none" spellcheck="false" autofocus>'
        '<button type="submit">Send me a code</button>'
        "</form>"
        '<p class="links muted">Use the address you gave when you booked.</p>'
    )
    return await _page("Log in", body)


@router.post("/auth/request")
async def request_code(request: Request) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    try:
        form = await _form(request)
    except _BadForm:
        return redirect("/login?error=invalid-email")
    try:
        flow = await run_in_threadpool(
            _with_db,
            auth.request_login,
            form.get("email", ""),
            client_ip(request),
            _user_agent(request),
            current_flow=request.cookies.get(auth.flow_cookie_name()),
        )
    except LoginError as exc:
        return redirect(f"/login?error={quote(exc.code)}")
    outbox.nudge()  # after the commit: the worker sends the mail within about a second
    response = redirect("/login/code")
    _set_cookie(response, auth.flow_cookie_name(), flow, auth.flow_max_age_seconds())
    back = auth.safe_return_path(form.get("next", "/"))
    if back != "/":  # the page that was asked for before login: opened after it, in this browser
        _set_cookie(response, auth.return_cookie_name(), back, auth.flow_max_age_seconds())
    return response


@router.get("/login/code")
async def code_page(request: Request) -> Response:
    if not request.cookies.get(auth.flow_cookie_name()):
        return redirect("/login")
    minutes = get_settings().login_code_minutes
    body = (
        "<h1>Enter your code</h1>"
        + _message_html(login_message(request.query_params.get("error")))
        + "<p>If the address belongs to an account, we have sent it a 6-digit code and a login link. "
        f"They are valid for {minutes} minutes.</p>"
        '<form method="post" action="/auth/verify" novalidate>'
        '<label for="code">6-digit code</label>'
        '<input id="code" class="code" name="code" autocomplete="one-time-code" inputmode="numeric" '
        'pattern="[0-9 ]*" maxlength="7" required autofocus>'
        '<button type="submit">Log in</button>'
        "</form>"
        '<p class="links muted">No e-mail? Check your spam folder, or wait a minute and '
        '<a href="/login">ask again</a>.</p>'
        '<p class="links"><a href="/login">Use a different e-mail</a></p>'
    )
    return await _page("Enter your code", body)


@router.post("/auth/verify")
async def verify(request: Request) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    flow = request.cookies.get(auth.flow_cookie_name())
    if not flow:
        return redirect("/login?error=no-flow")
    try:
        form = await _form(request)
    except _BadForm:
        return redirect("/login/code?error=code-format")
    try:
        token, _principal = await run_in_threadpool(
            _with_db, auth.verify_code, flow, form.get("code", ""), user_agent=_user_agent(request)
        )
    except LoginError as exc:
        if exc.code == "no-flow":
            return redirect("/login?error=no-flow")
        return redirect(f"/login/code?error={quote(exc.code)}")
    return _logged_in(request, token)


@router.api_route("/auth/link/{token}", methods=["GET", "HEAD"])
async def link_page(token: str, request: Request) -> Response:
    """Mail scanners fetch links: this only shows a button, it never consumes the link or sets a cookie."""
    status = await run_in_threadpool(_with_db, auth.link_status, token)
    if status != "valid":
        code = {"expired": "link-expired", "used": "link-used"}.get(status, "link-invalid")
        body = (
            f"<h1>Log in</h1>{_message_html(login_message(code))}"
            '<p class="links"><a href="/login">Request a new code</a></p>'
        )
        return await _page("Login link", body)
    here = await run_in_threadpool(
        _with_db, auth.link_opened_where_asked, token, request.cookies.get(auth.flow_cookie_name())
    )
    body = (
        "<h1>Log in</h1>"
        + ("<p>Logging you in...</p>" if here else "<p>Press the button to log in on this device.</p>")
        + f'<form method="post" action="/auth/link/{esc(token)}" id="link-login">'
        '<button type="submit">Log in</button></form>'
        '<p class="links muted">Did not ask to log in? Close this page; nothing happens.</p>'
    )
    # In the browser that asked for the login (its flow cookie matches), the page logs in by itself: the GET
    # still changes nothing (a scanner, or another browser, only ever gets the button).
    return await _page("Log in", body, script=AUTO_SUBMIT if here else "")


@router.post("/auth/link/{token}")
async def link_confirm(token: str, request: Request) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    try:
        session_token, _principal = await run_in_threadpool(
            _with_db,
            auth.confirm_link,
            token,
            request.cookies.get(auth.flow_cookie_name()),
            user_agent=_user_agent(request),
        )
    except LoginError as exc:
        if exc.code == "other-device":
            body = (
                "<h1>Enter the code instead</h1>"
                + _message_html(str(exc))
                + "<p>For your safety, a login link only works in the browser where you asked for it. "
                "The same e-mail contains a 6-digit code: enter it on that device.</p>"
                '<p class="links"><a href="/login">Start again on this device</a></p>'
            )
            return await _page("Enter the code instead", body)
        body = (
            f"<h1>Log in</h1>{_message_html(str(exc))}"
            '<p class="links"><a href="/login">Request a new code</a></p>'
        )
        return await _page("Login link", body)
    return _logged_in(request, session_token)


@router.post("/auth/logout")
async def logout(request: Request) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    await run_in_threadpool(_with_db, auth.logout, request.cookies.get(auth.session_cookie_name()))
    response = redirect("/login?logged_out=1")
    _delete_cookie(response, auth.session_cookie_name())
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _logout_all(db, token: str | None) -> None:
    principal = auth.principal_for_token(db, token)
    if principal is not None:
        auth.logout_everywhere(db, principal)


@router.post("/auth/logout-all")
async def logout_all(request: Request) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    await run_in_threadpool(_with_db, _logout_all, request.cookies.get(auth.session_cookie_name()))
    response = redirect("/login?logged_out=all")
    _delete_cookie(response, auth.session_cookie_name())
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
