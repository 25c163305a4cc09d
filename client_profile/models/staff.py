"""The provider's people in the console (StaffMember, with a role) and the append-only audit of their changes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Enum, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class StaffRole(str, enum.Enum):
    owner = "owner"  # everything, including staff and settings
    office = "office"  # people, bookings, money, messages
    instructor = "instructor"  # their own classes' sessions and attendance only


class StaffMember(SQLModel, table=True):
    """A console login. Separate from Client: a staff member who is also a parent has two identities with two
    session cookies (docs/security.md "Two areas")."""

    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("provider_id", "email", name="uq_staff_provider_email"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    email: str = Field(max_length=320)  # normalised (services.people.identity)
    full_name: str = Field(default="", max_length=200)
    role: StaffRole = Field(
        default=StaffRole.instructor,
        sa_column=Column(Enum(StaffRole, native_enum=False, length=16), nullable=False),
    )
    # Deactivated, never deleted: the audit log and class history keep pointing at the person.
    is_active: bool = True
    session_epoch: int = 0
    failed_code_count: int = 0
    code_login_disabled: bool = False
    invited_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_member.id", ondelete="SET NULL"), nullable=True),
    )
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One staff change: who, when, what, the values before and after (JSON). Rows are only ever inserted
    (services.people.audit has no update or delete)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_provider_created", "provider_id", "created_at"),
        Index("ix_audit_family", "family_id"),
        Index("ix_audit_class", "class_id"),
        Index("ix_audit_staff", "staff_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    # NULL for an operator command (the CLI); actor says who in words either way.
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_member.id", ondelete="SET NULL"), nullable=True),
    )
    actor: str = Field(max_length=320)
    action: str = Field(max_length=64)  # e.g. "class.update", "attendance.mark", "staff.invite"
    entity: str = Field(max_length=32)  # table name of the changed row
    entity_id: int | None = None
    family_id: int | None = None  # for filtering by family
    class_id: int | None = None  # for filtering by class
    summary: str = Field(default="", max_length=300)
    before_json: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    after_json: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)
