"""The notification outbox: rows written in the same transaction as the change, sent later by a worker.

- ``enqueue`` writes one row; secrets it must carry until sending (a login code and link token) are sealed
  (encrypted with a key derived from the server key) under ``payload["_sealed"]``.
- ``process_due`` claims due rows one by one with a conditional UPDATE (pending -> sending, with locked_until), so
  several processes never send one row twice; sends outside any transaction; marks the row sent and wipes the
  sealed secrets; on failure retries with exponential backoff (MAX_ATTEMPTS), then marks it failed (secrets wiped
  too). A row stuck in "sending" (its process died) is reclaimed once locked_until has passed, as a recovery (below).
- ``run_sender`` runs ``process_due`` in a thread, forever, until ``stop`` is set; ``nudge()`` wakes it at once
  (the login route calls it, so a login mail leaves within about a second). It knows nothing of the domain: the
  worker (client_profile/worker.py) hands it the periodic jobs to run between passes.

Renderers turn a row into an e-mail (channel email) or a WhatsApp template message (channel whatsapp); "login"
is built in, other features register theirs with ``register_renderer`` (services.notifications.reminders).

Sent once (docs/decisions.md "Reminders are sent once"): the claim, the rendering and nothing else happen in one
transaction; after it commits the only thing left is the send. So a row found in "sending" after its claim ran
out is a row whose send may or may not have happened (the process died, or the database was unreachable when the
outcome was to be recorded). Such a row is reclaimed as a *recovery*: an e-mail is handed over again with the
same Message-ID (stable per row, so mail systems and people can recognise the copy); a WhatsApp message is not
sent again (the phone cannot recognise a copy and it cannot be recalled): it is marked failed, "outcome unknown".
Send errors are retried with backoff when the provider did not take the message (connection refused, 429, 5xx),
marked failed at once when it refused it for good (4xx, a refused address), and treated like a crash when the
outcome is unknown (a WhatsApp request without an answer).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlmodel import Session

from client_profile.db import unit_of_work
from client_profile.integrations import mailer, whatsapp
from client_profile.integrations.crypto import SealError, seal, unseal
from client_profile.integrations.email_templates import login_email, spaced_code, staff_invite_email
from client_profile.models import Channel, Client, OutboxMessage, OutboxStatus, Provider, StaffMember
from client_profile.models.base import utcnow
from client_profile.services.notifications import preferences, templates
from client_profile.settings import get_settings

log = logging.getLogger("client_profile.outbox")

MAX_ATTEMPTS = 8
SEALED_KEY = "_sealed"
EXPIRES_KEY = "expires_at"  # a payload with it is not worth sending after that moment (login codes)
PROVIDER_ID_KEY = "provider_message_id"  # recorded on a sent WhatsApp row (SM... / wamid...), for audit
UNKNOWN_OUTCOME = "outcome unknown"

Outgoing = mailer.OutgoingEmail | whatsapp.TemplateMessage
Renderer = Callable[[Session, OutboxMessage, dict], Outgoing]
_RENDERERS: dict[str, Renderer] = {}


@dataclasses.dataclass(frozen=True)
class PeriodicJob:
    """A job the sender loop runs every ``every_seconds`` (and once at start), e.g. the reminder scan."""

    name: str
    run: Callable[[], object]
    every_seconds: float


class SkipMessage(Exception):
    """A renderer's way to say: nothing to send any more (e.g. the recipient was deleted). Marks it failed."""


def register_renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        _RENDERERS[kind] = fn
        return fn

    return deco


def claim_seconds() -> float:
    return get_settings().outbox_claim_seconds


def enqueue(
    db: Session,
    *,
    provider_id: int,
    kind: str,
    dedupe_key: str,
    recipient_client_id: int | None = None,
    payload: dict | None = None,
    secrets: dict | None = None,
    channel: Channel = Channel.email,
    now: datetime | None = None,
    if_absent: bool = False,
    not_before: datetime | None = None,
) -> bool:
    """Write one outbox row in the caller's transaction (one INSERT). ``secrets`` are sealed, never stored clear.

    ``if_absent``: a row with this dedupe_key already existing is not an error; nothing is written (INSERT ... ON
    CONFLICT DO NOTHING, so the caller's transaction stays usable). Returns whether a row was written."""
    now = now or utcnow()
    data = dict(payload or {})
    if secrets:
        data[SEALED_KEY] = seal(json.dumps(secrets))
    values = {
        "provider_id": provider_id,
        "channel": channel,
        "kind": kind,
        "recipient_client_id": recipient_client_id,
        "payload": data,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": max(now, not_before) if not_before else now,
        "created_at": now,
        "last_error": "",
    }
    if not if_absent:
        db.execute(insert(OutboxMessage).values(**values))
        return True
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - we support SQLite and PostgreSQL only
        raise RuntimeError(f"unsupported database {dialect}")
    stmt = (
        dialect_insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return db.execute(stmt).first() is not None  # RETURNING: rowcount is not reliable here on every driver


def stable_message_id(row: OutboxMessage) -> str:
    """The left part of the e-mail Message-ID for this row: the same on every hand-over of the row."""
    digest = hashlib.sha256(f"{row.id}:{row.dedupe_key}".encode()).hexdigest()[:20]
    return f"cp.{row.id}.{digest}"


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8, 16, 32 min, then hourly."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _wiped(payload: dict | None) -> dict:
    return {k: v for k, v in (payload or {}).items() if k != SEALED_KEY}


def _due(now: datetime):
    om = OutboxMessage
    return and_(
        om.kind.in_(list(_RENDERERS)),
        or_(
            and_(om.status == OutboxStatus.pending, om.next_attempt_at <= now),
            and_(om.status == OutboxStatus.sending, om.locked_until < now),
        ),
    )


def _finish(
    message_id: int,
    attempts: int,
    payload: dict | None,
    *,
    sent: bool,
    error: str = "",
    now: datetime,
    final: bool = False,
    provider_message_id: str = "",
) -> None:
    """Record the outcome. Write-only (the claim already read attempts and payload): on SQLite a transaction
    that starts with a write waits for the lock instead of failing. ``final``: failed now, no retry."""
    om = OutboxMessage
    if sent:
        done = _wiped(payload)
        if provider_message_id:
            done[PROVIDER_ID_KEY] = provider_message_id[:100]
        values = {
            "status": OutboxStatus.sent,
            "sent_at": now,
            "locked_until": None,
            "last_error": "",
            "payload": done,
        }
    elif final or attempts >= MAX_ATTEMPTS or error.startswith("skipped:"):
        values = {
            "status": OutboxStatus.failed,
            "locked_until": None,
            "last_error": error[:500],
            "payload": _wiped(payload),
        }
    else:
        values = {
            "status": OutboxStatus.pending,
            "locked_until": None,
            "last_error": error[:500],
            "next_attempt_at": now + backoff(attempts),
        }
    with unit_of_work() as db:
        db.execute(update(om).where(om.id == message_id, om.status == OutboxStatus.sending).values(**values))


def _claim(db: Session, message_id: int, now: datetime) -> bool | None:
    """Claim a due row: True for a normal claim (it was pending), False for a recovery (it was left in "sending"
    past its claim: its last send may have happened), None when it is not ours to send."""
    om = OutboxMessage
    locked = now + timedelta(seconds=claim_seconds())
    for recovery, condition in (
        (False, and_(om.status == OutboxStatus.pending, om.next_attempt_at <= now)),
        (True, and_(om.status == OutboxStatus.sending, om.locked_until < now)),
    ):
        claimed = (
            db.execute(
                update(om)
                .where(om.id == message_id, om.kind.in_(list(_RENDERERS)), condition)
                .values(
                    status=OutboxStatus.sending,
                    locked_until=locked,
                    attempts=om.attempts + 1,
                )
            ).rowcount
            == 1
        )
        if claimed:
            return not recovery
    return None


def _process_one(message_id: int, now: datetime) -> bool:
    """Claim, render, send, record. True when the message was sent."""
    with unit_of_work() as db:
        claim = _claim(db, message_id, now)
        if claim is None:
            return False  # another worker has it, or it is done
        recovery = claim is False
        row = db.get(OutboxMessage, message_id)
        attempts, payload, channel = row.attempts, dict(row.payload or {}), row.channel
        outgoing: Outgoing | None = None
        final = False
        try:
            if recovery and channel == Channel.whatsapp:
                # The last hand-over may have reached the provider: never risk a second WhatsApp message.
                raise _Unknown()
            expires = (row.payload or {}).get(EXPIRES_KEY)
            if expires and datetime.fromisoformat(expires) <= now:
                raise SkipMessage("expired before it could be sent")
            secret_values = (
                json.loads(unseal(row.payload[SEALED_KEY])) if SEALED_KEY in (row.payload or {}) else {}
            )
            outgoing = _RENDERERS[row.kind](db, row, secret_values)
            if isinstance(outgoing, mailer.OutgoingEmail):
                if channel != Channel.email:
                    raise TypeError("an e-mail rendered for a WhatsApp row")
                outgoing = dataclasses.replace(
                    outgoing,
                    message_id=outgoing.message_id or stable_message_id(row),
                    # Every optional e-mail can be turned off with one click; a mandatory one cannot.
                    headers=outgoing.headers
                    + preferences.unsubscribe_headers(row.recipient_client_id, row.kind),
                )
            elif isinstance(outgoing, whatsapp.TemplateMessage):
                if channel != Channel.whatsapp:
                    raise TypeError("a WhatsApp message rendered for an e-mail row")
                outgoing = dataclasses.replace(outgoing, reference=outgoing.reference or f"outbox-{row.id}")
            else:
                raise TypeError(f"renderer returned {type(outgoing).__name__}")
        except _Unknown:
            outgoing, error, final = (
                None,
                f"{UNKNOWN_OUTCOME}: the worker stopped during the last send; "
                "not sent again so that it cannot arrive twice",
                True,
            )
        except SkipMessage as exc:
            outgoing, error = None, f"skipped: {exc}"
        except SealError:
            outgoing, error = None, "skipped: sealed payload cannot be opened (was SECRET_KEY changed?)"
        except Exception as exc:  # a bug in a renderer: keep the row, retry with backoff
            log.exception("rendering outbox message %s failed", message_id)
            outgoing, error = None, f"render: {type(exc).__name__}"
    if outgoing is None:
        _finish(message_id, attempts, payload, sent=False, error=error, now=now, final=final)
        return False
    provider_message_id = ""
    try:
        if isinstance(outgoing, mailer.OutgoingEmail):
            mailer.send(outgoing)
        else:
            provider_message_id = whatsapp.send(outgoing).provider_message_id
    except Exception as exc:
        log.warning("sending outbox message %s failed: %s", message_id, type(exc).__name__)
        error = str(exc) or type(exc).__name__
        if getattr(exc, "outcome_unknown", False):
            # The provider may have taken it: like a crash during the send, it is not sent again.
            _finish(
                message_id,
                attempts,
                payload,
                sent=False,
                error=f"{UNKNOWN_OUTCOME}: {error}",
                now=now,
                final=True,
            )
        else:
            _finish(
                message_id,
                attempts,
                payload,
                sent=False,
                error=error,
                now=now,
                final=bool(getattr(exc, "permanent", False)),
            )
        return False
    _finish(message_id, attempts, payload, sent=True, now=now, provider_message_id=provider_message_id)
    return True


class _Unknown(Exception):
    pass


def process_due(now: datetime | None = None, limit: int = 20) -> int:
    """Send what is due (at most ``limit`` messages). Returns how many were sent. Safe to run in several
    processes at once. Opens its own units of work: one to list, then per message claim / send / record."""
    when = now or utcnow()
    om = OutboxMessage
    with unit_of_work() as db:
        ids = list(
            db.execute(
                select(om.id).where(_due(when)).order_by(om.next_attempt_at, om.id).limit(limit)
            ).scalars()
        )
    sent = 0
    for message_id in ids:
        if _process_one(message_id, now or utcnow()):
            sent += 1
    return sent


# ----------------------------------------------------------------------------------------------- the worker

_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_waiters_lock = threading.Lock()


def nudge() -> None:
    """Wake the worker(s) of this process now (thread-safe; call after the unit of work has committed)."""
    with _waiters_lock:
        waiters = list(_waiters)
    for loop, event in waiters:
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # that loop is closed
            pass


async def run_sender(
    stop: asyncio.Event, poll_seconds: float | None = None, periodic: Sequence[PeriodicJob] = ()
) -> None:
    """Send due messages until ``stop`` is set: every ``poll_seconds`` (settings.outbox_poll_seconds by
    default) and right after ``nudge()``. Between passes it runs the ``periodic`` jobs it is given (each once at
    start, then every ``every_seconds``, in a thread); which jobs there are is the worker's business
    (client_profile/worker.py), not the outbox's. Start it as a task, e.g. a Reflex lifespan task."""
    poll = poll_seconds if poll_seconds is not None else get_settings().outbox_poll_seconds
    next_run = [time.monotonic()] * len(periodic)
    wake = asyncio.Event()
    entry = (asyncio.get_running_loop(), wake)
    with _waiters_lock:
        _waiters.add(entry)
    try:
        while not stop.is_set():
            wake.clear()
            for i, job in enumerate(periodic):
                if time.monotonic() >= next_run[i]:
                    next_run[i] = time.monotonic() + job.every_seconds
                    try:
                        await asyncio.to_thread(job.run)
                    except Exception:
                        log.exception("%s failed", job.name)
            try:
                while await asyncio.to_thread(process_due) > 0 and not stop.is_set():
                    pass  # a full batch may mean more are due
            except Exception:  # the database may be briefly unavailable: keep the worker alive
                log.exception("outbox worker pass failed")
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            try:
                await asyncio.wait(
                    waits,
                    timeout=min([poll] + [max(t - time.monotonic(), 0.01) for t in next_run]),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for w in waits:
                    w.cancel()
    finally:
        with _waiters_lock:
            _waiters.discard(entry)


# ---------------------------------------------------------------------------------------- built-in renderers


@register_renderer("login")
def _render_login(db: Session, row: OutboxMessage, secret_values: dict) -> mailer.OutgoingEmail:
    """The login mail goes to the address stored on the Client, never the one typed in (AUTH-9)."""
    found = db.execute(
        select(Client.email, Client.is_active, Client.full_name, Provider)
        .select_from(Client)
        .join(Provider, Provider.id == Client.provider_id)
        .where(Client.id == row.recipient_client_id)
    ).first()
    return _login_mail(db, found, row, secret_values, "/auth/link/")


@register_renderer("staff_login")
def _render_staff_login(db: Session, row: OutboxMessage, secret_values: dict) -> mailer.OutgoingEmail:
    """The console's login mail: to the address stored on the StaffMember, with a console link."""
    staff_id = (row.payload or {}).get("staff_id")
    found = db.execute(
        select(StaffMember.email, StaffMember.is_active, StaffMember.full_name, Provider)
        .select_from(StaffMember)
        .join(Provider, Provider.id == StaffMember.provider_id)
        .where(StaffMember.id == (staff_id if isinstance(staff_id, int) else -1))
    ).first()
    return _login_mail(db, found, row, secret_values, "/admin/auth/link/")


@register_renderer("step_up")
def _render_step_up(db: Session, row: OutboxMessage, secret_values: dict) -> mailer.OutgoingEmail:
    """A fresh code asked for inside a session (export or delete the family's data): to the stored address."""
    found = db.execute(
        select(Client.email, Client.is_active, Client.full_name, Provider)
        .select_from(Client)
        .join(Provider, Provider.id == Client.provider_id)
        .where(Client.id == row.recipient_client_id)
    ).first()
    if found is None or not found.is_active:
        raise SkipMessage("recipient is gone or inactive")
    code = secret_values.get("code")
    if not code:
        raise SkipMessage("step-up code missing")
    minutes = get_settings().login_code_minutes
    text = (
        f"Your code to confirm it is you: {spaced_code(code)}\n\n"
        f"Enter it on your Account page within {minutes} minutes. It lets you download your data or ask "
        "for its deletion.\n\nIf you did not ask for it, you can ignore this e-mail; nobody can use the code "
        "without being logged in as you."
    )
    return mailer.OutgoingEmail(
        to=found.email,
        subject=f"{found.Provider.name}: your confirmation code",
        text=text,
        console_hint=f"step-up e-mail for {found.email}: code {spaced_code(code)}",
    )


@register_renderer("deletion_request")
def _render_deletion_request(db: Session, row: OutboxMessage, secret_values: dict) -> mailer.OutgoingEmail:
    """Tells the provider (its contact address) that a family asked for its data to be deleted. Names no one:
    the console shows the family."""
    provider = db.get(Provider, row.provider_id)
    if provider is None or not provider.contact_email:
        raise SkipMessage("the provider has no contact address")
    family_id = (row.payload or {}).get("family_id")
    url = f"{get_settings().base_url}/admin/families"
    return mailer.OutgoingEmail(
        to=provider.contact_email,
        subject="A family asked for its data to be deleted",
        text=(
            f"Family no. {family_id} asked for its personal data to be deleted. Its logins were ended at once.\n\n"
            f"Confirm it in the console under Families, Deletion requests: {url}\n\n"
            "Confirming anonymises the family's personal data; invoices, receipts and credit notes are kept."
        ),
        console_hint=f"deletion request of family {family_id} for {provider.contact_email}",
    )


def first_name(full_name: str | None) -> str:
    return (full_name or "").split(" ", 1)[0].strip()


@register_renderer("staff_invite")
def _render_staff_invite(db: Session, row: OutboxMessage, secret_values: dict) -> mailer.OutgoingEmail:
    payload = row.payload or {}
    staff_id = payload.get("staff_id")
    found = db.execute(
        select(StaffMember.email, StaffMember.is_active, StaffMember.role, StaffMember.full_name, Provider)
        .select_from(StaffMember)
        .join(Provider, Provider.id == StaffMember.provider_id)
        .where(StaffMember.id == (staff_id if isinstance(staff_id, int) else -1))
    ).first()
    if found is None or not found.is_active:
        raise SkipMessage("recipient is gone or inactive")
    provider = found.Provider
    invited_by, role = str(payload.get("invited_by") or ""), str(getattr(found.role, "value", found.role))
    login_url = f"{get_settings().base_url}/admin/login"
    rendered = templates.render(
        db,
        provider,
        "staff_invite",
        {
            "FIRST_NAME": first_name(found.full_name),
            "INVITED_BY": invited_by or "The owner",
            "ROLE": role,
            "CONSOLE_URL": login_url,
        },
        lambda: staff_invite_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            invited_by=invited_by,
            role=role,
            login_url=login_url,
        ),
    )
    return mailer.OutgoingEmail(
        to=found.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        console_hint=f"staff invitation for {found.email}",
    )


def _login_mail(
    db: Session, found, row: OutboxMessage, secret_values: dict, link_path: str
) -> mailer.OutgoingEmail:
    if found is None or not found.is_active:
        raise SkipMessage("recipient is gone or inactive")
    code, link_token = secret_values.get("code"), secret_values.get("link_token")
    if not code or not link_token:
        raise SkipMessage("login secrets missing")
    s = get_settings()
    provider = found.Provider
    link = f"{s.base_url}{link_path}{link_token}"
    code_disabled = bool((row.payload or {}).get("code_login_disabled"))
    values = {
        "FIRST_NAME": first_name(found.full_name),
        "LOGIN_CODE": "(switched off after too many wrong codes: use the link)"
        if code_disabled
        else spaced_code(code),
        "LOGIN_LINK": link,
        "MINUTES": str(s.login_code_minutes),
    }
    if row.kind == "login":
        values["PROFILE_URL"] = templates.profile_url(found.email)
    rendered = templates.render(
        db,
        provider,
        row.kind,
        values,
        lambda: login_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            code=code,
            link=link,
            minutes=s.login_code_minutes,
            code_disabled=code_disabled,
        ),
    )
    return mailer.OutgoingEmail(
        to=found.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        console_hint=f"{row.kind.replace('_', ' ')} e-mail for {found.email}: code {spaced_code(code)}",
    )


def dev_mailbox_messages(limit: int = 20) -> list[mailer.StoredEmail]:
    """The development mailbox (for GET /dev/mailbox); empty unless settings.dev_mailbox_enabled."""
    return mailer.read_dev_mailbox(limit)
