"""What other systems use to reach the provider's data: API keys (the REST API /api/v1) and webhooks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Enum, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class ApiKeyScope(str, enum.Enum):
    read = "read"  # GET only
    write = "write"  # read and the API's writes (families, enrolments, attendance)


class ApiKey(SQLModel, table=True):
    """A key of the REST API. Only a hash of its secret is stored (services.integrations.api_keys): the key is
    shown once, when it is made. ``prefix`` (the key's first characters) is shown in lists and finds the row;
    the hash is compared in constant time. Revoked, never deleted (the audit log keeps pointing at it).

    The rate limit counts in ``window_started_at`` / ``window_count`` (one conditional UPDATE per request, so it
    holds across processes)."""

    __tablename__ = "api_key"
    __table_args__ = (
        UniqueConstraint("prefix", name="uq_api_key_prefix"),
        CheckConstraint("window_count >= 0", name="ck_api_key_window_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_api_key_provider"), index=True, nullable=False
        )
    )
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64)  # hex SHA-256 of the whole key (256 random bits: no salt needed)
    scope: ApiKeyScope = Field(
        default=ApiKeyScope.read,
        sa_column=Column(Enum(ApiKeyScope, native_enum=False, length=8), nullable=False),
    )
    # NULL for a key made with the CLI (an operator).
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_api_key_created_by"),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    window_started_at: datetime | None = None
    window_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class WebhookEndpoint(SQLModel, table=True):
    """Where the provider's changes are POSTed (services.integrations.webhooks). The signing secret is stored
    sealed with the server key (it must be read back to sign) and shown once, when the endpoint is made.
    ``events``: space-separated patterns, e.g. "booking.* attendance.*". Disabled, never deleted."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("provider.id", name="fk_webhook_endpoint_provider"),
            index=True,
            nullable=False,
        )
    )
    url: str = Field(max_length=500)
    secret_sealed: str = Field(sa_column=Column(Text, nullable=False))
    events: str = Field(max_length=200)
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_webhook_endpoint_created_by"),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None


class WebhookStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"  # gave up after the retries (or the endpoint was disabled)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, queued in the same transaction as the change (an outbox), sent by the worker
    with retries and exponential backoff. ``event_id`` is the receiver's key for dropping a repeat."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_webhook_delivery_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="ck_webhook_delivery_attempts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_webhook_delivery_provider"), nullable=False
        )
    )
    endpoint_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("webhook_endpoint.id", ondelete="CASCADE", name="fk_webhook_delivery_endpoint"),
            index=True,
            nullable=False,
        )
    )
    event_id: str = Field(max_length=40)
    event: str = Field(max_length=64)  # e.g. "booking.created"
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: WebhookStatus = Field(
        default=WebhookStatus.pending,
        sa_column=Column(Enum(WebhookStatus, native_enum=False, length=16), nullable=False),
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    last_status: int | None = None  # the receiver's HTTP status of the last attempt
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class ApiIdempotency(SQLModel, table=True):
    """A write sent with an ``Idempotency-Key`` header: the answer it got, replayed for a repeat of the same key by
    the same API key (services.integrations.api_writes), so a retried request is applied once."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("api_key.id", ondelete="CASCADE", name="fk_api_idempotency_api_key"),
            nullable=False,
        )
    )
    key: str = Field(max_length=100)
    request_hash: str = Field(
        max_length=64
    )  # SHA-256 of the method, path and body: a reuse for another request is refused
    status_code: int
    response: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
