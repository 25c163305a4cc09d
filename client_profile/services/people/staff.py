"""Staff accounts of the console: the first owner from the CLI, the rest invited by an owner; roles change and
people are deactivated (never deleted: the audit log and class history keep pointing at them).

Rules: an address is a staff member of a provider once (normalised like client e-mails); the last active owner
can be neither demoted nor deactivated (nobody could manage staff any more); nobody deactivates themselves.
A role change applies at the staff member's next event (the role is read with the session on every event); a
deactivation ends their sessions at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from client_profile.models import utcnow
from client_profile.models.staff import StaffMember, StaffRole
from client_profile.services.errors import DomainError, InvalidField, NotFound
from client_profile.services.notifications import outbox
from client_profile.services.people import audit
from client_profile.services.people.access import Capability, is_id, require_staff, staff_may
from client_profile.services.people.auth import end_staff_sessions
from client_profile.services.people.identity import StaffPrincipal, normalize_email
from client_profile.services.providers import current_provider

MAX_NAME = 200
_FIELDS = ("email", "full_name", "role", "is_active")

# The console's sections and the capability that opens each (the navigation shows only what the role may open).
SECTIONS: tuple[tuple[str, Capability], ...] = (
    ("today", Capability.register),
    ("schedule", Capability.schedule),
    ("families", Capability.people),
    ("money", Capability.money),
    ("messages", Capability.messages),
    ("staff", Capability.staff),
    ("settings", Capability.settings),
    ("integrations", Capability.settings),
    ("audit", Capability.audit),
)


def sections(principal: StaffPrincipal) -> list[str]:
    return [name for name, capability in SECTIONS if staff_may(principal, capability)]


def parse_role(value: object) -> StaffRole:
    try:
        return StaffRole(str(value).strip().lower())
    except ValueError:
        raise InvalidField("role", "The role must be one of: owner, office, instructor.") from None


def _name(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidField("full_name", "The name must be text.")
    text = " ".join(value.split())
    if len(text) > MAX_NAME:
        raise InvalidField("full_name", f"The name is too long (at most {MAX_NAME} characters).")
    return text


def _email(value: object) -> str:
    try:
        return normalize_email(value)
    except DomainError as exc:
        raise InvalidField("email", str(exc)) from None


def add_staff(
    db: Session,
    email: object,
    role: object,
    full_name: object = "",
    *,
    by: StaffPrincipal | None = None,
    now: datetime | None = None,
) -> StaffMember:
    """Add a staff member. ``by`` None is the operator (``client-profile staff add``); otherwise an owner invites
    from the console and the new member gets an e-mail telling them where to log in. The caller commits."""
    if by is not None:
        require_staff(by, Capability.staff)
    provider = current_provider(db)
    address = _email(email)
    wanted = parse_role(role)
    name = _name(full_name)
    if db.exec(
        select(StaffMember.id).where(StaffMember.provider_id == provider.id, StaffMember.email == address)
    ).first():
        raise InvalidField("email", f"{address} is already a staff member.")
    member = StaffMember(
        provider_id=provider.id,
        email=address,
        full_name=name,
        role=wanted,
        invited_by_id=by.staff_id if by is not None else None,
        created_at=now or utcnow(),
    )
    db.add(member)
    db.flush()
    audit.record(
        db,
        by,
        provider_id=provider.id,
        actor=None if by is not None else "operator (client-profile staff add)",
        action="staff.add",
        entity="staff_member",
        entity_id=member.id,
        summary=f"{address} added as {wanted.value}",
        after=audit.snapshot(member, _FIELDS),
        now=now,
    )
    if by is not None:
        outbox.enqueue(
            db,
            provider_id=provider.id,
            kind="staff_invite",
            dedupe_key=f"staff_invite:{member.id}",
            payload={"staff_id": member.id, "invited_by": by.full_name or by.email},
            now=now,
        )
    return member


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    version: int
    is_me: bool


def list_staff(db: Session, principal: StaffPrincipal) -> list[StaffRow]:
    require_staff(principal, Capability.staff)
    rows = db.exec(
        select(StaffMember)
        .where(StaffMember.provider_id == principal.provider_id)
        .order_by(StaffMember.is_active.desc(), StaffMember.full_name, StaffMember.email)
    ).all()
    return [
        StaffRow(
            id=r.id,
            email=r.email,
            full_name=r.full_name,
            role=r.role.value if isinstance(r.role, StaffRole) else str(r.role),
            is_active=r.is_active,
            version=r.version,
            is_me=r.id == principal.staff_id,
        )
        for r in rows
    ]


def _member(db: Session, principal: StaffPrincipal, staff_id: object) -> StaffMember:
    row = db.get(StaffMember, staff_id) if is_id(staff_id) else None
    if row is None or row.provider_id != principal.provider_id:
        raise NotFound("staff member")
    return row


def _other_active_owners(db: Session, member: StaffMember) -> int:
    return db.exec(
        select(func.count())
        .select_from(StaffMember)
        .where(
            StaffMember.provider_id == member.provider_id,
            StaffMember.role == StaffRole.owner,
            StaffMember.is_active.is_(True),
            StaffMember.id != member.id,
        )
    ).one()


def change_role(
    db: Session, principal: StaffPrincipal, staff_id: object, role: object, version: object
) -> StaffMember:
    """An owner changes someone's role (their own too, while another active owner remains)."""
    require_staff(principal, Capability.staff)
    member = _member(db, principal, staff_id)
    wanted = parse_role(role)
    if member.role == wanted:
        return member
    if member.role == StaffRole.owner and member.is_active and not _other_active_owners(db, member):
        raise DomainError("This is the last owner; make someone else an owner first.")
    before = audit.snapshot(member, _FIELDS)
    audit.claim_version(db, StaffMember, member.id, version, "staff member")
    db.refresh(member)
    member.role = wanted
    db.add(member)
    db.flush()
    audit.record(
        db,
        principal,
        action="staff.role",
        entity="staff_member",
        entity_id=member.id,
        summary=f"{member.email}: {before['role']} -> {wanted.value}",
        before=before,
        after=audit.snapshot(member, _FIELDS),
    )
    return member


def set_active(
    db: Session, principal: StaffPrincipal, staff_id: object, active: object, version: object
) -> StaffMember:
    """Deactivate (their sessions end at once) or reactivate a staff member."""
    require_staff(principal, Capability.staff)
    member = _member(db, principal, staff_id)
    if not isinstance(active, bool):
        raise DomainError("Choose active or inactive.")
    if member.is_active == active:
        return member
    if not active:
        if member.id == principal.staff_id:
            raise DomainError("You cannot deactivate yourself.")
        if member.role == StaffRole.owner and not _other_active_owners(db, member):
            raise DomainError("This is the last owner; make someone else an owner first.")
    before = audit.snapshot(member, _FIELDS)
    audit.claim_version(db, StaffMember, member.id, version, "staff member")
    db.refresh(member)
    member.is_active = active
    db.add(member)
    db.flush()
    if not active:
        end_staff_sessions(db, member.id)
    audit.record(
        db,
        principal,
        action="staff.activate" if active else "staff.deactivate",
        entity="staff_member",
        entity_id=member.id,
        summary=f"{member.email} {'reactivated' if active else 'deactivated'}",
        before=before,
        after=audit.snapshot(member, _FIELDS),
    )
    return member
