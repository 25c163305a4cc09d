"""API keys of the REST API (/api/v1, docs/api.md): made, listed and revoked by owners (Capability.settings) in the
console (/admin/integrations) or by the operator (``client-profile api-key create``); resolved on every request.

A key is ``cpk_<8 letters or digits>_<43 random characters>`` (secrets.token_urlsafe(32): 256 bits). The first
12 characters are its ``prefix``: stored in the clear, shown in lists, and the look-up key. Only the SHA-256 of the
whole key is stored; the key is shown once, when it is made. The comparison is constant-time, and an unknown
prefix is compared against a dummy hash so it costs the same.

Scopes: ``read`` (GET only) and ``write`` (also the API's writes). A key acts with the rights of the *office*
role for the API's writes (people and register; services.people.access.ROLE_CAPABILITIES), through the same
services as the console, audited with the actor "API key <name> (<prefix>)" and no staff id.

Rate limit: ``count_request`` counts the key's requests in a fixed one-minute window with two conditional
UPDATEs on the key's own row (atomic on SQLite and PostgreSQL, shared by every process), and records
``last_used_at`` with the same statement.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.integrations.crypto import constant_time_equal, sha256_hex
from client_profile.models import utcnow
from client_profile.models.base import as_utc
from client_profile.models.integrations import ApiKey, ApiKeyScope
from client_profile.models.staff import StaffMember
from client_profile.services.errors import DomainError, FieldErrors, InvalidField, NotAuthenticated, NotFound
from client_profile.services.people import audit
from client_profile.services.people.access import Capability, is_id, require_staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider

KEY_PREFIX = "cpk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_LENGTH = 43  # secrets.token_urlsafe(32)
KEY_LENGTH = PREFIX_LENGTH + 1 + _SECRET_LENGTH
MAX_NAME = 100
WINDOW = timedelta(minutes=1)
_DUMMY_HASH = sha256_hex("not a key")
_FIELDS = ("name", "prefix", "scope", "revoked_at")
# The role whose rights a write key has (services.people.access.ROLE_CAPABILITIES): people and register.
API_ROLE = "office"


class InvalidKey(NotAuthenticated):
    """No key, a malformed, unknown or revoked key: the API answers 401 and says no more."""


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who calls the API: a live key, resolved on every request. Its provider scopes every query."""

    key_id: int
    provider_id: int
    name: str
    prefix: str
    scope: str  # ApiKeyScope value

    @property
    def may_write(self) -> bool:
        return self.scope == ApiKeyScope.write.value

    def staff_principal(self) -> StaffPrincipal:
        """The principal the console services see for this key's writes (the office role, no staff id)."""
        return StaffPrincipal(
            staff_id=None,  # type: ignore[arg-type]  # audit rows and attendances record no staff member
            provider_id=self.provider_id,
            session_id=0,
            email=actor(self.name, self.prefix),
            full_name=self.name,
            role=API_ROLE,
        )


def actor(name: str, prefix: str) -> str:
    return f"API key {name} ({prefix})"[:320]


def _new_key() -> str:
    return KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(8)) + "_" + secrets.token_urlsafe(32)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField("name", "Please name the key (what uses it, e.g. 'Accounting export').")
    text = " ".join(value.split())
    if len(text) > MAX_NAME or any(ord(c) < 32 for c in text):
        raise InvalidField("name", f"The name must be at most {MAX_NAME} characters of text.")
    return text


def _scope(write: object) -> ApiKeyScope:
    if write in (True, "true", "on", "write", "1"):
        return ApiKeyScope.write
    if write in (False, None, "", "false", "off", "read", "0"):
        return ApiKeyScope.read
    raise InvalidField("scope", "The scope must be read or read-write.")


def _insert(
    db: Session, provider_id: int, name: object, write: object, created_by: int | None
) -> tuple[ApiKey, str]:
    errors: dict[str, str] = {}
    try:
        clean = _name(name)
    except InvalidField as exc:
        errors.update(exc.fields)
    try:
        scope = _scope(write)
    except InvalidField as exc:
        errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    key = _new_key()
    row = ApiKey(
        provider_id=provider_id,
        name=clean,
        prefix=key[:PREFIX_LENGTH],
        secret_hash=sha256_hex(key),
        scope=scope,
        created_by_id=created_by,
        created_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row, key


def create_key(
    db: Session, principal: StaffPrincipal, name: object, write: object = False
) -> tuple[ApiKey, str]:
    """A new key of the owner's provider; returns the row and the key (shown once, never stored)."""
    require_staff(principal, Capability.settings)
    row, key = _insert(db, principal.provider_id, name, write, principal.staff_id)
    audit.record(
        db,
        principal,
        action="api_key.create",
        entity="api_key",
        entity_id=row.id,
        summary=f"Created the API key {row.name} ({row.prefix}, {row.scope.value})",
        after=audit.snapshot(row, _FIELDS),
    )
    return row, key


def create_key_as_operator(db: Session, name: object, write: bool = False) -> tuple[ApiKey, str]:
    """The CLI's ``api-key create``: a key of the installation's provider, audited as the operator."""
    provider = current_provider(db)
    row, key = _insert(db, provider.id, name, write, None)
    audit.record(
        db,
        None,
        action="api_key.create",
        entity="api_key",
        entity_id=row.id,
        summary=f"Created the API key {row.name} ({row.prefix}, {row.scope.value}) from the command line",
        after=audit.snapshot(row, _FIELDS),
        provider_id=provider.id,
        actor="operator",
    )
    return row, key


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: int
    name: str
    prefix: str
    scope: str  # "read" or "read-write"
    created: str  # "3 Dec 2026 16:05 by Olga Owner"
    last_used: str  # "" = never
    revoked: str  # "" = live
    is_revoked: bool


def _when(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    local = fmt.local(as_utc(value), tz)
    return f"{local.day} {local:%b %Y %H:%M}"


def list_keys(db: Session, principal: StaffPrincipal) -> list[ApiKeyRow]:
    """The provider's keys, live ones first, newest first."""
    require_staff(principal, Capability.settings)
    tz = current_provider(db).timezone
    rows = db.exec(
        select(ApiKey, StaffMember)
        .join(StaffMember, StaffMember.id == ApiKey.created_by_id, isouter=True)
        .where(ApiKey.provider_id == principal.provider_id)
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
    ).all()
    return [
        ApiKeyRow(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scope="read-write" if key.scope == ApiKeyScope.write else "read",
            created=_when(key.created_at, tz)
            + (f" by {who.full_name or who.email}" if who is not None else " (command line)"),
            last_used=_when(key.last_used_at, tz),
            revoked=_when(key.revoked_at, tz),
            is_revoked=key.revoked_at is not None,
        )
        for key, who in rows
    ]


def revoke_key(db: Session, principal: StaffPrincipal, key_id: object) -> ApiKey:
    """Revoke a key of the provider at once (its next request is 401). Revoking a revoked key changes nothing."""
    require_staff(principal, Capability.settings)
    row = (
        db.exec(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.provider_id == principal.provider_id)
        ).first()
        if is_id(key_id)
        else None
    )
    if row is None:
        raise NotFound("API key")
    if row.revoked_at is not None:
        return row
    before = audit.snapshot(row, _FIELDS)
    done = db.execute(
        update(ApiKey)
        .where(ApiKey.id == row.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.refresh(row)
    if done.rowcount == 1:
        audit.record(
            db,
            principal,
            action="api_key.revoke",
            entity="api_key",
            entity_id=row.id,
            summary=f"Revoked the API key {row.name} ({row.prefix})",
            before=before,
            after=audit.snapshot(row, _FIELDS),
        )
    return row


def authenticate(db: Session, header: str | None) -> ApiCaller:
    """The live key of an ``Authorization: Bearer <key>`` header; InvalidKey for anything else."""
    if not header or not isinstance(header, str):
        raise InvalidKey()
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if (
        scheme.lower() != "bearer"
        or len(key) != KEY_LENGTH
        or not key.startswith(KEY_PREFIX)
        or not key.isascii()
    ):
        raise InvalidKey()
    row = db.exec(select(ApiKey).where(ApiKey.prefix == key[:PREFIX_LENGTH])).first()
    matches = constant_time_equal(sha256_hex(key), row.secret_hash if row is not None else _DUMMY_HASH)
    if row is None or not matches or row.revoked_at is not None:
        raise InvalidKey()
    return ApiCaller(row.id, row.provider_id, row.name, row.prefix, row.scope.value)


def count_request(db: Session, caller: ApiCaller, limit: int, now: datetime | None = None) -> int | None:
    """Count one request of the key in its current minute and record its use. None when it may go on; else the
    seconds until its window ends (for Retry-After). Starts with a write (on SQLite it waits for the lock rather
    than failing); the caller commits.

    Each UPDATE re-checks its condition on the row as committed: either counts in the running minute, or starts a
    new one. When a concurrent request has just started the new minute (so neither matched for us), the first is
    tried once more."""
    now = now or utcnow()
    start = now - WINDOW
    k = ApiKey
    in_window = (
        update(k)
        .where(k.id == caller.key_id, k.window_started_at > start, k.window_count < limit)
        .values(window_count=k.window_count + 1, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    new_window = (
        update(k)
        .where(k.id == caller.key_id, k.window_started_at.is_(None) | (k.window_started_at <= start))
        .values(window_started_at=now, window_count=1, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    for statement in (in_window, new_window, in_window):
        if db.execute(statement).rowcount == 1:
            return None
    started = db.exec(select(k.window_started_at).where(k.id == caller.key_id)).first()
    if started is None:
        raise DomainError("This key is gone.")
    left = (as_utc(started) + WINDOW - now).total_seconds()
    return max(1, int(left + 0.999))
