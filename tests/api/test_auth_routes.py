"""The login HTTP routes (client_profile.api.auth) through a small FastAPI app and the Starlette test client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from client_profile.db import unit_of_work
from client_profile.models import AuthSession, LoginRequest, OutboxMessage
from client_profile.services.notifications import outbox
from client_profile.services.people import auth
from tests.login_helpers import http_client, make_client, newest_dev_mail, override_env, secrets_from_text


@pytest.fixture
def mailbox(tmp_path):
    with override_env(DEV_MAILBOX_DIR=str(tmp_path / "mailbox")):
        yield tmp_path / "mailbox"


def assert_secure(resp) -> None:
    h = resp.headers
    assert h["cache-control"] == "no-store"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"
    csp = h["content-security-policy"]
    for part in ("default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert part in csp
    assert "script-src" not in csp and "unsafe-eval" not in csp


def _count(model) -> int:
    with unit_of_work() as db:
        return len(db.execute(select(model.id)).all())


def _mail_secrets(mailbox) -> tuple[str, str]:
    assert outbox.process_due() == 1
    msg = newest_dev_mail(mailbox)
    return secrets_from_text(msg.get_body(preferencelist=("plain",)).get_content())


def test_full_code_login_and_logout(clean_db, mailbox):
    make_client()
    c = http_client()

    r = c.get("/login")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert_secure(r)
    for attr in (
        'type="email"',
        'name="email"',
        'autocomplete="email"',
        "required",
        'action="/auth/request"',
    ):
        assert attr in r.text
    assert "<script" not in r.text and "http" not in r.text.split("<body>")[1]  # no third-party assets

    r = c.post("/auth/request", data={"email": "Ann@Example.com"})
    assert r.status_code == 303 and r.headers["location"] == "/login/code"
    assert_secure(r)
    assert c.cookies.get("cp_login_flow")

    r = c.get("/login/code")
    assert r.status_code == 200
    for attr in (
        'name="code"',
        'autocomplete="one-time-code"',
        'inputmode="numeric"',
        'pattern="[0-9 ]*"',
        'maxlength="7"',
        'action="/auth/verify"',
        'href="/login"',
    ):
        assert attr in r.text
    assert "ann@" not in r.text.lower()  # the typed address is never echoed

    code, _link = _mail_secrets(mailbox)
    wrong = "000000" if code != "000000" else "111111"
    r = c.post("/auth/verify", data={"code": wrong})
    assert r.status_code == 303 and r.headers["location"] == "/login/code?error=wrong-code-4"
    r = c.get(r.headers["location"])
    assert "That code is not right. 4 tries left." in r.text

    r = c.post("/auth/verify", data={"code": f"{code[:3]} {code[3:]}"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert_secure(r)
    token = c.cookies.get("cp_session")
    assert token and not c.cookies.get("cp_login_flow")
    with unit_of_work() as db:
        assert auth.principal_for_token(db, token) is not None

    assert c.get("/login").headers["location"] == "/"  # already logged in

    r = c.post("/auth/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login?logged_out=1"
    assert_secure(r)
    assert not c.cookies.get("cp_session")
    with unit_of_work() as db:
        assert auth.principal_for_token(db, token) is None
    assert "You are logged out." in c.get("/login?logged_out=1").text


def test_invalid_email_goes_back_with_nothing_written(clean_db, mailbox):
    make_client()
    c = http_client()
    for bad in ("", "nope", "a@b.com\r\nBcc: x@evil.com", "x" * 300 + "@example.com"):
        r = c.post("/auth/request", data={"email": bad})
        assert r.status_code == 303
        assert r.headers["location"] in ("/login?error=invalid-email", "/login?error=missing-email")
        assert "set-cookie" not in r.headers
        assert_secure(r)
    r = c.get("/login?error=invalid-email")
    assert "Please enter a valid e-mail address." in r.text
    assert _count(LoginRequest) == 0 and _count(OutboxMessage) == 0


def test_oversized_or_wrong_type_body_is_refused_quietly(clean_db):
    make_client()
    c = http_client()
    r = c.post(
        "/auth/request",
        content=b"email=" + b"a" * 10000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/login?error=invalid-email"
    r = c.post("/auth/request", json={"email": "ann@example.com"})
    assert r.headers["location"] == "/login?error=missing-email"
    assert _count(LoginRequest) == 0


def test_query_messages_are_whitelisted_never_echoed(clean_db):
    c = http_client()
    r = c.get("/login", params={"error": "<script>alert(1)</script>"})
    assert r.status_code == 200 and "alert(1)" not in r.text and "<script" not in r.text
    c.cookies.set("cp_login_flow", "x" * 43)
    r = c.get("/login/code", params={"error": 'wrong-code-2"><b>'})
    assert "<b>" not in r.text and "tries left" not in r.text
    assert "That code is not right. 2 tries left." in c.get("/login/code?error=wrong-code-2").text


def test_code_page_and_verify_need_the_flow_cookie(clean_db):
    c = http_client()
    r = c.get("/login/code")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert_secure(r)
    r = c.post("/auth/verify", data={"code": "123456"})
    assert r.status_code == 303 and r.headers["location"] == "/login?error=no-flow"
    assert "started in another browser" in c.get("/login?error=no-flow").text


@pytest.mark.parametrize(
    "path", ["/auth/request", "/auth/verify", "/auth/logout", "/auth/logout-all", "/auth/link/" + "a" * 43]
)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:3001"])
def test_cross_origin_posts_are_refused(clean_db, path, origin):
    make_client()
    c = http_client()
    r = c.post(path, data={"email": "ann@example.com", "code": "123456"}, headers={"Origin": origin})
    assert r.status_code == 403
    assert_secure(r)
    assert _count(LoginRequest) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost:3000"},
        # What Chromium sends for a form POST from a page with Referrer-Policy: no-referrer (all of ours).
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin"},
        {},  # a client that sends neither (old browser, curl)
    ],
)
def test_same_origin_post_is_accepted(clean_db, headers):
    make_client()
    r = http_client().post("/auth/request", data={"email": "ann@example.com"}, headers=headers)
    assert r.status_code == 303 and r.headers["location"] == "/login/code"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_opaque_or_cross_site_posts_are_refused(clean_db, headers):
    make_client()
    r = http_client().post("/auth/request", data={"email": "ann@example.com"}, headers=headers)
    assert r.status_code == 403
    assert _count(LoginRequest) == 0


def test_wrong_code_until_dead_then_new_request(clean_db, mailbox):
    make_client()
    c = http_client()
    c.post("/auth/request", data={"email": "ann@example.com"})
    code, _ = _mail_secrets(mailbox)
    wrong = "000000" if code != "000000" else "111111"
    locations = [c.post("/auth/verify", data={"code": wrong}).headers["location"] for _ in range(5)]
    assert locations == [f"/login/code?error=wrong-code-{n}" for n in (4, 3, 2, 1)] + [
        "/login/code?error=too-many"
    ]
    r = c.post("/auth/verify", data={"code": code})
    assert r.headers["location"] == "/login/code?error=too-many"
    assert "Too many wrong codes" in c.get(r.headers["location"]).text
    assert _count(AuthSession) == 0


def test_logout_all_message_and_cookie(clean_db, mailbox):
    make_client()
    c = http_client()
    c.post("/auth/request", data={"email": "ann@example.com"})
    code, _ = _mail_secrets(mailbox)
    c.post("/auth/verify", data={"code": code})
    r = c.post("/auth/logout-all")
    assert r.status_code == 303 and r.headers["location"] == "/login?logged_out=all"
    assert not c.cookies.get("cp_session")
    assert "You were logged out on all devices" in c.get(r.headers["location"]).text


def test_logout_without_a_session_is_harmless(clean_db):
    c = http_client()
    for path in ("/auth/logout", "/auth/logout-all"):
        r = c.post(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?logged_out=")


def test_pages_work_before_any_provider_exists(clean_db):
    c = http_client()
    r = c.get("/login")
    assert r.status_code == 200 and "Client Profile" in r.text
    r = c.post("/auth/request", data={"email": "ann@example.com"})
    assert r.headers["location"] == "/login?error=unavailable"


def test_branding_and_escaping(clean_db):
    make_client(provider_name="Otters <b>&</b> Co", brand="#123abc")
    r = http_client().get("/login")
    assert "Otters &lt;b&gt;&amp;&lt;/b&gt; Co" in r.text and "<b>" not in r.text
    assert "#123abc" in r.text
    # The inline stylesheet is allowed by its hash, nothing else.
    assert "style-src 'sha256-" in r.headers["content-security-policy"]


# ------------------------------------------------------------------ after login: the page asked for; one-tap link


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("/benefits", "/benefits"),
        ("/bookings/3?tab=sessions&filter=missed", "/bookings/3?tab=sessions&filter=missed"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/a\nb", "/"),
        ("/login?next=/x", "/"),
        ("/auth/logout", "/"),
        ("", "/"),
        (None, "/"),
        ("/" + "x" * 600, "/"),
    ],
)
def test_safe_return_path_keeps_only_local_pages(wanted, expected):
    assert auth.safe_return_path(wanted) == expected


def _ask(c, mailbox, wanted: str):
    r = c.get("/login", params={"next": wanted})
    assert 'name="next"' in r.text
    r = c.post("/auth/request", data={"email": "ann@example.com", "next": wanted})
    assert r.status_code == 303
    return _mail_secrets(mailbox)


@pytest.mark.parametrize(("wanted", "lands"), [("/benefits", "/benefits"), ("//evil.example", "/")])
def test_after_the_code_the_page_that_was_asked_for_opens(clean_db, mailbox, wanted, lands):
    make_client()
    c = http_client()
    code, _link = _ask(c, mailbox, wanted)
    r = c.post("/auth/verify", data={"code": code})
    assert r.status_code == 303 and r.headers["location"] == lands
    assert not c.cookies.get("cp_login_next")


def test_the_link_in_the_browser_that_asked_logs_in_without_a_tap_and_nowhere_else(clean_db, mailbox):
    make_client()
    c = http_client()
    _code, link = _ask(c, mailbox, "/benefits")
    sessions = _count(AuthSession)
    # Another browser, or a mail scanner: the GET only shows the button, no script, nothing logged in.
    other = http_client(client=("198.51.100.9", 40001))
    r = other.get(f"/auth/link/{link}")
    assert (
        r.status_code == 200
        and "<script" not in r.text
        and "script-src" not in r.headers["content-security-policy"]
    )
    # The browser that asked: the page submits itself (its one inline script allowed by hash, nothing else) ...
    r = c.get(f"/auth/link/{link}")
    assert '<script>document.getElementById("link-login").submit();</script>' in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'sha256-" in csp and "unsafe" not in csp
    assert _count(AuthSession) == sessions  # ... while the GET itself still changes nothing
    r = c.post(f"/auth/link/{link}", headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 303 and r.headers["location"] == "/benefits"
    assert _count(AuthSession) == sessions + 1
