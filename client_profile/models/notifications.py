"""The notification outbox (written in the same transaction as the change) and processed webhooks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, Enum, ForeignKey, Index, Integer, UniqueConstraint
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


class NotificationPreference(SQLModel, table=True):
    """A client's choice for one kind of optional message (services.notifications.preferences). No row: on."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("client_id", "kind", name="uq_notification_preference_client_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("client.id", ondelete="CASCADE", name="fk_notification_preference_client"),
            nullable=False,
            index=True,
        )
    )
    kind: str = Field(max_length=64)
    enabled: bool = True
    # "account" (the /account page) or "unsubscribe" (the one-click link in an e-mail).
    changed_via: str = Field(default="account", max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)


class WhatsAppConsent(SQLModel, table=True):
    """The record of a WhatsApp opt-in: when, for which number, and the exact text shown. Kept after opting out
    (``withdrawn_at`` set), so the consent can be shown later."""

    __tablename__ = "whatsapp_consent"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("client.id", ondelete="CASCADE", name="fk_whatsapp_consent_client"),
            nullable=False,
            index=True,
        )
    )
    phone: str = Field(max_length=20)
    text: str = Field(max_length=1000)
    given_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
