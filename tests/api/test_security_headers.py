"""Security headers on every HTTP response (docs/security.md findings 4, 5, 7a), through the same stack production runs:
our FastAPI app (routes + login guard) with a compiled-front-end stand-in mounted under it the way Reflex mounts
itself (a StaticFiles with html=True, which is where trailing-slash redirects come from), wrapped in
api.headers.security_headers. The real front end in a real browser: tests/e2e/test_security_headers_e2e.py.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from client_profile.api.headers import HSTS, inline_script_hashes, security_headers
from client_profile.db import unit_of_work
from client_profile.services.people import auth
from client_profile.settings import Settings
from tests.login_helpers import make_client, override_env

INLINE = "window.__boot = 1;"
PAGE = f'<!doctype html><html><head><script>{INLINE}</script><script src="/assets/app.js"></script></head></html>'
INLINE_HASH = base64.b64encode(hashlib.sha256(INLINE.encode()).digest()).decode()


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "client"
    (root / "payments").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "index.html").write_text(PAGE)
    (root / "payments" / "index.html").write_text(PAGE)
    (root / "404.html").write_text("<!doctype html><script>window.__nf = 1;</script>")
    (root / "assets" / "app.js").write_text("console.log('app')")
    return root


def _client(site, base_url: str, logged_in: bool = True) -> TestClient:
    from client_profile.client_profile import build_api

    outer = build_api()
    outer.mount("", Starlette(routes=[Mount("/", app=StaticFiles(directory=site, html=True))]))
    cookies = {}
    if logged_in:
        _, client_id = make_client("anna@example.com")
        with unit_of_work() as db:
            token, _ = auth.create_session(db, client_id, 0)
        cookies = {auth.session_cookie_name(): token}
    return TestClient(
        security_headers(outer, frontend_dir=lambda: site),
        base_url=base_url,
        follow_redirects=False,
        cookies=cookies,
    )


def _responses(c: TestClient) -> dict[str, object]:
    return {
        "page": c.get("/"),
        "login": c.get("/login"),
        "asset": c.get("/assets/app.js"),
        "404": c.get("/no-such-page.txt"),
        "redirect": c.get("/payments"),
        "webhook": c.post("/stripe/webhook", content=b"{}"),
        "photo": c.get("/media/attendees/1/photo"),
        "calendar": c.get("/calendar/nothing.ics"),
    }


def test_https_base_url_gets_hsts_on_every_response(clean_db, site):
    with override_env(BASE_URL="https://portal.example"):
        for name, r in _responses(_client(site, "https://portal.example")).items():
            assert r.headers.get("strict-transport-security") == HSTS, name


def test_http_base_url_never_gets_hsts(clean_db, site):
    with override_env(BASE_URL="http://localhost:3000"):
        for name, r in _responses(_client(site, "http://localhost:3000")).items():
            assert "strict-transport-security" not in r.headers, name


def test_csp_nosniff_referrer_and_frame_protection_everywhere(clean_db, site):
    with override_env(BASE_URL="http://localhost:3000", FRAME_ANCESTORS=None):
        responses = _responses(_client(site, "http://localhost:3000"))
    assert responses["page"].status_code == 200 and responses["404"].status_code == 404
    for name, r in responses.items():
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, name
        assert r.headers["x-frame-options"] == "DENY", name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["referrer-policy"] in ("same-origin", "no-referrer"), name
    for name in ("page", "asset", "404", "redirect", "webhook", "photo", "calendar"):
        directives = dict(
            d.strip().split(" ", 1) for d in responses[name].headers["content-security-policy"].split(";")
        )
        scripts = directives["script-src"].split()
        assert scripts[0] == "'self'" and f"'sha256-{INLINE_HASH}'" in scripts, name
        assert "'unsafe-inline'" not in scripts and "*" not in scripts, name
        assert directives["connect-src"] == "'self' ws://localhost:3000", name
        assert directives["object-src"] == "'none'", name
    # The login pages keep their own, stricter policy (no scripts at all).
    assert responses["login"].headers["content-security-policy"].startswith("default-src 'none'")


def test_frame_ancestors_and_websocket_origin_follow_the_settings(clean_db, site):
    with override_env(BASE_URL="https://portal.example", FRAME_ANCESTORS="'self' https://www.otters.example"):
        responses = _responses(_client(site, "https://portal.example"))
    for name, r in responses.items():
        assert "frame-ancestors 'self' https://www.otters.example" in r.headers["content-security-policy"], (
            name
        )
        assert "x-frame-options" not in r.headers, name  # would contradict the CSP in older browsers
    assert "connect-src 'self' wss://portal.example" in responses["page"].headers["content-security-policy"]


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "http://partner.example",
        "https://a.example; script-src *",
        "'none' https://a.example",
        "'unsafe-inline'",
        "https://a.example/path",
    ],
)
def test_bad_frame_ancestors_are_refused_at_start(value):
    with pytest.raises(ValidationError, match="FRAME_ANCESTORS"):
        Settings(CLIENT_PROFILE_ENV="development", FRAME_ANCESTORS=value)


def test_trailing_slash_redirect_is_built_from_base_url_not_the_host_header(clean_db, site):
    """docs/security.md finding 7a: `Host: evil.example` on /payments gave `Location: http://evil.example/payments/`."""
    with override_env(BASE_URL="https://portal.example"):
        c = _client(site, "https://portal.example")
        r = c.get("/payments", headers={"Host": "evil.example"})
        assert r.status_code in (301, 302, 307, 308)
        assert r.headers["location"] == "https://portal.example/payments/"
        # Behind a TLS-terminating proxy the app sees http and its own host: the redirect still says BASE_URL.
        r = c.get("http://portal.example/payments")
        assert r.headers["location"] == "https://portal.example/payments/"


def test_inline_script_hashes_read_the_compiled_pages(site):
    assert INLINE_HASH in inline_script_hashes(site)
    assert len(inline_script_hashes(site)) == 2  # index + payments are the same script; 404's is another
    assert inline_script_hashes(None) == () and inline_script_hashes(site / "missing") == ()


def test_the_app_installs_the_middleware():
    from client_profile.client_profile import api, app

    assert list(app.api_transformer) == [api, security_headers]


def test_no_handler_sends_a_script_to_the_browser():
    """The CSP has no 'unsafe-eval', and Reflex runs rx.call_script/rx.call_function sent by a handler with eval."""
    from pathlib import Path

    import client_profile

    root = Path(client_profile.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "call_script(" in p.read_text() or "call_function(" in p.read_text()
    ]
    assert offenders == []
