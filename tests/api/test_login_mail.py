"""The login e-mail end to end: a real SMTP server on loopback (aiosmtpd), the development mailbox and its page."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from client_profile.db import unit_of_work
from client_profile.integrations import mailer
from client_profile.models import OutboxMessage, OutboxStatus
from client_profile.services.notifications import outbox
from client_profile.settings import Settings
from tests.login_helpers import http_client, make_client, override_env, secrets_from_text
from tests.smtp_helpers import free_port
from tests.smtp_helpers import smtp_server as running_smtp


@pytest.fixture
def smtp_server():
    with (
        running_smtp() as (inbox, port),
        override_env(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(port),
            SMTP_SECURITY="none",
            SMTP_USERNAME="",
            SMTP_PASSWORD="",
            SMTP_TIMEOUT_SECONDS="5",
            MAIL_FROM="Little Otters <hello@otters.example>",
        ),
    ):
        yield inbox


def _outbox_rows():
    with unit_of_work() as db:
        return list(db.execute(select(OutboxMessage)).scalars())


def test_login_mail_over_real_smtp(clean_db, smtp_server):
    make_client("ann@example.com", provider_name="Little Otters", brand="#ff6600")
    c = http_client()
    r = c.post("/auth/request", data={"email": "  ANN@Example.COM "})
    assert r.status_code == 303
    assert outbox.process_due() == 1

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ann@example.com"]  # the stored address, not the typed one
    assert envelope.mail_from == "hello@otters.example"
    msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["To"] == "ann@example.com"
    assert "Little Otters" in msg["Subject"] and msg["Message-ID"]

    text_body = msg.get_body(preferencelist=("plain",)).get_content()
    html_body = msg.get_body(preferencelist=("html",)).get_content()
    code, link = secrets_from_text(text_body)
    spaced = f"{code[:3]} {code[3:]}"
    assert spaced in html_body and f"http://localhost:3000/auth/link/{link}" in html_body
    assert "expire in 10 minutes" in text_body and "If you did not ask" in text_body
    assert "#ff6600" in html_body and "Little Otters" in html_body
    assert code not in msg["Subject"]

    # The mailed code logs in; the row is sent with its secrets wiped.
    r = c.post("/auth/verify", data={"code": spaced})
    assert r.status_code == 303 and r.headers["location"] == "/"
    [row] = _outbox_rows()
    assert row.status == OutboxStatus.sent and "_sealed" not in row.payload


def test_smtp_down_means_retry_later_not_an_error(clean_db):
    make_client()
    with override_env(
        SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()), SMTP_SECURITY="none", SMTP_TIMEOUT_SECONDS="2"
    ):
        c = http_client()
        r = c.post("/auth/request", data={"email": "ann@example.com"})
        assert r.status_code == 303 and r.headers["location"] == "/login/code"  # same answer as always
        assert outbox.process_due() == 0
    [row] = _outbox_rows()
    assert row.status == OutboxStatus.pending and row.attempts == 1 and "_sealed" in row.payload
    assert "Connection" in row.last_error or "Errno" in row.last_error


def test_dev_mailbox_writes_eml_and_prints_one_line(clean_db, tmp_path, capsys):
    make_client()
    box = tmp_path / "box"
    with override_env(DEV_MAILBOX_DIR=str(box)):
        http_client().post("/auth/request", data={"email": "ann@example.com"})
        assert outbox.process_due() == 1
    [eml] = list(box.glob("*.eml"))
    assert oct(eml.stat().st_mode & 0o777) == "0o600"
    msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    code, _ = secrets_from_text(msg.get_body(preferencelist=("plain",)).get_content())
    err = capsys.readouterr().err.strip().splitlines()
    line = [x for x in err if x.startswith("[dev mailbox]")]
    assert line == [
        f"[dev mailbox] login e-mail for ann@example.com: code {code[:3]} {code[3:]} "
        "-> http://localhost:3000/dev/mailbox"
    ]


def test_dev_mailbox_page_only_for_loopback_when_enabled(clean_db, tmp_path):
    make_client()
    box = tmp_path / "box"
    with override_env(DEV_MAILBOX_DIR=str(box)):
        http_client().post("/auth/request", data={"email": "ann@example.com"})
        outbox.process_due()
        local = http_client(client=("127.0.0.1", 50000))
        r = local.get("/dev/mailbox")
        assert r.status_code == 200 and "DEVELOPMENT ONLY" in r.text
        assert "ann@example.com" in r.text and "Your login code" in r.text
        code, _ = secrets_from_text(next(box.glob("*.eml")).read_text())
        assert f"{code[:3]} {code[3:]}" in r.text
        assert r.headers["cache-control"] == "no-store"
        assert http_client(client=("::1", 50000)).get("/dev/mailbox").status_code == 200

        assert http_client(client=("203.0.113.7", 50000)).get("/dev/mailbox").status_code == 404
        assert http_client().get("/dev/mailbox").status_code == 404  # "testclient" is not an address
        proxied = local.get("/dev/mailbox", headers={"X-Forwarded-For": "203.0.113.7"})
        assert proxied.status_code == 404 and "DEVELOPMENT" not in proxied.text

    with override_env(DEV_MAILBOX_DIR=str(box), SMTP_HOST="smtp.example.org"):
        r = http_client(client=("127.0.0.1", 50000)).get("/dev/mailbox")
        assert r.status_code == 404 and "DEVELOPMENT" not in r.text


def test_dev_mailbox_is_impossible_in_production(tmp_path):
    prod = Settings(
        CLIENT_PROFILE_ENV="production",
        SECRET_KEY="p" * 40,
        SMTP_HOST="smtp.example.org",
        DEV_MAILBOX_DIR=str(tmp_path),
    )
    assert not prod.dev_mailbox_enabled
    with pytest.raises(ValueError):
        Settings(CLIENT_PROFILE_ENV="production", SECRET_KEY="p" * 40, SMTP_HOST="")
    msg = mailer.build_message(mailer.OutgoingEmail(to="a@example.com", subject="s", text="t"), prod)
    with pytest.raises(mailer.MailerError):
        mailer._write_dev_mailbox(msg, mailer.OutgoingEmail(to="a@example.com", subject="s", text="t"), prod)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "to", ["a@example.com\r\nBcc: x@evil.example", "a@example.com, b@example.com", "nope"]
)
def test_mailer_refuses_header_injection_in_recipients(to):
    with pytest.raises(mailer.MailerError):
        mailer.build_message(mailer.OutgoingEmail(to=to, subject="s", text="t"))
