"""Login routes: plain server-rendered HTTP pages (not Reflex), so the session cookie can be HttpOnly and the link
is never opened by a JS-executing page (docs/security.md AUTH-10, AUTH-11;
docs/decisions.md "Login pages are plain HTTP pages").

The same routes serve both areas (services.people.auth.Area): the client profile under /login and /auth/, the
provider console under /admin/login and /admin/auth/, each with its own cookies.

GET  /login                e-mail form
POST /auth/request         start a login; flow cookie; 303 /login/code (same answer for every address)
GET  /login/code           code form (needs the flow cookie)
POST /auth/verify          check the code; session cookie; 303 / (the console: /admin)
GET  /auth/link/{token}    confirm page with a POST button (HEAD too; no side effects)
POST /auth/link/{token}    log in, only with the flow cookie of the browser that asked
POST /auth/logout          revoke this session
POST /auth/logout-all      revoke every session of the account
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
from client_profile.services.people.auth import AREAS, CLIENT, Area, LoginError, login_message
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


def _logged_in(request: Request, token: str, area: Area) -> Response:
    """To the page that was asked for before login (or the area's home), with a new session cookie (never a
    promoted pre-login value) and the flow and return cookies gone (AUTH-11)."""
    back = request.cookies.get(auth.return_cookie_name(area), area.home)
    response = redirect(auth.safe_return_path(back, area))
    _set_cookie(response, auth.session_cookie_name(area), token, auth.session_max_age_seconds())
    _delete_cookie(response, auth.flow_cookie_name(area))
    if auth.return_cookie_name(area) in request.cookies:
        _delete_cookie(response, auth.return_cookie_name(area))
    return response


def _forbidden() -> Response:
    return plain(403, "Forbidden: this form was sent from another site.")


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:200]


# --------------------------------------------------------------------------------------------------- pages


def _principal_of(area: Area):
    return auth.principal_for_token if area is CLIENT else auth.staff_principal_for_token


# Words that differ between the two logins.
_TEXT = {
    "client": {
        "title": "Log in",
        "hint": "Use the address you gave when you booked.",
    },
    "staff": {
        "title": "Log in to the console",
        "hint": "Staff only: use the address the owner added for you. Families log in at /login.",
    },
}


def _add_routes(area: Area) -> None:
    """The login routes of one area (docstring of this module), with its paths and cookies."""
    login, prefix = area.login_page, area.auth_prefix

    @router.get(login, name=f"{area.name}_login_page")
    async def login_page(request: Request) -> Response:
        return await _login_page(request, area)

    @router.post(f"{prefix}/request", name=f"{area.name}_request_code")
    async def request_code(request: Request) -> Response:
        return await _request_code(request, area)

    @router.get(f"{login}/code", name=f"{area.name}_code_page")
    async def code_page(request: Request) -> Response:
        return await _code_page(request, area)

    @router.post(f"{prefix}/verify", name=f"{area.name}_verify")
    async def verify(request: Request) -> Response:
        return await _verify(request, area)

    @router.api_route(f"{prefix}/link/{{token}}", methods=["GET", "HEAD"], name=f"{area.name}_link_page")
    async def link_page(token: str, request: Request) -> Response:
        return await _link_page(token, request, area)

    @router.post(f"{prefix}/link/{{token}}", name=f"{area.name}_link_confirm")
    async def link_confirm(token: str, request: Request) -> Response:
        return await _link_confirm(token, request, area)

    @router.post(f"{prefix}/logout", name=f"{area.name}_logout")
    async def logout(request: Request) -> Response:
        return await _logout(request, area)

    @router.post(f"{prefix}/logout-all", name=f"{area.name}_logout_all")
    async def logout_all(request: Request) -> Response:
        return await _logout_all_route(request, area)


async def _login_page(request: Request, area: Area) -> Response:
    text = _TEXT[area.name]
    if await run_in_threadpool(
        _with_db, _principal_of(area), request.cookies.get(auth.session_cookie_name(area))
    ):
        return redirect(area.home)
    q = request.query_params
    notice = None
    if q.get("logged_out") == "1":
        notice = login_message("logged-out")
    elif q.get("logged_out") == "all":
        notice = login_message("logged-out-all")
    # ?email=... (the *|PROFILE_URL|* of the provider's e-mails) fills the address in; it is only a value.
    typed = q.get("email") or ""
    prefill = f' value="{esc(typed)}"' if 0 < len(typed) <= 254 and typed.isprintable() else ""
    body = (
        f"<h1>{esc(text['title'])}</h1>"
        + _message_html(login_message(q.get("error")))
        + _message_html(notice, ok=True)
        + "<p>We will e-mail you a 6-digit code and a login link. No password needed.</p>"
        f'<form method="post" action="{area.auth_prefix}/request" novalidate>'
        f'<input type="hidden" name="next" value="{esc(auth.safe_return_path(q.get("next"), area))}">'
        '<label for="email">E-mail address</label>'
        '<input id="email" type="email" name="email" autocomplete="email" inputmode="email" required '
        f'maxlength="254" autocapitalize="none" spellcheck="false" autofocus{prefill}>'
        '<button type="submit">Send me a code</button>'
        "</form>"
        f'<p class="links muted">{esc(text["hint"])}</p>'
    )
    return await _page(text["title"], body)


async def _request_code(request: Request, area: Area) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    try:
        form = await _form(request)
    except _BadForm:
        return redirect(f"{area.login_page}?error=invalid-email")
    try:
        flow = await run_in_threadpool(
            _with_db,
            auth.request_login,
            form.get("email", ""),
            client_ip(request),
            _user_agent(request),
            current_flow=request.cookies.get(auth.flow_cookie_name(area)),
            area=area,
        )
    except LoginError as exc:
        return redirect(f"{area.login_page}?error={quote(exc.code)}")
    outbox.nudge()  # after the commit: the worker sends the mail within about a second
    response = redirect(f"{area.login_page}/code")
    _set_cookie(response, auth.flow_cookie_name(area), flow, auth.flow_max_age_seconds())
    back = auth.safe_return_path(form.get("next", area.home), area)
    if back != area.home:  # the page that was asked for before login: opened after it, in this browser
        _set_cookie(response, auth.return_cookie_name(area), back, auth.flow_max_age_seconds())
    return response


async def _code_page(request: Request, area: Area) -> Response:
    login = area.login_page
    if not request.cookies.get(auth.flow_cookie_name(area)):
        return redirect(login)
    minutes = get_settings().login_code_minutes
    body = (
        "<h1>Enter your code</h1>"
        + _message_html(login_message(request.query_params.get("error")))
        + "<p>If the address belongs to an account, we have sent it a 6-digit code and a login link. "
        f"They are valid for {minutes} minutes.</p>"
        f'<form method="post" action="{area.auth_prefix}/verify" novalidate>'
        '<label for="code">6-digit code</label>'
        '<input id="code" class="code" name="code" autocomplete="one-time-code" inputmode="numeric" '
        'pattern="[0-9 ]*" maxlength="7" required autofocus>'
        '<button type="submit">Log in</button>'
        "</form>"
        '<p class="links muted">No e-mail? Check your spam folder, or wait a minute and '
        f'<a href="{login}">ask again</a>.</p>'
        f'<p class="links"><a href="{login}">Use a different e-mail</a></p>'
    )
    return await _page("Enter your code", body)


async def _verify(request: Request, area: Area) -> Response:
    login = area.login_page
    if not origin_allowed(request):
        return _forbidden()
    flow = request.cookies.get(auth.flow_cookie_name(area))
    if not flow:
        return redirect(f"{login}?error=no-flow")
    try:
        form = await _form(request)
    except _BadForm:
        return redirect(f"{login}/code?error=code-format")
    try:
        token, _principal = await run_in_threadpool(
            _with_db, auth.verify_code, flow, form.get("code", ""), user_agent=_user_agent(request), area=area
        )
    except LoginError as exc:
        if exc.code == "no-flow":
            return redirect(f"{login}?error=no-flow")
        return redirect(f"{login}/code?error={quote(exc.code)}")
    return _logged_in(request, token, area)


async def _link_page(token: str, request: Request, area: Area) -> Response:
    """Mail scanners fetch links: this only shows a button, it never consumes the link or sets a cookie."""
    login = area.login_page
    status = await run_in_threadpool(_with_db, auth.link_status, token, area=area)
    if status != "valid":
        code = {"expired": "link-expired", "used": "link-used"}.get(status, "link-invalid")
        body = (
            f"<h1>Log in</h1>{_message_html(login_message(code))}"
            f'<p class="links"><a href="{login}">Request a new code</a></p>'
        )
        return await _page("Login link", body)
    here = await run_in_threadpool(
        _with_db,
        auth.link_opened_where_asked,
        token,
        request.cookies.get(auth.flow_cookie_name(area)),
        area=area,
    )
    body = (
        "<h1>Log in</h1>"
        + ("<p>Logging you in...</p>" if here else "<p>Press the button to log in on this device.</p>")
        + f'<form method="post" action="{area.auth_prefix}/link/{esc(token)}" id="link-login">'
        '<button type="submit">Log in</button></form>'
        '<p class="links muted">Did not ask to log in? Close this page; nothing happens.</p>'
    )
    # In the browser that asked for the login (its flow cookie matches), the page logs in by itself: the GET
    # still changes nothing (a scanner, or another browser, only ever gets the button).
    return await _page("Log in", body, script=AUTO_SUBMIT if here else "")


async def _link_confirm(token: str, request: Request, area: Area) -> Response:
    login = area.login_page
    if not origin_allowed(request):
        return _forbidden()
    try:
        session_token, _principal = await run_in_threadpool(
            _with_db,
            auth.confirm_link,
            token,
            request.cookies.get(auth.flow_cookie_name(area)),
            user_agent=_user_agent(request),
            area=area,
        )
    except LoginError as exc:
        if exc.code == "other-device":
            body = (
                "<h1>Enter the code instead</h1>"
                + _message_html(str(exc))
                + "<p>For your safety, a login link only works in the browser where you asked for it. "
                "The same e-mail contains a 6-digit code: enter it on that device.</p>"
                f'<p class="links"><a href="{login}">Start again on this device</a></p>'
            )
            return await _page("Enter the code instead", body)
        body = (
            f"<h1>Log in</h1>{_message_html(str(exc))}"
            f'<p class="links"><a href="{login}">Request a new code</a></p>'
        )
        return await _page("Login link", body)
    return _logged_in(request, session_token, area)


def _logged_out(area: Area, how: str) -> Response:
    response = redirect(f"{area.login_page}?logged_out={how}")
    _delete_cookie(response, auth.session_cookie_name(area))
    # Clear-Site-Data would also end the other area's tab storage; it is harmless there (state is server-side).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


async def _logout(request: Request, area: Area) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    await run_in_threadpool(_with_db, auth.logout, request.cookies.get(auth.session_cookie_name(area)))
    return _logged_out(area, "1")


def _logout_all(db, token: str | None, area: Area) -> None:
    principal = _principal_of(area)(db, token)
    if principal is not None:
        auth.logout_everywhere(db, principal)


async def _logout_all_route(request: Request, area: Area) -> Response:
    if not origin_allowed(request):
        return _forbidden()
    await run_in_threadpool(_with_db, _logout_all, request.cookies.get(auth.session_cookie_name(area)), area)
    return _logged_out(area, "all")


for _area in AREAS:
    _add_routes(_area)
