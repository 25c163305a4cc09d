"""Sending e-mail: SMTP (stdlib smtplib), or the local development mailbox.

- SMTP: SMTP_HOST/SMTP_PORT, SMTP_SECURITY none|starttls|ssl, SMTP_USERNAME/SMTP_PASSWORD (login when set),
  MAIL_FROM, SMTP_TIMEOUT_SECONDS.
- Development mailbox: when settings.dev_mailbox_enabled (development/test and no SMTP_HOST) each message is
  written as an .eml file into DEV_MAILBOX_DIR and one line is printed on the console. It cannot run in
  production: settings refuse to start without SMTP_HOST there, and ``send`` checks the environment again.

Only the outbox worker calls ``send`` (never an event handler or a request: SMTP latency is slow and a timing
oracle).
"""

from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path

from client_profile.clock import utcnow
from client_profile.settings import Environment, Settings, SmtpSecurity, get_settings


class MailerError(Exception):
    """The message could not be handed over; the outbox retries later unless ``permanent`` (the address or the
    message was refused for good: retrying would fail the same way)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Development mailbox only: the one line printed on the console (may contain a login code).
    console_hint: str = ""
    # A Message-ID that stays the same when the outbox hands the same row over again (after a crash), so the
    # receiving side can recognise the copy. None: a fresh one.
    message_id: str | None = None
    # Extra header lines, e.g. List-Unsubscribe (name, value); a name or value with a line break is refused.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StoredEmail:
    """A message of the development mailbox, for the /dev/mailbox page."""

    filename: str
    to: str
    subject: str
    date: datetime | None
    text: str


_OWN_HEADERS = frozenset({"from", "to", "subject", "date", "message-id", "auto-submitted", "cc", "bcc"})


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


def build_message(mail: OutgoingEmail, settings: Settings | None = None) -> EmailMessage:
    """A MIME message: text/plain, plus text/html as multipart/alternative when given."""
    s = settings or get_settings()
    msg = EmailMessage(policy=email.policy.SMTP)
    _, from_addr = parseaddr(s.mail_from)
    domain = from_addr.rpartition("@")[2] or "localhost"
    msg["From"] = s.mail_from
    to = (mail.to or "").strip()
    if to.count("@") != 1 or any(c.isspace() or ord(c) < 32 or c in ',;<>"' for c in to):
        raise MailerError("invalid recipient address", permanent=True)
    local, _, to_domain = to.rpartition("@")
    msg["To"] = Address(addr_spec=f"{local}@{to_domain}")
    msg["Subject"] = _one_line(mail.subject)[:200]
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = f"<{mail.message_id}@{domain}>" if mail.message_id else make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers:
        if not name.replace("-", "").isalnum() or name.lower() in _OWN_HEADERS:
            raise MailerError(f"header {name!r} may not be set", permanent=True)
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise MailerError(f"header {name!r} has a control character", permanent=True)
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def send(mail: OutgoingEmail) -> None:
    s = get_settings()
    msg = build_message(mail, s)
    if s.dev_mailbox_enabled:
        _write_dev_mailbox(msg, mail, s)
        return
    if not s.smtp_host:
        raise MailerError("SMTP_HOST is not set")
    _send_smtp(msg, s)


def _send_smtp(msg: EmailMessage, s: Settings) -> None:
    try:
        if s.smtp_security == SmtpSecurity.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        with smtp:
            smtp.ehlo()
            if s.smtp_security == SmtpSecurity.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise MailerError(f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        # The exception text never contains the message body (codes, links): only server replies.
        raise MailerError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc


# ------------------------------------------------------------------------------------- development mailbox


def _write_dev_mailbox(msg: EmailMessage, mail: OutgoingEmail, s: Settings) -> None:
    if s.env == Environment.production or s.smtp_host:  # belt and braces: never in production
        raise MailerError("the development mailbox is disabled")
    folder = Path(s.dev_mailbox_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    final = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    tmp = final.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(msg.as_bytes())
    os.replace(tmp, final)
    hint = mail.console_hint or f"e-mail for {_one_line(mail.to)}: {_one_line(mail.subject)}"
    print(f"[dev mailbox] {hint} -> {s.base_url}/dev/mailbox", file=sys.stderr, flush=True)


def read_dev_mailbox(limit: int = 20) -> list[StoredEmail]:
    """The newest messages of the development mailbox (empty when it is disabled or empty)."""
    s = get_settings()
    if not s.dev_mailbox_enabled:
        return []
    folder = Path(s.dev_mailbox_dir)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[: max(0, limit)]
    parser = BytesParser(policy=email.policy.default)
    out: list[StoredEmail] = []
    for path in files:
        try:
            msg = parser.parsebytes(path.read_bytes())
        except OSError:
            continue
        body = msg.get_body(preferencelist=("plain",))
        try:
            date = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
        except (TypeError, ValueError):
            date = None
        out.append(
            StoredEmail(
                filename=path.name,
                to=str(msg["To"] or ""),
                subject=str(msg["Subject"] or ""),
                date=date,
                text=body.get_content() if body is not None else "",
            )
        )
    return out
