"""Outgoing webhooks (docs/api.md "Webhooks"): endpoints an owner configures in /admin/integrations, deliveries
queued in the same transaction as the change, signed and sent by the worker with retries.

- Queuing: one SQLAlchemy ``after_flush`` listener on every Session (registered when this module is imported;
  ``client_profile.services`` imports it, so every process that uses a service has it). It sees the flushed
  Booking, Attendance and Payment rows and inserts a WebhookDelivery per subscribed live endpoint of that
  provider on the flush's own connection: the delivery commits or rolls back with the change, whichever
  service (console, API, client pages, CLI, Stripe webhook) made it. Events: ``booking.created``,
  ``booking.updated`` (status or dates), ``attendance.updated`` (state), ``payment.created``,
  ``payment.updated`` (status). Conditional Core UPDATEs of those tables (a family's excuse, sign back up) are
  seen by a ``do_orm_execute`` listener: it reads the watched columns of the rows the WHERE selects before and
  after the statement, and queues an event for each row that changed. Raw SQL text is not seen.
- Sending: ``process_due`` claims a due row with a conditional UPDATE (pending -> sending, locked for a minute),
  POSTs it outside any transaction (integrations.webhook_http: URL re-checked, no redirects, a timeout), then
  records the outcome: a 2xx is delivered; otherwise it is retried with the outbox's exponential backoff
  (30 s, 1, 2, 4 ... minutes, then hourly) up to MAX_ATTEMPTS, then failed. A row left in "sending" by a
  dead process is sent again once its lock ran out: delivery is at least once, receivers drop repeats by
  the event id.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import event, insert, or_, update
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.db import unit_of_work
from client_profile.integrations import webhook_http
from client_profile.integrations.crypto import seal, unseal
from client_profile.models import Attendance, Booking, Payment, utcnow
from client_profile.models.base import as_utc
from client_profile.models.integrations import WebhookDelivery, WebhookEndpoint, WebhookStatus
from client_profile.services.errors import FieldErrors, NotFound
from client_profile.services.notifications.outbox import backoff
from client_profile.services.people import audit
from client_profile.services.people.access import Capability, is_id, require_staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider
from client_profile.settings import get_settings

GROUPS = ("booking", "attendance", "payment")
MAX_ATTEMPTS = 8
LOCK = timedelta(minutes=1)
_FIELDS = ("url", "events", "disabled_at")
_DATA = {
    Booking: ("id", "attendee_id", "class_id", "status", "starts_on", "ends_on", "price_minor", "currency"),
    Attendance: ("id", "booking_id", "session_id", "state", "changed_at"),
    Payment: ("id", "charge_id", "method", "status", "amount_minor", "currency", "succeeded_at"),
}
# what a change of an existing row must touch to be an ".updated" event
_WATCHED = {Booking: ("status", "starts_on", "ends_on"), Attendance: ("state",), Payment: ("status",)}
_NAMES = {Booking: "booking", Attendance: "attendance", Payment: "payment"}
_BY_TABLE = {model.__table__: model for model in _NAMES}


# ------------------------------------------------------------------------------------------------ endpoints


def _groups(events: object) -> list[str]:
    chosen = (
        [events] if isinstance(events, str) else list(events) if isinstance(events, list | tuple) else None
    )
    if not chosen or not all(isinstance(g, str) and g in GROUPS for g in chosen):
        raise FieldErrors({"events": "Choose at least one of: " + ", ".join(GROUPS) + "."})
    return [g for g in GROUPS if g in chosen]


def create_endpoint(
    db: Session, principal: StaffPrincipal, url: object, events: object
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the owner's provider; returns it and its signing secret (shown once)."""
    require_staff(principal, Capability.settings)
    errors: dict[str, str] = {}
    try:
        clean_url = webhook_http.check_url(url, get_settings().webhooks_may_reach_private)
    except webhook_http.UnsafeUrl as exc:
        errors["url"] = str(exc)
    try:
        groups = _groups(events)
    except FieldErrors as exc:
        errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookEndpoint(
        provider_id=principal.provider_id,
        url=clean_url,
        secret_sealed=seal(secret),
        events=" ".join(f"{g}.*" for g in groups),
        created_by_id=principal.staff_id,
        created_at=utcnow(),
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        principal,
        action="webhook.create",
        entity="webhook_endpoint",
        entity_id=row.id,
        summary=f"Added the webhook {row.url} ({row.events})",
        after=audit.snapshot(row, _FIELDS),
    )
    return row, secret


def disable_endpoint(db: Session, principal: StaffPrincipal, endpoint_id: object) -> WebhookEndpoint:
    """Stop an endpoint: nothing more is queued for it and what is queued is dropped. Twice changes nothing."""
    require_staff(principal, Capability.settings)
    row = (
        db.exec(
            select(WebhookEndpoint).where(
                WebhookEndpoint.id == endpoint_id, WebhookEndpoint.provider_id == principal.provider_id
            )
        ).first()
        if is_id(endpoint_id)
        else None
    )
    if row is None:
        raise NotFound("webhook")
    if row.disabled_at is not None:
        return row
    before = audit.snapshot(row, _FIELDS)
    row.disabled_at = utcnow()
    db.add(row)
    db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == row.id, WebhookDelivery.status == WebhookStatus.pending)
        .values(status=WebhookStatus.failed, last_error="endpoint disabled")
    )
    db.flush()
    audit.record(
        db,
        principal,
        action="webhook.disable",
        entity="webhook_endpoint",
        entity_id=row.id,
        summary=f"Stopped the webhook {row.url}",
        before=before,
        after=audit.snapshot(row, _FIELDS),
    )
    return row


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: int
    url: str
    events: str
    created: str
    disabled: str  # "" = live
    is_disabled: bool
    last_delivery: str  # "" = none yet; else e.g. "booking.created: delivered 3 Dec 2026 16:05"


def _when(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    local = fmt.local(as_utc(value), tz)
    return f"{local.day} {local:%b %Y %H:%M}"


def list_endpoints(db: Session, principal: StaffPrincipal) -> list[WebhookRow]:
    require_staff(principal, Capability.settings)
    tz = current_provider(db).timezone
    rows = db.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.provider_id == principal.provider_id)
        .order_by(WebhookEndpoint.disabled_at.is_not(None), WebhookEndpoint.id.desc())
    ).all()
    out = []
    for row in rows:
        last = db.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == row.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(1)
        ).first()
        text = ""
        if last is not None:
            status = last.status.value + (f" ({last.last_error})" if last.last_error else "")
            text = f"{last.event}: {status}, {_when(last.delivered_at or last.created_at, tz)}"
        out.append(
            WebhookRow(
                id=row.id,
                url=row.url,
                events=row.events,
                created=_when(row.created_at, tz),
                disabled=_when(row.disabled_at, tz),
                is_disabled=row.disabled_at is not None,
                last_delivery=text,
            )
        )
    return out


# ------------------------------------------------------------------------------------------------ queuing


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


@dataclass(frozen=True, slots=True)
class _Change:
    event: str
    data: dict
    provider_id: int | None  # None for an attendance: its booking's provider
    booking_id: int | None = None


def _change(name: str, model: type, values) -> _Change:
    data = {field: _plain(values[field]) for field in _DATA[model]}
    if model is Attendance:
        return _Change(name, data, None, values["booking_id"])
    return _Change(name, data, values["provider_id"])


def _changes(session: Session) -> list[_Change]:
    found: list[_Change] = []
    for obj in session.new:
        if type(obj) in (Booking, Payment):
            found.append(_change(f"{_NAMES[type(obj)]}.created", type(obj), _columns(obj)))
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched is None:
            continue
        state = sa_inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in watched):
            found.append(_change(f"{_NAMES[type(obj)]}.updated", type(obj), _columns(obj)))
    return found


def _columns(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in sa_inspect(type(obj)).column_attrs}


def _matches(patterns: str, event_name: str) -> bool:
    group = event_name.split(".", 1)[0]
    return any(p in (event_name, f"{group}.*", "*") for p in patterns.split())


def _enqueue(conn, changes: list[_Change]) -> None:
    """Insert a pending delivery per change and subscribed live endpoint of its provider, on ``conn``."""
    booking_ids = {c.booking_id for c in changes if c.booking_id is not None}
    providers = dict(
        conn.execute(select(Booking.id, Booking.provider_id).where(Booking.id.in_(booking_ids))).all()
        if booking_ids
        else []
    )

    def provider_of(change: _Change) -> int | None:
        return change.provider_id if change.booking_id is None else providers.get(change.booking_id)

    wanted = {provider_of(c) for c in changes} - {None}
    endpoints = conn.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.provider_id, WebhookEndpoint.events).where(
            WebhookEndpoint.provider_id.in_(wanted), WebhookEndpoint.disabled_at.is_(None)
        )
    ).all()
    if not endpoints:
        return
    now = utcnow()
    rows = [
        {
            "provider_id": provider_id,
            "endpoint_id": endpoint_id,
            "event_id": "evt_" + secrets.token_hex(12),
            "event": change.event,
            "payload": change.data,
            "status": WebhookStatus.pending,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for change in changes
        for endpoint_id, provider_id, patterns in endpoints
        if provider_id == provider_of(change) and _matches(patterns, change.event)
    ]
    if rows:
        conn.execute(insert(WebhookDelivery), rows)


@event.listens_for(Session, "after_flush")
def _queue(session: Session, _flush_context) -> None:
    """ORM changes: new and changed Booking, Attendance and Payment objects of this flush."""
    changes = _changes(session)
    if changes:
        _enqueue(session.connection(), changes)


@event.listens_for(Session, "do_orm_execute")
def _queue_core_update(state) -> object:
    """Conditional Core UPDATEs of a watched table (a family's excuse, sign back up, a make-up's cancellation):
    the watched columns of the rows its WHERE selects are read before and after it runs, and each row whose
    watched columns changed is an ".updated" event. An UPDATE without a WHERE clause is not an event source."""
    if not state.is_update:
        return None
    statement = state.statement
    model = _BY_TABLE.get(getattr(statement, "table", None))
    if model is None or statement.whereclause is None:
        return None
    session = state.session
    watched = [model.id, *(getattr(model, n) for n in _WATCHED[model])]
    before = {
        row[0]: tuple(row[1:]) for row in session.execute(select(*watched).where(statement.whereclause))
    }
    result = state.invoke_statement()
    if not before:
        return result
    after = session.execute(select(*watched).where(model.id.in_(list(before)))).all()
    changed = [row[0] for row in after if tuple(row[1:]) != before[row[0]]]
    if changed:
        columns = list(model.__table__.columns)
        rows = (
            session.execute(select(*columns).where(model.id.in_(changed)).order_by(model.id)).mappings().all()
        )
        _enqueue(session.connection(), [_change(f"{_NAMES[model]}.updated", model, row) for row in rows])
    return result


# ------------------------------------------------------------------------------------------------ sending


def _due(now: datetime):
    d = WebhookDelivery
    return or_(
        (d.status == WebhookStatus.pending) & (d.next_attempt_at <= now),
        (d.status == WebhookStatus.sending) & (d.locked_until < now),
    )


def body_of(row: WebhookDelivery) -> bytes:
    """The JSON body a receiver gets (the same bytes on every attempt)."""
    document = {
        "id": row.event_id,
        "type": row.event,
        "created_at": _plain(row.created_at),
        "data": row.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _finish(delivery_id: int, attempts: int, outcome: webhook_http.Outcome | None, error: str, now: datetime):
    if outcome is not None and outcome.delivered:
        values = {"status": WebhookStatus.delivered, "delivered_at": now, "last_error": ""}
    elif attempts >= MAX_ATTEMPTS or outcome is None:
        values = {"status": WebhookStatus.failed, "last_error": error[:500]}
    else:
        values = {
            "status": WebhookStatus.pending,
            "next_attempt_at": now + backoff(attempts),
            "last_error": error,
        }
    values |= {"locked_until": None, "last_status": outcome.status if outcome is not None else None}
    with unit_of_work() as db:
        db.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == WebhookStatus.sending)
            .values(**values)
        )


def deliver_one(delivery_id: int, now: datetime | None = None) -> bool:
    """Claim, send and record one due delivery; False when it was not due (or another process has it)."""
    now = now or utcnow()
    d = WebhookDelivery
    with unit_of_work() as db:
        claimed = db.execute(
            update(d)
            .where(d.id == delivery_id, _due(now))
            .values(status=WebhookStatus.sending, locked_until=now + LOCK, attempts=d.attempts + 1)
        ).rowcount
        if claimed != 1:
            return False
        row, endpoint = db.exec(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        ).one()
        attempts, url, disabled = row.attempts, endpoint.url, endpoint.disabled_at is not None
        body, secret = body_of(row), unseal(endpoint.secret_sealed)
        event_id, event_name = row.event_id, row.event
    if disabled:
        _finish(delivery_id, attempts, None, "endpoint disabled", now)
        return True
    settings = get_settings()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ClientProfile-Webhooks/1",
        webhook_http.SIGNATURE_HEADER: webhook_http.sign(secret, int(now.timestamp()), body),
        "Client-Profile-Event": event_name,
        "Client-Profile-Event-Id": event_id,
    }
    outcome = webhook_http.post(
        url,
        body,
        headers,
        allow_private=settings.webhooks_may_reach_private,
        timeout=settings.webhook_timeout_seconds,
    )
    _finish(delivery_id, attempts, outcome, outcome.error, now)
    return True


def process_due(now: datetime | None = None, limit: int = 20) -> int:
    """Send up to ``limit`` due deliveries (the worker's periodic job); returns how many were attempted."""
    now = now or utcnow()
    with unit_of_work() as db:
        ids: Iterable[int] = db.exec(
            select(WebhookDelivery.id).where(_due(now)).order_by(WebhookDelivery.next_attempt_at).limit(limit)
        ).all()
    return sum(1 for delivery_id in ids if deliver_one(delivery_id, now))
