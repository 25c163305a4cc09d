"""The login security battery A1-A7, A9-A13 (docs/security.md "Test battery"). Runs on SQLite and, with
TEST_DATABASE_URL, on
PostgreSQL.

Brute-force math (A4): with K = 5 tries per code and a cap of 100 consecutive failures per account, the maximum
guessing success between two legitimate logins is 100 / 10^6 = 0.01 %, whatever the attacker's IP count.
"""

from __future__ import annotations

import ast
import threading
from collections import Counter
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlmodel import SQLModel

import client_profile.services.people.auth as auth_module
from client_profile.db import unit_of_work
from client_profile.integrations.crypto import sha256_hex
from client_profile.models import AuthSession, Client, LoginRequest, OutboxMessage
from client_profile.services.notifications import outbox
from client_profile.services.people import auth
from tests.login_helpers import (
    T0,
    StatementCounter,
    http_client,
    last_mail_secrets,
    make_client,
    newest_dev_mail,
    outbox_count,
    override_env,
    secrets_from_text,
)

ROOT = Path(__file__).resolve().parents[2]


def _request(email="ann@example.com", now=T0, ip="198.51.100.1", **kw) -> str:
    with unit_of_work() as db:
        return auth.request_login(db, email, ip, "pytest", now, **kw)


def _verify(flow, code, now=T0):
    with unit_of_work() as db:
        return auth.verify_code(db, flow, code, now)


def _confirm(link, flow, now=T0):
    with unit_of_work() as db:
        return auth.confirm_link(db, link, flow, now)


def _principal(token, now=T0):
    with unit_of_work() as db:
        return auth.principal_for_token(db, token, now)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _count(model) -> int:
    with unit_of_work() as db:
        return len(db.execute(select(model.id)).all())


@pytest.fixture
def mailbox(tmp_path):
    with override_env(DEV_MAILBOX_DIR=str(tmp_path / "mailbox")):
        yield tmp_path / "mailbox"


def _mail_secrets(mailbox) -> tuple[str, str]:
    assert outbox.process_due() == 1
    msg = newest_dev_mail(mailbox)
    return secrets_from_text(msg.get_body(preferencelist=("plain",)).get_content())


# ------------------------------------------------------------------------------------------------- A1


def test_a1_code_generator_uses_secrets(monkeypatch):
    calls = []
    monkeypatch.setattr(auth_module.secrets, "randbelow", lambda n: calls.append(n) or 42)
    assert auth.generate_code() == "000042"
    assert calls == [10**6]
    for path in (
        "client_profile/services/people/auth.py",
        "client_profile/integrations/crypto.py",
        "client_profile/services/notifications/outbox.py",
    ):
        tree = ast.parse((ROOT / path).read_text())
        imported = {
            a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names
        } | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "random" not in imported, f"{path} imports random"


def test_a1_code_digits_are_uniform():
    """200k codes: chi-square per digit position below the p = 0.001 critical value (27.88, 9 d.o.f.)."""
    n = 200_000
    codes = [auth.generate_code() for _ in range(n)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    for pos in range(6):
        counts = Counter(c[pos] for c in codes)
        expected = n / 10
        chi2 = sum((counts.get(d, 0) - expected) ** 2 / expected for d in "0123456789")
        assert chi2 < 27.88, f"position {pos}: chi2={chi2:.1f} {counts}"
    leading_zero = sum(c[0] == "0" for c in codes) / n
    assert 0.095 < leading_zero < 0.105


def test_a1_tokens_are_256_bit():
    tokens = {auth.new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) == 43 for t in tokens)


# ------------------------------------------------------------------------------------------------- A2


def test_a2_code_expiry_at_ten_minutes(clean_db):
    make_client("a@example.com")
    make_client("b@example.com")
    flow_a = _request("a@example.com", ip="198.51.100.1")
    code_a = last_mail_secrets()["code"]
    flow_b = _request("b@example.com", ip="198.51.100.2")
    code_b = last_mail_secrets()["code"]
    _verify(flow_a, code_a, T0 + timedelta(minutes=9, seconds=59))
    with pytest.raises(auth.LoginError) as err:
        _verify(flow_b, code_b, T0 + timedelta(minutes=10))
    assert str(err.value) == "This code has expired. Request a new one."
    with pytest.raises(auth.LoginError):
        _verify(flow_b, code_b, T0 + timedelta(minutes=10, microseconds=1000))


def test_a2_link_expiry_at_ten_minutes(clean_db):
    make_client("a@example.com")
    make_client("b@example.com")
    flow_a = _request("a@example.com", ip="198.51.100.1")
    link_a = last_mail_secrets()["link_token"]
    flow_b = _request("b@example.com", ip="198.51.100.2")
    link_b = last_mail_secrets()["link_token"]
    _confirm(link_a, flow_a, T0 + timedelta(minutes=9, seconds=59))
    with pytest.raises(auth.LoginError) as err:
        _confirm(link_b, flow_b, T0 + timedelta(minutes=10))
    assert err.value.code == "link-expired"
    assert _count(AuthSession) == 1


def test_a2_session_idle_expiry(clean_db):
    _, client_id = make_client()
    idle = timedelta(minutes=24 * 60)
    with unit_of_work() as db:
        a, _ = auth.create_session(db, client_id, 0, now=T0)
        b, _ = auth.create_session(db, client_id, 0, now=T0)
    assert _principal(a, T0 + idle - timedelta(seconds=1)) is not None
    assert _principal(b, T0 + idle) is None
    # a was touched at idle-1s: its idle window slid.
    assert _principal(a, T0 + 2 * idle - timedelta(seconds=2)) is not None


def test_a2_session_absolute_expiry_despite_activity(clean_db):
    _, client_id = make_client()
    with unit_of_work() as db:
        token, _ = auth.create_session(db, client_id, 0, now=T0)
    absolute = T0 + timedelta(days=14)
    now = T0
    while now + timedelta(hours=20) < absolute:
        now += timedelta(hours=20)
        assert _principal(token, now) is not None
    assert _principal(token, absolute - timedelta(seconds=1)) is not None
    assert _principal(token, absolute) is None


# ------------------------------------------------------------------------------------------------- A3


def _race(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = ("ok", fn())
        except auth.LoginError as exc:
            results[i] = ("denied", exc.code)
        except Exception as exc:  # anything else is a failure of the test
            results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_a3_fifty_parallel_correct_codes_make_exactly_one_session(clean_db):
    make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    results = _race(50, lambda: _verify(flow, code, T0 + timedelta(seconds=5)))
    kinds = Counter(r[0] for r in results)
    assert kinds["error"] == 0, [r for r in results if r[0] == "error"][:3]
    assert kinds["ok"] == 1 and kinds["denied"] == 49
    assert _count(AuthSession) == 1
    with unit_of_work() as db:
        req = db.execute(select(LoginRequest)).scalars().one()
    assert req.used_at is not None and req.attempts <= auth.MAX_CODE_ATTEMPTS


def test_a3_fifty_parallel_link_confirms_make_exactly_one_session(clean_db):
    make_client()
    flow = _request()
    link = last_mail_secrets()["link_token"]
    results = _race(50, lambda: _confirm(link, flow, T0 + timedelta(seconds=5)))
    kinds = Counter(r[0] for r in results)
    assert kinds["error"] == 0, [r for r in results if r[0] == "error"][:3]
    assert kinds["ok"] == 1 and kinds["denied"] == 49
    assert {r[1] for r in results if r[0] == "denied"} == {"link-used"}
    assert _count(AuthSession) == 1


# ------------------------------------------------------------------------------------------------- A4


def test_a4_sixth_attempt_with_the_correct_code_is_rejected(clean_db):
    make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    for _ in range(5):
        with pytest.raises(auth.LoginError):
            _verify(flow, _wrong(code))
    with pytest.raises(auth.LoginError) as err:
        _verify(flow, code)
    assert err.value.code == "too-many"
    assert _count(AuthSession) == 0


def test_a4_parallel_wrong_guesses_compare_at_most_five(clean_db, monkeypatch):
    make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    compared = []
    lock = threading.Lock()
    real = auth_module.constant_time_equal

    def counting(a, b):
        with lock:
            compared.append(1)
        return real(a, b)

    monkeypatch.setattr(auth_module, "constant_time_equal", counting)
    results = _race(50, lambda: _verify(flow, _wrong(code)))
    assert not [r for r in results if r[0] == "error"]
    assert len(compared) <= auth.MAX_CODE_ATTEMPTS
    with unit_of_work() as db:
        req = db.execute(select(LoginRequest)).scalars().one()
    assert req.attempts == auth.MAX_CODE_ATTEMPTS and req.voided_at is not None
    # The right code is dead now too.
    with pytest.raises(auth.LoginError):
        _verify(flow, code)


def test_a4_hundred_consecutive_failures_disable_code_login_but_not_the_link(clean_db):
    _, client_id = make_client()
    now = T0
    for _ in range(20):  # 20 requests x 5 wrong codes, spaced to stay inside the send limits
        flow = _request(now=now)
        code = last_mail_secrets()["code"]
        for _ in range(5):
            with pytest.raises(auth.LoginError):
                _verify(flow, _wrong(code), now)
        now += timedelta(minutes=13)
    with unit_of_work() as db:
        client = db.get(Client, client_id)
    assert client.failed_code_count == 100 and client.code_login_disabled

    flow = _request(now=now)
    s = last_mail_secrets()
    with pytest.raises(auth.LoginError) as err:
        _verify(flow, s["code"], now)
    assert err.value.code == "code-disabled"
    assert _count(AuthSession) == 0
    # The link (256 bits, cannot be guessed) still works, and re-enables code login.
    _confirm(s["link_token"], flow, now)
    with unit_of_work() as db:
        client = db.get(Client, client_id)
    assert client.failed_code_count == 0 and not client.code_login_disabled
    now += timedelta(minutes=13)
    flow = _request(now=now)
    _verify(flow, last_mail_secrets()["code"], now)


def test_a4_counter_is_per_account_across_requests_and_resets_only_on_success(clean_db):
    _, client_id = make_client()
    flow = _request(now=T0)
    code = last_mail_secrets()["code"]
    for _ in range(3):
        with pytest.raises(auth.LoginError):
            _verify(flow, _wrong(code))
    flow = _request(now=T0 + timedelta(minutes=5))  # a new request does not reset it
    code = last_mail_secrets()["code"]
    with pytest.raises(auth.LoginError):
        _verify(flow, _wrong(code), T0 + timedelta(minutes=5))
    with unit_of_work() as db:
        assert db.get(Client, client_id).failed_code_count == 4
    _verify(flow, code, T0 + timedelta(minutes=5))
    with unit_of_work() as db:
        assert db.get(Client, client_id).failed_code_count == 0


# ------------------------------------------------------------------------------------------------- A5


def test_a5_one_mail_per_minute_per_address(clean_db):
    make_client()
    _request(now=T0)
    _request(now=T0 + timedelta(seconds=30))
    assert outbox_count() == 1
    _request(now=T0 + timedelta(seconds=61))
    assert outbox_count() == 2


def test_a5_five_mails_per_hour_per_address_and_requester(clean_db):
    make_client()
    for k in range(6):
        _request(now=T0 + timedelta(seconds=61 * k))
    assert outbox_count() == 5
    _request(now=T0 + timedelta(seconds=3601))
    assert outbox_count() == 6


def test_a5_requests_from_elsewhere_do_not_void_a_pending_code(clean_db):
    """docs/security.md finding 2: someone else asking for anna's address must not cancel the code she is
    about to type."""
    make_client()
    flow = _request(now=T0, ip="198.51.100.1")
    code = last_mail_secrets()["code"]
    for k in range(5):  # the attacker: 5 requests, 61 s apart, no cookie, another network
        _request(now=T0 + timedelta(seconds=61 * (k + 1)), ip="203.0.113.66")
    _, principal = _verify(flow, code, T0 + timedelta(seconds=400))
    assert principal.email == "ann@example.com"


def test_a5_requests_from_elsewhere_do_not_lock_out_a_pending_browser(clean_db):
    """docs/security.md finding 2: 5 (or 50, from 10 networks) requests from elsewhere do not stop anna's own resend."""
    make_client()
    flow = _request(now=T0, ip="198.51.100.1")
    for k in range(5):
        for net in range(10):
            _request(now=T0 + timedelta(seconds=61 * k + net + 1), ip=f"203.0.113.{net}")
    before = outbox_count()
    new_flow = _request(now=T0 + timedelta(minutes=6), ip="198.51.100.1", current_flow=flow)
    assert outbox_count() == before + 1  # her resend is mailed
    code = last_mail_secrets()["code"]
    _, principal = _verify(new_flow, code, T0 + timedelta(minutes=7))
    assert principal.email == "ann@example.com"


def test_a5_a_new_request_from_the_same_browser_voids_its_older_code(clean_db):
    make_client()
    old_flow = _request(now=T0)
    old_code = last_mail_secrets()["code"]
    new_flow = _request(now=T0 + timedelta(minutes=2), current_flow=old_flow)
    assert new_flow != old_flow and outbox_count() == 2
    with pytest.raises(auth.LoginError) as err:
        _verify(old_flow, old_code, T0 + timedelta(minutes=3))
    assert err.value.code == "superseded"


def test_a5_global_cap_per_address_across_requesters(clean_db):
    """Fresh browsers (no pending login of this address) share one higher cap per address: mail-bombing stays
    bounded however many networks ask."""
    make_client()
    for k in range(25):
        _request(now=T0 + timedelta(seconds=k), ip=f"203.0.113.{k}")
    assert outbox_count() == 20  # LOGIN_MAX_PER_EMAIL_HOUR_TOTAL
    _request(now=T0 + timedelta(seconds=3601), ip="203.0.113.200")
    assert outbox_count() == 21


def test_a5_twenty_requests_per_hour_per_ip_and_ipv6_64(clean_db):
    make_client()
    for k in range(20):
        _request(f"u{k}@example.com", now=T0 + timedelta(seconds=k), ip="2001:db8:1:2::1")
    _request("ann@example.com", now=T0 + timedelta(seconds=30), ip="2001:db8:1:2:ffff::7")  # same /64
    assert outbox_count() == 0
    _request("ann@example.com", now=T0 + timedelta(seconds=31), ip="2001:db8:1:3::1")  # another /64
    assert outbox_count() == 1


def test_a5_case_variants_share_one_bucket(clean_db):
    make_client()
    _request("Ann@Example.com", now=T0)
    _request("  ann@EXAMPLE.COM ", now=T0 + timedelta(seconds=10))
    assert outbox_count() == 1


def test_a5_limited_request_sends_nothing_and_keeps_the_mailed_code_working(clean_db):
    make_client()
    flow = _request(now=T0)
    code = last_mail_secrets()["code"]
    kept = _request(now=T0 + timedelta(seconds=5), current_flow=flow)  # double-submitted form
    assert kept == flow and outbox_count() == 1
    other = _request(now=T0 + timedelta(seconds=6))  # another browser, limited: a dead flow
    assert other != flow
    with pytest.raises(auth.LoginError) as err:
        _verify(other, code, T0 + timedelta(seconds=7))
    assert err.value.code == "expired"
    _verify(flow, code, T0 + timedelta(seconds=8))


def _shape(resp):
    cookie = SimpleCookie()
    cookie.load(resp.headers["set-cookie"])
    [(name, morsel)] = cookie.items()
    attrs = {k: v for k, v in morsel.items() if v}
    headers = sorted((k, v) for k, v in resp.headers.items() if k not in ("set-cookie",))
    return resp.status_code, resp.content, headers, name, len(morsel.value), attrs


def test_a5_limited_answer_looks_like_any_other(clean_db):
    make_client()
    c = http_client()
    first = c.post("/auth/request", data={"email": "ann@example.com"})
    limited = c.post("/auth/request", data={"email": "ann@example.com"})
    assert outbox_count() == 1
    assert _shape(first) == _shape(limited)


def test_a5_spoofed_forwarded_for_does_not_escape_the_ip_limit(clean_db):
    make_client()
    c = http_client()
    for k in range(20):
        c.post(
            "/auth/request", data={"email": f"u{k}@example.com"}, headers={"X-Forwarded-For": f"10.0.0.{k}"}
        )
    c.post("/auth/request", data={"email": "ann@example.com"}, headers={"X-Forwarded-For": "10.9.9.9"})
    assert outbox_count() == 0


def test_a5_trusted_proxy_hop_uses_the_entry_the_proxy_appended(clean_db):
    make_client()
    with override_env(TRUSTED_PROXY_HOPS="1"):
        c = http_client(client=("127.0.0.1", 5555))
        for k in range(20):
            c.post(
                "/auth/request",
                data={"email": f"u{k}@example.com"},
                headers={"X-Forwarded-For": f"10.0.0.{k}, 203.0.113.5"},
            )
        c.post(
            "/auth/request",
            data={"email": "ann@example.com"},
            headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.5"},
        )
        assert outbox_count() == 0
        c.post("/auth/request", data={"email": "ann@example.com"}, headers={"X-Forwarded-For": "203.0.113.6"})
        assert outbox_count() == 1


# ------------------------------------------------------------------------------------------------- A6


def test_a6_known_and_unknown_addresses_are_structurally_identical(clean_db):
    make_client()
    c = http_client()
    with StatementCounter() as known:
        r_known = c.post("/auth/request", data={"email": "ann@example.com"})
    with StatementCounter() as unknown:
        r_unknown = c.post("/auth/request", data={"email": "nobody@example.com"})
    assert outbox_count() == 1  # only the known address gets mail
    assert _shape(r_known) == _shape(r_unknown)
    assert len(known.statements) == len(unknown.statements), (known.statements, unknown.statements)
    assert known.rows_written == unknown.rows_written
    # The read side is literally the same statements.
    reads = [s for s in known.statements if s.lstrip().upper().startswith("SELECT")]
    assert reads == [s for s in unknown.statements if s.lstrip().upper().startswith("SELECT")]


def test_a6_wrong_code_for_known_and_unknown_is_identical(clean_db):
    make_client()
    known_flow = _request("ann@example.com", ip="198.51.100.1")
    unknown_flow = _request("nobody@example.com", ip="198.51.100.2")
    code = last_mail_secrets()["code"]
    answers, counts = [], []
    for flow in (known_flow, unknown_flow):
        with StatementCounter() as counter, pytest.raises(auth.LoginError) as err:
            _verify(flow, _wrong(code))
        answers.append((err.value.code, str(err.value)))
        counts.append(len(counter.statements))
    assert answers[0] == answers[1] and counts[0] == counts[1]


# ------------------------------------------------------------------------------------------------- A7


def _dump_database() -> str:
    parts = []
    with unit_of_work() as db:
        for table in SQLModel.metadata.sorted_tables:
            for row in db.execute(text(f'SELECT * FROM "{table.name}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_a7_no_plaintext_secrets_at_rest(clean_db, mailbox):
    make_client()
    c = http_client()
    c.post("/auth/request", data={"email": "ann@example.com"})
    flow = c.cookies.get("cp_login_flow")
    sealed = last_mail_secrets()
    dump = _dump_database()
    for value in (sealed["code"], sealed["link_token"], flow):
        assert value not in dump  # even before sending: only hashes and the sealed (encrypted) payload
    code, link = _mail_secrets(mailbox)
    assert (code, link) == (sealed["code"], sealed["link_token"])
    c.post("/auth/verify", data={"code": code})
    session = c.cookies.get("cp_session")
    assert session
    dump = _dump_database()
    assert "_sealed" not in dump  # wiped once sent
    for value in (code, f"{code[:3]} {code[3:]}", link, flow, session):
        assert value not in dump
    assert sha256_hex(session) in dump and sha256_hex(link) in dump


# ------------------------------------------------------------------------------------------------- A9


def test_a9_link_prefetch_never_logs_in(clean_db, mailbox):
    make_client()
    asker = http_client()
    asker.post("/auth/request", data={"email": "ann@example.com"})
    _code, link = _mail_secrets(mailbox)

    scanner = http_client(client=("198.51.100.200", 1))
    scanner.headers["user-agent"] = "Mozilla/5.0 HeadlessChrome"
    for method in ("HEAD", "GET", "GET"):
        r = scanner.request(method, f"/auth/link/{link}")
        assert r.status_code == 200 and "set-cookie" not in r.headers
        assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    assert f'<form method="post" action="/auth/link/{link}" id="link-login">' in r.text
    assert "<script" not in r.text  # a scanner never gets the self-submitting page (no flow cookie)
    with unit_of_work() as db:
        assert db.execute(select(LoginRequest.used_at)).scalar_one() is None

    # A second browser that presses the button: no session, asked for the code.
    r = scanner.post(f"/auth/link/{link}")
    assert r.status_code == 200 and "set-cookie" not in r.headers
    assert "enter the 6-digit code from the same e-mail on the device where you started" in r.text
    assert _count(AuthSession) == 0
    # A browser holding some other flow cookie (its own login attempt) is no better.
    other = http_client(client=("198.51.100.201", 1))
    other.post("/auth/request", data={"email": "nobody@example.com"})
    assert other.cookies.get("cp_login_flow")
    r = other.post(f"/auth/link/{link}")
    assert r.status_code == 200 and "set-cookie" not in r.headers and "6-digit code" in r.text
    assert _count(AuthSession) == 0

    # The browser that asked: logged in.
    r = asker.post(f"/auth/link/{link}")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert asker.cookies.get("cp_session") and _count(AuthSession) == 1
    # Used now: the GET says so and still sets nothing.
    r = scanner.get(f"/auth/link/{link}")
    assert "already been used" in r.text and "set-cookie" not in r.headers


@pytest.mark.parametrize("token", ["short", "a" * 43, "../../etc/passwd", "%3Cscript%3E" * 4])
def test_a9_bad_link_tokens(clean_db, token):
    r = http_client().get(f"/auth/link/{token}")
    assert r.status_code in (200, 404) and "set-cookie" not in r.headers
    if r.status_code == 200:
        assert "not valid" in r.text and "<script" not in r.text


# ------------------------------------------------------------------------------------------------- A10


def _set_cookies(resp) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def test_a10_cookie_flags_over_https(clean_db, mailbox):
    make_client()
    with override_env(BASE_URL="https://portal.example.org"):
        c = http_client(base_url="https://portal.example.org")
        r = c.post("/auth/request", data={"email": "ann@example.com"})
        flow_header = _set_cookies(r)["__Host-cp_login_flow"]
        code, _ = _mail_secrets(mailbox)
        r = c.post("/auth/verify", data={"code": code})
        assert r.status_code == 303
        cookies = _set_cookies(r)
        session_header = cookies["__Host-cp_session"]
        assert "__Host-cp_login_flow" in cookies and "Max-Age=0" in cookies["__Host-cp_login_flow"]

    for header, max_age in ((session_header, 14 * 86400), (flow_header, 600)):
        attrs = [a.strip().lower() for a in header.split(";")]
        assert "httponly" in attrs and "secure" in attrs and "samesite=lax" in attrs and "path=/" in attrs
        assert not any(a.startswith("domain") for a in attrs)
        assert f"max-age={max_age}" in attrs
    session_value = session_header.split(";")[0].split("=", 1)[1]
    flow_value = flow_header.split(";")[0].split("=", 1)[1]
    assert len(session_value) >= 43 and session_value != flow_value
    with unit_of_work() as db:
        stored = db.execute(select(AuthSession.token_hash)).scalar_one()
    assert stored == sha256_hex(session_value) and session_value not in _dump_database()


def test_a10_cookie_flags_over_http_have_no_secure_and_no_host_prefix(clean_db):
    make_client()
    r = http_client().post("/auth/request", data={"email": "ann@example.com"})
    [header] = r.headers.get_list("set-cookie")
    attrs = [a.strip().lower() for a in header.split(";")]
    assert header.startswith("cp_login_flow=") and "secure" not in attrs and "httponly" in attrs


# ------------------------------------------------------------------------------------------------- A11


def test_a11_logout_everywhere_kills_the_other_devices_at_their_next_use(clean_db, mailbox):
    make_client()
    devices = []
    with override_env(LOGIN_MIN_SECONDS_BETWEEN="0"):
        for k in range(3):
            c = http_client(client=(f"198.51.100.{k + 1}", 1000))
            c.post("/auth/request", data={"email": "ann@example.com"})
            code, _ = _mail_secrets(mailbox)
            assert c.post("/auth/verify", data={"code": code}).status_code == 303
            devices.append(c)
    tokens = [c.cookies.get("cp_session") for c in devices]
    assert all(_principal(t, None) for t in tokens)
    devices[0].post("/auth/logout-all")
    name = auth.session_cookie_name()
    for t in tokens:
        assert _principal(t, None) is None
        with unit_of_work() as db:
            assert auth.principal_from_cookie_header(db, f"{name}={t}") is None
    # The open devices are sent to log in again.
    assert devices[1].get("/login").status_code == 200


def test_a11_epoch_kills_sessions_even_if_a_row_was_missed(clean_db):
    _, client_id = make_client()
    with unit_of_work() as db:
        token, session_id = auth.create_session(db, client_id, 0, now=T0)
    principal = _principal(token)
    with unit_of_work() as db:
        auth.logout_everywhere(db, principal, T0)
        # Simulate a session row that escaped revocation: the epoch still kills it.
        db.execute(update(AuthSession).where(AuthSession.id == session_id).values(revoked_at=None))
    assert _principal(token) is None


def test_a11_old_cookie_after_logout_is_unauthenticated(clean_db):
    _, client_id = make_client()
    with unit_of_work() as db:
        token, _ = auth.create_session(db, client_id, 0, now=T0)
    c = http_client()
    c.cookies.set("cp_session", token)
    c.post("/auth/logout")
    assert _principal(token) is None
    c.cookies.set("cp_session", token)  # replayed
    assert c.get("/login").status_code == 200


# ------------------------------------------------------------------------------------------------- A12, A13


def test_a12_the_mailed_link_uses_base_url_not_the_host_header(clean_db, mailbox):
    make_client()
    http_client().post("/auth/request", data={"email": "ann@example.com"}, headers={"Host": "evil.example"})
    assert outbox.process_due() == 1
    text_body = newest_dev_mail(mailbox).get_body(preferencelist=("plain",)).get_content()
    assert "http://localhost:3000/auth/link/" in text_body and "evil.example" not in text_body


@pytest.mark.parametrize(
    "typed", ["mıke@example.com", "MIKE@example.com", "  mike@example.com  ", "mike@EXAMPLE.com"]
)
def test_a13_mail_goes_only_to_the_stored_address(clean_db, typed, monkeypatch):
    make_client("mike@example.com")
    sent = []
    from client_profile.integrations import mailer

    monkeypatch.setattr(mailer, "send", sent.append)
    try:
        _request(typed)
    except auth.LoginError as exc:
        assert exc.code == "invalid-email"  # non-ASCII local parts are refused, not folded
        assert _count(LoginRequest) == 0
        return
    outbox.process_due(T0)
    assert [m.to for m in sent] == ["mike@example.com"]
    assert _count(Client) == 1
    with unit_of_work() as db:
        assert db.execute(select(OutboxMessage.recipient_client_id)).scalar_one() is not None
