"""docs/security.md findings 5 and 7a against the real production build in Chromium: the app works under its CSP (no
violation while logging in, loading home, switching member and being sent to /login by a handler once the session
is gone), a same-site page cannot frame the logged-in home,
and a forged Host header does not come back in a trailing-slash redirect. One test, to keep the e2e cost low."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


def test_app_runs_under_its_csp_and_cannot_be_framed(app_server, smtp_server, phone_page):
    page, base = phone_page, app_server
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.add_init_script(RECORD_VIOLATIONS)

    login(page, base, smtp_server, "anna@example.com")
    expect(page.locator("button.cp-member[data-member='Jakub']")).to_be_visible()
    page.locator("button.cp-member[data-member='Jakub']").click()
    expect(page.locator("button.cp-member[data-member='Jakub']")).to_have_attribute("aria-pressed", "true")

    # The served page carries the policy (prod mode: the compiled front end through our middleware).
    home = page.request.get(base + "/")
    csp = home.headers["content-security-policy"]
    scripts = csp.split("script-src ", 1)[1].split(";", 1)[0]
    assert scripts.startswith("'self' 'sha256-") and "unsafe" not in scripts
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert re.search(r"connect-src 'self' ws://localhost:\d+", csp)
    assert home.headers["x-content-type-options"] == "nosniff" and home.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in home.headers  # BASE_URL is http here

    assert page.evaluate("window.__cspViolations") == []
    assert not [m for m in console if "Content Security Policy" in m], console

    # Control: the policy is enforced, so an injected inline script does not run (and the recorder sees it).
    injected = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__injected = 1'; document.head.appendChild(s); return window.__injected; }""")
    assert injected is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))

    # A same-site page (served from our origin by the browser itself, without our headers) frames home.
    page.route(
        base + "/framer.html",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body='<!doctype html><iframe id="f" src="/"></iframe>'
        ),
    )
    page.goto(base + "/framer.html")
    page.wait_for_timeout(1500)
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed, "no child frame"
    assert "Jakub" not in framed[0].content() and "Autumn term fee" not in framed[0].content()
    assert any("frame-ancestors" in m for m in console), console

    # A forged Host header never comes back in a redirect.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.get(
        base.replace("localhost", "127.0.0.1") + "/payments",
        headers={"Host": "evil.example"},
        cookies=cookies,
        follow_redirects=False,
    )
    assert r.status_code == 307  # the static front end adds the trailing slash
    assert r.headers["location"] == base + "/payments/"

    # A handler that finds the session gone sends the tab to the login page without eval (state.session.to_login:
    # rx.redirect, then pages/login_bridge.py's compiled script does the full navigation).
    page.goto(base + "/")
    expect(page.locator("button.cp-member[data-member='Ema']")).to_be_visible()
    seen = len(console)
    assert page.request.post(base + "/auth/logout").status < 400
    # The tab's next event (its live poll, or a tap) finds the session gone and runs to_login().
    page.wait_for_url(re.compile(r"/login/?$"), timeout=30000)
    expect(page.locator("input[name=email]")).to_be_visible()  # the server's login page, not the bridge
    assert not [m for m in console[seen:] if "Content Security Policy" in m or "EvalError" in m], console[
        seen:
    ]
