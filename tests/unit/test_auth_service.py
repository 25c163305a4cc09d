"""services.people.auth and services.notifications.outbox without HTTP: the login request, code/link checks,
sessions, the outbox."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from client_profile import worker
from client_profile.db import unit_of_work
from client_profile.integrations import mailer
from client_profile.integrations.crypto import keyed_hash, sha256_hex
from client_profile.models import AuthSession, Client, LoginRequest, OutboxMessage, OutboxStatus
from client_profile.services.errors import DomainError
from client_profile.services.notifications import outbox
from client_profile.services.people import auth
from tests.login_helpers import T0, StatementCounter, last_mail_secrets, make_client, override_env


def _request(email="ann@example.com", now=T0, ip="198.51.100.1", **kw) -> str:
    with unit_of_work() as db:
        return auth.request_login(db, email, ip, "pytest", now, **kw)


def _verify(flow, code, now=T0):
    with unit_of_work() as db:
        return auth.verify_code(db, flow, code, now)


def _rows(model):
    with unit_of_work() as db:
        return list(db.execute(select(model).order_by(model.id)).scalars())


# ------------------------------------------------------------------------------------------------ request


@pytest.mark.parametrize(
    "raw,code",
    [
        ("", "missing-email"),
        ("   ", "missing-email"),
        (None, "missing-email"),
        ("not-an-address", "invalid-email"),
        ("a@b.com\r\nBcc: x@evil.com", "invalid-email"),
    ],
)
def test_invalid_email_raises_and_writes_nothing(clean_db, raw, code):
    make_client()
    with pytest.raises(DomainError) as err:
        _request(raw)
    assert err.value.code == code
    assert _rows(LoginRequest) == [] and _rows(OutboxMessage) == []


def test_known_address_gets_one_sealed_login_mail(clean_db):
    _, client_id = make_client()
    flow = _request("  Ann@EXAMPLE.com ")
    [req] = _rows(LoginRequest)
    [msg] = _rows(OutboxMessage)
    assert req.client_id == client_id and msg.recipient_client_id == client_id and msg.kind == "login"
    assert msg.dedupe_key.startswith(f"login:{req.id}:") and msg.status == OutboxStatus.pending
    secret = last_mail_secrets()
    # Only keyed hashes at rest.
    assert req.code_hash == keyed_hash("login-code", req.id, secret["code"])
    assert req.link_hash == sha256_hex(secret["link_token"])
    assert req.flow_hash == sha256_hex(flow)
    blob = repr(msg.payload)
    assert secret["code"] not in blob and secret["link_token"] not in blob and "ann@" not in blob
    assert req.expires_at == T0 + timedelta(minutes=10)


def test_unknown_address_gets_a_row_but_no_mail(clean_db):
    make_client()
    flow = _request("nobody@example.com")
    [req] = _rows(LoginRequest)
    assert req.client_id is None and req.flow_hash == sha256_hex(flow)
    assert _rows(OutboxMessage) == []


def test_inactive_client_gets_no_mail(clean_db):
    make_client(active=False)
    _request()
    assert len(_rows(LoginRequest)) == 1 and _rows(OutboxMessage) == []


def test_new_request_voids_older_open_ones(clean_db):
    make_client()
    old_flow = _request(now=T0)
    old_code = last_mail_secrets()["code"]
    _request(now=T0 + timedelta(minutes=2), current_flow=old_flow)  # the same browser asks again
    first, second = _rows(LoginRequest)
    assert first.voided_at == T0 + timedelta(minutes=2) and second.voided_at is None
    with pytest.raises(auth.LoginError) as err:
        _verify(old_flow, old_code, T0 + timedelta(minutes=3))
    assert err.value.code == "superseded"


def test_a_request_from_another_browser_leaves_the_open_one_alone(clean_db):
    make_client()
    _request(now=T0)
    _request(now=T0 + timedelta(minutes=2), ip="203.0.113.9")  # no flow cookie: another browser
    first, second = _rows(LoginRequest)
    assert first.voided_at is None and second.voided_at is None


def test_outbox_login_keys_survive_a_purge_of_login_requests(clean_db):
    """docs/security.md finding 7e: ids restart after login requests are purged; the outbox key must not collide."""
    from sqlalchemy import delete

    make_client()
    _request(now=T0)
    with unit_of_work() as db:
        db.execute(delete(LoginRequest))
    _request(now=T0 + timedelta(minutes=2))
    keys = [r.dedupe_key for r in _rows(OutboxMessage)]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_no_provider_gives_a_clear_error(clean_db):
    with pytest.raises(auth.LoginError) as err:
        _request()
    assert err.value.code == "unavailable"


# ------------------------------------------------------------------------------------------------ verify


def test_correct_code_logs_in_and_is_single_use(clean_db):
    _, client_id = make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    token, principal = _verify(flow, f" {code[:3]} {code[3:]} ", T0 + timedelta(minutes=1))
    assert principal.client_id == client_id and principal.email == "ann@example.com"
    assert len(token) >= 43
    [session] = _rows(AuthSession)
    assert session.token_hash == sha256_hex(token) and session.id == principal.session_id
    with pytest.raises(auth.LoginError) as err:
        _verify(flow, code, T0 + timedelta(minutes=2))
    assert err.value.code == "used"
    assert len(_rows(AuthSession)) == 1


def test_wrong_code_message_counts_down(clean_db):
    make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(auth.LoginError) as err:
            _verify(flow, wrong)
        messages.append(str(err.value))
    assert messages[:4] == [
        f"That code is not right. {n} {'try' if n == 1 else 'tries'} left." for n in (4, 3, 2, 1)
    ]
    assert messages[4] == "Too many wrong codes. Request a new one."
    [req] = _rows(LoginRequest)
    assert req.attempts == 5 and req.voided_at is not None
    [client] = _rows(Client)
    assert client.failed_code_count == 5


@pytest.mark.parametrize(
    "bad",
    ["", "12345", "1234567", "12345a", "１２３４５６", 123456, None, ["123456"], {"$ne": ""}, "1" * 1000],
)
def test_malformed_code_counts_no_attempt(clean_db, bad):
    make_client()
    flow = _request()
    with pytest.raises(auth.LoginError) as err:
        _verify(flow, bad)
    assert err.value.code == "code-format"
    [req] = _rows(LoginRequest)
    assert req.attempts == 0


def test_unknown_or_missing_flow(clean_db):
    make_client()
    _request()
    code = last_mail_secrets()["code"]
    for flow in (None, "", "x" * 500, auth.new_token()):
        with pytest.raises(auth.LoginError) as err:
            _verify(flow, code)
        assert err.value.code == "no-flow"
    assert _rows(AuthSession) == []


def test_unknown_address_flow_answers_like_a_wrong_code(clean_db):
    make_client()
    flow = _request("nobody@example.com")
    with pytest.raises(auth.LoginError) as err:
        _verify(flow, "123456")
    assert str(err.value) == "That code is not right. 4 tries left."


def test_success_resets_the_account_failure_counter(clean_db):
    make_client()
    flow = _request()
    code = last_mail_secrets()["code"]
    with pytest.raises(auth.LoginError):
        _verify(flow, "000000" if code != "000000" else "111111")
    assert _rows(Client)[0].failed_code_count == 1
    _verify(flow, code)
    assert _rows(Client)[0].failed_code_count == 0


# ------------------------------------------------------------------------------------------------ link


def test_link_status_has_no_side_effects(clean_db):
    make_client()
    flow = _request()
    link = last_mail_secrets()["link_token"]
    with unit_of_work() as db:
        assert auth.link_status(db, link, T0) == "valid"
        assert auth.link_status(db, link, T0 + timedelta(minutes=10)) == "expired"
        assert auth.link_status(db, "nope", T0) == "invalid"
        assert auth.link_status(db, auth.new_token(), T0) == "invalid"
    [req] = _rows(LoginRequest)
    assert req.used_at is None and req.attempts == 0
    with unit_of_work() as db:
        auth.confirm_link(db, link, flow, T0)
    with unit_of_work() as db:
        assert auth.link_status(db, link, T0) == "used"


def test_link_needs_the_flow_of_the_browser_that_asked(clean_db):
    make_client()
    flow = _request()
    link = last_mail_secrets()["link_token"]
    for other in (None, "", auth.new_token()):
        with pytest.raises(auth.LoginError) as err, unit_of_work() as db:
            auth.confirm_link(db, link, other, T0)
        assert err.value.code == "other-device"
        assert "6-digit code" in str(err.value)
    assert _rows(AuthSession) == [] and _rows(LoginRequest)[0].used_at is None
    with unit_of_work() as db:
        token, principal = auth.confirm_link(db, link, flow, T0)
    assert principal.session_id == _rows(AuthSession)[0].id


def test_code_and_link_die_together(clean_db):
    make_client()
    flow = _request()
    s = last_mail_secrets()
    _verify(flow, s["code"])
    with pytest.raises(auth.LoginError) as err, unit_of_work() as db:
        auth.confirm_link(db, s["link_token"], flow, T0)
    assert err.value.code == "link-used"


# ------------------------------------------------------------------------------------------------ sessions


def _session(client_id=None, now=T0) -> str:
    if client_id is None:
        _, client_id = make_client()
    with unit_of_work() as db:
        token, _ = auth.create_session(db, client_id, 0, now=now)
    return token


def test_principal_for_token_is_one_query_and_touches_at_most_once_a_minute(clean_db):
    token = _session()
    with StatementCounter() as counter, unit_of_work() as db:
        assert auth.principal_for_token(db, token, T0 + timedelta(seconds=30)) is not None
    assert len(counter.statements) == 1, counter.statements
    with StatementCounter() as counter, unit_of_work() as db:
        assert auth.principal_for_token(db, token, T0 + timedelta(seconds=61)) is not None
    assert len(counter.statements) == 2 and counter.statements[1].lstrip().upper().startswith("UPDATE")
    [s] = _rows(AuthSession)
    assert s.last_seen_at == T0 + timedelta(seconds=61)
    assert s.idle_expires_at == T0 + timedelta(seconds=61) + timedelta(minutes=24 * 60)


@pytest.mark.parametrize("token", [None, "", "short", "x" * 500, "a b c" * 10])
def test_principal_for_garbage_tokens_is_none_without_a_query(clean_db, token):
    with StatementCounter() as counter, unit_of_work() as db:
        assert auth.principal_for_token(db, token) is None
    assert counter.statements == []


def test_inactive_client_and_revoked_session_are_rejected(clean_db):
    _, client_id = make_client()
    token = _session(client_id)
    with unit_of_work() as db:
        db.execute(update(Client).where(Client.id == client_id).values(is_active=False))
    with unit_of_work() as db:
        assert auth.principal_for_token(db, token, T0) is None


def test_cookie_header_parsing(clean_db):
    token = _session()
    name = auth.session_cookie_name()
    with unit_of_work() as db:
        assert auth.principal_from_cookie_header(db, f"a=1; {name}={token}; b=2", T0) is not None
        assert auth.principal_from_cookie_header(db, f"{name}x={token}", T0) is None
        assert auth.principal_from_cookie_header(db, "", T0) is None
        assert auth.principal_from_cookie_header(db, None, T0) is None
        assert auth.principal_from_cookie_header(db, "garbage;;==;", T0) is None


def test_cookie_names_follow_base_url():
    with override_env(BASE_URL="https://portal.example.org"):
        assert auth.session_cookie_name() == "__Host-cp_session"
        assert auth.flow_cookie_name() == "__Host-cp_login_flow"
    with override_env(BASE_URL="http://localhost:3000"):
        assert auth.session_cookie_name() == "cp_session"
        assert auth.flow_cookie_name() == "cp_login_flow"


def test_logout_revokes_only_that_session(clean_db):
    _, client_id = make_client()
    a, b = _session(client_id), _session(client_id)
    with unit_of_work() as db:
        auth.logout(db, a, T0)
    with unit_of_work() as db:
        assert auth.principal_for_token(db, a, T0) is None
        assert auth.principal_for_token(db, b, T0) is not None


def test_ip_bucket():
    assert auth.ip_bucket("203.0.113.9") == "203.0.113.9"
    assert (
        auth.ip_bucket("2001:db8:1:2:aaaa::1")
        == auth.ip_bucket("2001:db8:1:2:ffff::9")
        == "2001:db8:1:2::/64"
    )
    assert auth.ip_bucket("2001:db8:1:3::1") != auth.ip_bucket("2001:db8:1:2::1")
    assert auth.ip_bucket("::ffff:203.0.113.9") == "203.0.113.9"
    assert auth.ip_bucket("testclient") == "testclient" and auth.ip_bucket(None) == "unknown"


def test_login_message_is_a_whitelist():
    assert auth.login_message("wrong-code-2") == "That code is not right. 2 tries left."
    assert auth.login_message("expired") == "This code has expired. Request a new one."
    for bad in ("<script>", "wrong-code-9", "wrong-code-", None, "", "__class__"):
        assert auth.login_message(bad) is None


# ------------------------------------------------------------------------------------------------ outbox


def test_outbox_sends_once_and_wipes_secrets(clean_db, monkeypatch):
    make_client()
    _request()
    sent: list[mailer.OutgoingEmail] = []
    monkeypatch.setattr(mailer, "send", sent.append)
    assert outbox.process_due(T0 + timedelta(seconds=1)) == 1
    assert outbox.process_due(T0 + timedelta(seconds=2)) == 0
    [msg] = _rows(OutboxMessage)
    assert msg.status == OutboxStatus.sent and "_sealed" not in msg.payload and msg.attempts == 1
    assert len(sent) == 1 and sent[0].to == "ann@example.com"


def test_outbox_parallel_workers_never_send_twice(clean_db, monkeypatch):
    for i in range(6):
        make_client(f"k{i}@example.com")
        _request(f"k{i}@example.com", ip=f"192.0.2.{i}")
    sent: list[str] = []
    lock = threading.Lock()

    def fake_send(mail):
        with lock:
            sent.append(mail.to)

    monkeypatch.setattr(mailer, "send", fake_send)
    threads = [
        threading.Thread(target=outbox.process_due, args=(T0 + timedelta(seconds=1),)) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sent) == sorted(f"k{i}@example.com" for i in range(6))
    assert {m.status for m in _rows(OutboxMessage)} == {OutboxStatus.sent}


def test_outbox_retries_with_backoff_then_fails(clean_db, monkeypatch):
    make_client()
    # Give the row a long life so retries are not cut short by the login expiry.
    _request()
    with unit_of_work() as db:
        db.execute(
            update(OutboxMessage).values(
                payload=dict(_rows(OutboxMessage)[0].payload, expires_at=(T0 + timedelta(days=1)).isoformat())
            )
        )

    def boom(mail):
        raise mailer.MailerError("SMTPServerDisconnected: connection closed")

    monkeypatch.setattr(mailer, "send", boom)
    now = T0
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.process_due(now) == 0
        [msg] = _rows(OutboxMessage)
        assert msg.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert msg.status == OutboxStatus.pending and msg.next_attempt_at == now + outbox.backoff(attempt)
            assert outbox.process_due(msg.next_attempt_at - timedelta(seconds=1)) == 0  # not due yet
            now = msg.next_attempt_at
    [msg] = _rows(OutboxMessage)
    assert msg.status == OutboxStatus.failed and "_sealed" not in msg.payload
    assert "SMTPServerDisconnected" in msg.last_error


def test_outbox_drops_a_login_mail_that_expired_unsent(clean_db, monkeypatch):
    make_client()
    _request()
    monkeypatch.setattr(mailer, "send", lambda mail: pytest.fail("must not send"))
    assert outbox.process_due(T0 + timedelta(minutes=10)) == 0
    [msg] = _rows(OutboxMessage)
    assert msg.status == OutboxStatus.failed and "expired" in msg.last_error and "_sealed" not in msg.payload


def test_outbox_reclaims_a_row_whose_worker_died(clean_db, monkeypatch):
    make_client()
    _request()
    with unit_of_work() as db:
        db.execute(
            update(OutboxMessage).values(status=OutboxStatus.sending, locked_until=T0 + timedelta(seconds=30))
        )
    sent = []
    monkeypatch.setattr(mailer, "send", sent.append)
    assert outbox.process_due(T0 + timedelta(seconds=10)) == 0  # still locked by the other worker
    assert outbox.process_due(T0 + timedelta(seconds=31)) == 1
    assert len(sent) == 1


async def test_run_worker_sends_after_a_nudge(clean_db, monkeypatch):
    import asyncio

    make_client()
    sent = []
    monkeypatch.setattr(mailer, "send", sent.append)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_worker(stop, poll_seconds=30))
    await asyncio.sleep(0.2)  # the first pass finds nothing; now it waits up to 30 s
    with unit_of_work() as db:
        auth.request_login(db, "ann@example.com", "198.51.100.1", "pytest")
    outbox.nudge()
    for _ in range(50):
        if sent:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(sent) == 1, "the nudge should wake the worker long before its 30 s poll"
