"""Builds the Reflex app: pages, the HTTP API in front of it, the outbox worker, security headers."""

from __future__ import annotations

import asyncio
import contextlib
import os
from urllib.parse import quote

import reflex as rx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from client_profile import log_limits
from client_profile.api import auth as auth_api
from client_profile.api import calendar as calendar_api
from client_profile.api import dev_mailbox, media
from client_profile.api import payments as payments_api
from client_profile.api.deps import principal_from_request
from client_profile.api.headers import security_headers
from client_profile.db import unit_of_work
from client_profile.pages import account as account_page
from client_profile.pages import booking, home, lists, login_bridge, makeups, not_found
from client_profile.pages import orders as orders_pages
from client_profile.pages import payments as payments_page
from client_profile.settings import get_settings
from client_profile.state.guard import TabGuard
from client_profile.worker import run_worker

settings = get_settings()

# Issue 8 finding 6, before Reflex sets up its socket server and loggers: one websocket message is at most
# SOCKET_MAX_MESSAGE_BYTES (Reflex reads REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE when it creates the socket.io server;
# our setting is the one knob), and no framework log record carries more than a few KB of a bad event.
os.environ["REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE"] = str(settings.socket_max_message_bytes)
log_limits.install()


def build_api() -> FastAPI:
    """Our HTTP routes and the login guard; Reflex mounts itself under this app (api_transformer)."""
    routes = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    for module in (auth_api, dev_mailbox, media, payments_api, calendar_api):
        routes.include_router(module.router)
    routes.middleware("http")(guard)
    return routes


# Paths the HTTP guard never redirects: the login itself, Reflex's own endpoints, static files.
_PUBLIC_PREFIXES = ("/login", "/auth/", "/dev/", "/media/", "/calendar/", "/_event", "/_upload", "/_health", "/ping",
                    "/assets/", "/favicon", "/manifest", "/__", "/_next", "/static/")


def _is_page_request(request: Request) -> bool:
    path = request.url.path
    if request.method != "GET" or path.startswith(_PUBLIC_PREFIXES):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." not in last


async def guard(request: Request, call_next):
    """Send a browser without a valid session to /login before any page loads; pages are never cached.
    (Every other security header comes from api.headers.security_headers, around everything.)"""
    if _is_page_request(request):
        with unit_of_work() as db:
            logged_in = principal_from_request(db, request) is not None
        if not logged_in:
            # Back to this page after the login (auth.safe_return_path keeps it a local path of ours).
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = "/login" if wanted == "/" else "/login?next=" + quote(wanted, safe="")
            return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response = await call_next(request)
    if _is_page_request(request):
        response.headers["Cache-Control"] = "no-store"
    return response


api = build_api()


@contextlib.asynccontextmanager
async def outbox_worker():
    """Sends queued e-mails in the background of every app process (claims are atomic, so several are safe)."""
    if settings.outbox_worker != "app":
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(stop, settings.outbox_poll_seconds))
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=10)


app = rx.App(
    # Reflex mounts itself under our FastAPI app, then the headers middleware wraps both (notes/reach.md §3).
    api_transformer=[api, security_headers],
    head_components=[
        rx.el.meta(name="theme-color", content="#0d9488"),
        rx.el.meta(name="description", content="Your bookings, sessions, payments and benefits in one place."),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
        rx.el.link(rel="icon", href="/icon-192.png", type="image/png", sizes="192x192"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
    ],
    style={"font_family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
    stylesheets=["/app.css"],
)
# Reflex's default overlay reports a lost connection as a red developer toast naming the websocket URL; the
# shell shows a plain "Connection lost - reconnecting" banner instead (components/layout.connection_lost) and
# only the toast provider (for "Link copied" and the like) stays.
app.app_wraps[(5, "Overlay")] = lambda stateful: None
app.register_lifespan_task(outbox_worker)
# Before every event: a tab's stored state never reaches a socket without that same login (state/guard.py).
app.add_middleware(TabGuard())

app.add_page(home.home, route=home.ROUTE, title="Home · Client Profile", on_load=home.ON_LOAD)
app.add_page(booking.booking_page, route=booking.ROUTE, title="Booking · Client Profile", on_load=booking.ON_LOAD)
app.add_page(makeups.makeups_page, route=makeups.ROUTE, title="Make-ups · Client Profile", on_load=makeups.ON_LOAD)
for page, route, title, on_load in lists.PAGES:
    app.add_page(page, route=route, title=f"{title} · Client Profile", on_load=on_load)
for page, route, title, on_load in orders_pages.PAGES:
    app.add_page(page, route=route, title=f"{title} · Client Profile", on_load=on_load)
app.add_page(payments_page.payments_page, route=payments_page.ROUTE, title="Payments · Client Profile",
             on_load=payments_page.ON_LOAD)
app.add_page(account_page.account_page, route=account_page.ROUTE, title="Account · Client Profile",
             on_load=account_page.ON_LOAD)
# Only reached by in-app navigation (state.session.to_login); it loads api/auth.py's /login page.
app.add_page(login_bridge.login_bridge, route=login_bridge.ROUTE, title="Log in · Client Profile")
app.add_page(not_found.not_found_page, route=not_found.ROUTE, title=not_found.TITLE)
