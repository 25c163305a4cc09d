"""Login requests (code + link) and server-side sessions. Secrets are stored only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class LoginRequest(SQLModel, table=True):
    """One e-mail sent with a 6-digit code and a link; both die together (used, voided or expired)."""

    __tablename__ = "login_request"
    __table_args__ = (
        UniqueConstraint("link_hash", name="uq_login_request_link"),
        CheckConstraint("attempts >= 0", name="ck_login_request_attempts"),
        Index("ix_login_request_email_created", "email_hash", "created_at"),
        Index("ix_login_request_ip_created", "ip_hash", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    # HMAC of the normalised address typed in: the rate-limit key, also for unknown addresses.
    email_hash: str = Field(max_length=64)
    client_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), index=True, nullable=True),
    )
    # Which login this is: "client" (the profile) or "staff" (the console). Each area has its own cookies, and a
    # request of one area never logs in to the other.
    area: str = Field(default="client", max_length=8, sa_column_kwargs={"server_default": "client"})
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("staff_member.id", ondelete="CASCADE"), index=True, nullable=True
        ),
    )
    ip_hash: str = Field(max_length=64)
    code_hash: str = Field(max_length=64)  # HMAC(key, id || code)
    link_hash: str = Field(max_length=64)  # SHA-256(link token)
    flow_hash: str = Field(
        max_length=64
    )  # SHA-256(flow cookie secret): binds the login to the asking browser
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    voided_at: datetime | None = None


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_auth_session_token"),
        # A session belongs to exactly one identity: a client (profile) or a staff member (console).
        CheckConstraint("(client_id IS NULL) <> (staff_id IS NULL)", name="ck_auth_session_one_identity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), index=True, nullable=True),
    )
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("staff_member.id", ondelete="CASCADE"), index=True, nullable=True
        ),
    )
    token_hash: str = Field(max_length=64)  # SHA-256 of the cookie value
    epoch: int = 0  # Client.session_epoch when minted
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    idle_expires_at: datetime
    absolute_expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=200)
    # Until when this session may do a sensitive action (export or delete the family's data): set by a fresh
    # e-mail code entered in this session (services.people.auth verify_step_up).
    step_up_until: datetime | None = None
