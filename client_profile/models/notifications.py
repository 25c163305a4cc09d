"""The notification outbox (written in the same transaction as the change) and processed webhooks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, Enum, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class Channel(str, enum.Enum):
    email = "email"
    whatsapp = "whatsapp"


class OutboxStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"  # gave up after the retries


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    channel: Channel = Field(sa_column=Column(Enum(Channel, native_enum=False, length=16), nullable=False))
    kind: str = Field(max_length=64)  # template name, e.g. "login"
    recipient_client_id: int | None = Field(default=None, foreign_key="client.id")
    # Template data. Secrets in it (a login code) are encrypted with the server key and wiped once sent.
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str = Field(max_length=200)
    status: OutboxStatus = Field(
        default=OutboxStatus.pending,
        sa_column=Column(Enum(OutboxStatus, native_enum=False, length=16), nullable=False),
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ProcessedWebhookEvent(SQLModel, table=True):
    """A gateway event id seen once: inserting it is what makes a webhook's effect exactly-once."""

    __tablename__ = "processed_webhook_event"

    id: str = Field(primary_key=True, max_length=255)
    source: str = Field(default="stripe", max_length=32)
    event_type: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow)
