"""The staff audit log (append-only) and the version check that stops two staff edits from overwriting each
other. Every console service that changes something calls ``claim_version`` (when it edits an existing record)
and ``record`` in the same unit of work as the change, so a change and its audit row commit or roll back together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, select

from client_profile import formatting as fmt
from client_profile.models import utcnow
from client_profile.models.staff import AuditEntry, StaffMember
from client_profile.services.errors import StaleEdit
from client_profile.services.people.access import MAX_ID, Capability, is_id, require_staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider

MAX_JSON = 20_000  # characters per before/after document; larger values are cut (a photo is never logged)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def snapshot(row: SQLModel | None, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a row as JSON-safe values (for before/after)."""
    if row is None:
        return {}
    return {name: _plain(getattr(row, name)) for name in fields}


def _dump(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    text = json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return text[:MAX_JSON]


def record(
    db: Session,
    principal: StaffPrincipal | None,
    *,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    family_id: int | None = None,
    class_id: int | None = None,
    provider_id: int | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> None:
    """Append one audit row. ``principal`` None is an operator command (the CLI): pass provider_id and actor."""
    if principal is not None:
        provider_id, actor = principal.provider_id, principal.email
    if provider_id is None:
        raise ValueError("an audit row needs a provider")
    only_changed_before = before or {}
    only_changed_after = after or {}
    if before and after:  # keep what changed (and the keys that only one side has)
        keys = {k for k in set(before) | set(after) if _plain(before.get(k)) != _plain(after.get(k))}
        only_changed_before = {k: before[k] for k in keys if k in before}
        only_changed_after = {k: after[k] for k in keys if k in after}
    db.add(
        AuditEntry(
            provider_id=provider_id,
            staff_id=principal.staff_id if principal is not None else None,
            actor=(actor or "operator")[:320],
            action=action[:64],
            entity=entity[:32],
            entity_id=entity_id,
            family_id=family_id,
            class_id=class_id,
            summary=summary[:300],
            before_json=_dump(only_changed_before),
            after_json=_dump(only_changed_after),
            created_at=now or utcnow(),
        )
    )


def claim_version(db: Session, model: type[SQLModel], row_id: int, expected: object, what: str) -> int:
    """Bump the row's version if it is still ``expected`` (the version the form was opened with); StaleEdit
    otherwise. One conditional UPDATE, so of two concurrent edits exactly one wins. Returns the new version."""
    # A version no row can have (a crafted 2**63 overflows the database's integer) is stale like any other.
    if not isinstance(expected, int) or isinstance(expected, bool) or not 0 <= expected < MAX_ID:
        raise StaleEdit(what)
    table = model.__table__  # type: ignore[attr-defined]
    result = db.execute(
        update(table)
        .where(table.c.id == row_id, table.c.version == expected)
        .values(version=table.c.version + 1)
    )
    if result.rowcount != 1:
        raise StaleEdit(what)
    return expected + 1


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: str  # local time of the provider, "3 Dec 2026 16:05"
    actor: str
    action: str
    summary: str
    before: str
    after: str
    family_id: int
    class_id: int


PAGE_SIZE = 50


def list_entries(
    db: Session,
    principal: StaffPrincipal,
    *,
    family_id: object = None,
    class_id: object = None,
    staff_id: object = None,
    before_id: object = None,
    limit: int = PAGE_SIZE,
) -> list[AuditRow]:
    """The newest audit rows of the provider (owners only), optionally for one family, class or staff member;
    ``before_id`` pages back. Junk filter values filter nothing out (they match no row)."""
    require_staff(principal, Capability.audit)
    a = AuditEntry
    query = select(a).where(a.provider_id == principal.provider_id)
    for column, value in ((a.family_id, family_id), (a.class_id, class_id), (a.staff_id, staff_id)):
        if value is not None:
            query = query.where(column == (value if is_id(value) else -1))
    if before_id is not None:
        query = query.where(a.id < (before_id if is_id(before_id) else 0))
    rows = db.exec(query.order_by(a.id.desc()).limit(max(1, min(int(limit), 200)))).all()
    tz = current_provider(db).timezone
    return [
        AuditRow(
            id=r.id,
            at=_when(fmt.local(r.created_at, tz)),
            actor=r.actor,
            action=r.action,
            summary=r.summary,
            before=r.before_json,
            after=r.after_json,
            family_id=r.family_id or 0,
            class_id=r.class_id or 0,
        )
        for r in rows
    ]


def staff_name(db: Session, staff_id: int) -> str:
    row = db.get(StaffMember, staff_id)
    return row.full_name or row.email if row else ""


def _when(local: datetime) -> str:
    return f"{local.day} {local:%b %Y %H:%M}"
