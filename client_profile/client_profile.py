"""Builds the Reflex app: pages, the HTTP API in front of it, the outbox worker, security headers."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import pkgutil
from urllib.parse import quote

import reflex as rx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from client_profile import log_limits, page_registry, pages
from client_profile.api import auth as auth_api
from client_profile.api import calendar as calendar_api
from client_profile.api import dev_mailbox, media
from client_profile.api import my_data as my_data_api
from client_profile.api import payments as payments_api
from client_profile.api import unsubscribe as unsubscribe_api
from client_profile.api.admin import charges as admin_charges
from client_profile.api.admin import documents as admin_documents
from client_profile.api.admin import imports as admin_imports
from client_profile.api.admin import media as admin_media
from client_profile.api.admin import statements as admin_statements
from client_profile.api.deps import current_principal, current_staff
from client_profile.api.headers import security_headers
from client_profile.api.v1 import build_v1
from client_profile.settings import get_settings
from client_profile.state.admin.shell import AdminShellState
from client_profile.state.guard import TabGuard
from client_profile.state.shell import ShellState
from client_profile.worker import run_worker

settings = get_settings()

# docs/security.md finding 6, before Reflex sets up its socket server and loggers: one websocket message is at most
# SOCKET_MAX_MESSAGE_BYTES (Reflex reads REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE when it creates the socket.io server;
# our setting is the one knob), and no framework log record carries more than a few KB of a bad event.
os.environ["REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE"] = str(settings.socket_max_message_bytes)
log_limits.install()


def build_api() -> FastAPI:
    """Our HTTP routes and the login guard; Reflex mounts itself under this app (api_transformer)."""
    routes = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    for module in (
        auth_api,
        dev_mailbox,
        media,
        payments_api,
        calendar_api,
        my_data_api,
        admin_media,
        admin_charges,
        admin_statements,
        admin_documents,
        admin_imports,
        unsubscribe_api,
    ):
        routes.include_router(module.router)
    routes.mount("/api/v1", build_v1())  # the REST API (docs/api.md): its own app, key-authenticated
    routes.middleware("http")(guard)
    return routes


# Paths the HTTP guard never redirects: the login itself, Reflex's own endpoints, static files.
_PUBLIC_PREFIXES = (
    "/login",
    "/auth/",
    "/api/",  # the REST API: a key, never a session (api/v1)
    "/admin/login",
    "/admin/auth/",
    "/admin/media/",  # the console's photos: the route checks the staff session itself (api/admin/media.py)
    "/admin/documents/",  # the console's PDFs: the route checks the staff session itself (api/admin/documents.py)
    "/dev/",
    "/media/",
    "/calendar/",
    "/unsubscribe/",  # one-click unsubscribe: the token is the key (api/unsubscribe.py)
    "/_event",
    "/_upload",
    "/_health",
    "/ping",
    "/assets/",
    "/favicon",
    "/manifest",
    "/__",
    "/_next",
    "/static/",
)


def _is_page_request(request: Request) -> bool:
    path = request.url.path
    if request.method != "GET" or path.startswith(_PUBLIC_PREFIXES):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." not in last


async def guard(request: Request, call_next):
    """Send a browser without a valid session to /login before any page loads; pages are never cached.
    (Every other security header comes from api.headers.security_headers, around everything.)"""
    # The session look-up is blocking database work: off the event loop. Console pages (/admin) need a staff
    # session, every other page a client session: the two never stand in for each other.
    path = request.url.path
    console = path == "/admin" or path.startswith("/admin/")
    if _is_page_request(request) and (
        await run_in_threadpool(current_staff if console else current_principal, request) is None
    ):
        # Back to this page after the login (auth.safe_return_path keeps it a local path of ours).
        wanted = path + (f"?{request.url.query}" if request.url.query else "")
        login, home = ("/admin/login", "/admin") if console else ("/login", "/")
        target = login if wanted == home else f"{login}?next=" + quote(wanted, safe="")
        if request.query_params.get("email") and wanted != home:  # an invitation link: the address filled in
            target += "&email=" + quote(request.query_params["email"], safe="")
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
    # Reflex mounts itself under our FastAPI app, then the headers middleware wraps both (docs/decisions.md
    # "Security headers in one middleware").
    api_transformer=[api, security_headers],
    head_components=[
        rx.el.meta(name="theme-color", content="#0d9488"),
        rx.el.meta(
            name="description", content="Your bookings, sessions, payments and benefits in one place."
        ),
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

# Every module of pages/ registers its pages on import (page_registry.py): a new page is one decorated function.
for module in pkgutil.iter_modules(pages.__path__):
    importlib.import_module(f"{pages.__name__}.{module.name}")
# The shell's loader (who is logged in, the provider, for the header) runs first on each page that has the shell.
_SHELL_LOADERS = {"client": ShellState.load_shell, "staff": AdminShellState.load_admin_shell}
for spec in page_registry.PAGES:
    app.add_page(
        spec.component,
        route=spec.route,
        title=page_registry.full_title(spec.title),
        on_load=[_SHELL_LOADERS[spec.area], *spec.load] if spec.shell else list(spec.load) or None,
    )
