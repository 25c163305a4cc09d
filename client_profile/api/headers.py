"""Security headers for every HTTP response, in one ASGI middleware (docs/security.md findings 4, 5 and 7a).

Installed once, outermost, through ``rx.App(api_transformer=[api, security_headers])`` (docs/decisions.md
"Security headers in one middleware"), so it
covers the compiled front end (pages, assets, 404s, redirects), Reflex's own routes and our API alike. Websocket
and lifespan scopes pass untouched.

- ``Strict-Transport-Security: max-age=31536000; includeSubDomains`` whenever BASE_URL is https, never over http
  (a year is what browsers' preload rules ask for; ``includeSubDomains`` covers only names *under* BASE_URL's
  host, which a self-hoster serves from the same TLS setup; no ``preload``: that is a separate opt-in).
- A Content-Security-Policy for responses that do not bring their own (the login pages bring a stricter one):
  scripts from 'self' plus the SHA-256 of each inline script of the compiled front end (React Router writes its
  bootstrap inline), no 'unsafe-inline' and no 'unsafe-eval' for scripts (so no ``rx.call_script`` or
  ``rx.call_function`` sent from a handler: Reflex runs those with ``eval``; scripts compiled into components are
  fine); the websocket only to BASE_URL's origin; ``object-src 'none'``, ``base-uri 'none'``,
  ``form-action 'self'`` and ``frame-ancestors`` from FRAME_ANCESTORS (default ``'none'``).
- ``X-Frame-Options: DENY`` too while FRAME_ANCESTORS is ``'none'`` (older browsers); removed otherwise, so it
  cannot contradict the CSP.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` unless a route chose its own.
- A redirect's absolute Location built from the request's Host header (Starlette's StaticFiles adds the trailing
  slash that way) is rebuilt on BASE_URL: a forged Host header never comes back to the browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from client_profile.settings import Settings, get_settings

HSTS = "max-age=31536000; includeSubDomains"
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def frame_ancestors(settings: Settings | None = None) -> str:
    """The CSP ``frame-ancestors`` source list (validated by settings): who may embed our pages."""
    return (settings or get_settings()).frame_ancestors


def websocket_origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def content_security_policy(settings: Settings, script_hashes: tuple[str, ...] = ()) -> str:
    hashes = "".join(f" 'sha256-{h}'" for h in script_hashes)
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self'{hashes}",
            "style-src 'self' 'unsafe-inline'",  # Radix/emotion insert style elements at run time
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self' {websocket_origin(settings.base_url)}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors(settings)}",
        )
    )


def script_hashes_of(html: bytes) -> tuple[str, ...]:
    """Base64 SHA-256 of every inline script of one HTML document, sorted, without repeats (for its own CSP)."""
    found = {base64.b64encode(hashlib.sha256(b).digest()).decode() for b in _INLINE_SCRIPT.findall(html)}
    return tuple(sorted(found))


def inline_script_hashes(directory: Path | None) -> tuple[str, ...]:
    """Base64 SHA-256 of every inline script in the compiled front end's HTML files, sorted, without repeats."""
    if directory is None or not directory.is_dir():
        return ()
    found: set[str] = set()
    for path in sorted(directory.rglob("*.html")):
        for body in _INLINE_SCRIPT.findall(path.read_bytes()):
            if body.strip():
                found.add(base64.b64encode(hashlib.sha256(body).digest()).decode())
    return tuple(sorted(found))


def compiled_frontend_dir() -> Path | None:
    """Where ``reflex run --env prod`` serves the front end from (the same path reflex.utils.exec mounts)."""
    try:
        from reflex.utils import prerequisites
        from reflex_base import constants
        from reflex_base.config import get_config
    except ImportError:  # pragma: no cover - reflex is a dependency
        return None
    return (
        prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
    ).resolve()


class _ScriptHashes:
    """The hashes of the compiled front end, read once and again only when its index.html changes (a rebuild)."""

    def __init__(self, directory: Callable[[], Path | None]) -> None:
        self._directory = directory
        self._key: tuple | None = None
        self._hashes: tuple[str, ...] = ()

    def get(self) -> tuple[str, ...]:
        directory = self._directory()
        index = directory / "index.html" if directory else None
        try:
            key = (directory, index.stat().st_mtime_ns) if index else (None, 0)
        except OSError:
            key = (directory, 0)
        if key != self._key:
            self._hashes, self._key = inline_script_hashes(directory), key
        return self._hashes


def _rebased_location(location: str, host: str, base_url: str) -> str:
    """An absolute Location that points at the request's own Host, moved onto BASE_URL (others unchanged)."""
    parts = urlsplit(location)
    if not parts.scheme or not parts.netloc or parts.netloc.lower() != host.lower():
        return location
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def security_headers(
    app: ASGIApp, *, frontend_dir: Callable[[], Path | None] = compiled_frontend_dir
) -> ASGIApp:
    """Wrap an ASGI app so every HTTP response carries the headers above."""
    hashes = _ScriptHashes(frontend_dir)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        settings = get_settings()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if settings.base_url.startswith("https://"):
                    headers["Strict-Transport-Security"] = HSTS
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = content_security_policy(settings, hashes.get())
                if frame_ancestors(settings) == "'none'":
                    headers.setdefault("X-Frame-Options", "DENY")
                elif "x-frame-options" in headers:
                    del headers["X-Frame-Options"]
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if 300 <= message["status"] < 400 and "location" in headers:
                    host = next(
                        (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), ""
                    )
                    if not host and scope.get("server"):
                        host = "{}:{}".format(*scope["server"])
                    headers["Location"] = _rebased_location(headers["location"], host, settings.base_url)
                message = {**message, "headers": headers.raw}
            await send(message)

        await app(scope, receive, send_with_headers)

    return asgi
