"""The provider's own texts for the e-mails the app sends (one override per kind) and its messages to families.

A kind with no MessageTemplate row is sent with the built-in text (services/notifications/templates.py). A
FamilyMessage is one message an owner or office sent to the families of a class or of one session; its e-mails
are outbox rows (kind "family_message"), whose status is the delivery status per recipient.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class MessageTemplate(SQLModel, table=True):
    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("provider_id", "kind", name="uq_message_template_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_message_template_provider"), nullable=False
        )
    )
    kind: str = Field(max_length=64)  # services.notifications.templates.KINDS
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # plain text
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_message_template_staff")
        ),
    )
    updated_at: datetime = Field(default_factory=utcnow)


class FamilyMessage(SQLModel, table=True):
    __tablename__ = "family_message"
    # One send form, one message: the form carries a token, and sending it again finds this row.
    __table_args__ = (UniqueConstraint("provider_id", "token", name="uq_family_message_token"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("provider.id", name="fk_family_message_provider"), nullable=False, index=True
        )
    )
    class_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("class_group.id", name="fk_family_message_class"), nullable=False
        )
    )
    session_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("class_session.id", name="fk_family_message_session")),
    )
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    token: str = Field(max_length=64)
    recipients: int = 0
    sent_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("staff_member.id", ondelete="SET NULL", name="fk_family_message_staff")
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
