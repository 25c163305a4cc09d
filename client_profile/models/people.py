"""Who logs in (Client), the household (Family) and who attends (Attendee)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from client_profile.models.base import updated_at_field, utcnow


class Family(SQLModel, table=True):
    __tablename__ = "family"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str = Field(max_length=200)
    # Bumped in the same transaction as any change a family member should see; open pages poll it
    # (services.people.changes) to update themselves without a reload.
    data_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The secret calendar feed URL is derived from the server key, the family id and this number
    # (services.schedule.calendar); regenerating bumps it, which kills the old URL. Nothing secret is stored.
    calendar_feed_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    calendar_feed_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class Client(SQLModel, table=True):
    """A login identity. The e-mail is normalised once, when the row is written (services.people.identity)."""

    __tablename__ = "client"
    __table_args__ = (UniqueConstraint("provider_id", "email", name="uq_client_provider_email"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    email: str = Field(max_length=320)
    full_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    # A shared person (a grandparent) may have no family of their own.
    family_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("family.id", ondelete="SET NULL"), index=True)
    )
    # Bumped by "log out everywhere": every session minted under an older epoch is dead at its next use.
    session_epoch: int = 0
    # Consecutive wrong codes across login requests (docs/security.md AUTH-4); reset on a successful login.
    failed_code_count: int = 0
    code_login_disabled: bool = False
    is_active: bool = True
    # Reminders: e-mail unless opted out; WhatsApp only after an explicit opt-in with a phone number (E.164).
    whatsapp_phone: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    whatsapp_opt_in: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    reminders_opt_out: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # The language of this client's messages (an ISO 639-1 code); "" = the provider's language.
    language: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()


class Attendee(SQLModel, table=True):
    """A family member who attends (usually a child)."""

    __tablename__ = "attendee"

    id: int | None = Field(default=None, primary_key=True)
    family_id: int = Field(
        sa_column=Column(Integer, ForeignKey("family.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    first_name: str = Field(max_length=100)
    last_name: str = Field(default="", max_length=100)
    birth_date: date | None = None
    # A small square JPEG made by integrations.images; served only through an authenticated route.
    photo_jpeg: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    photo_updated_at: datetime | None = None
    # Bumped by every console edit; an edit made from an older version is refused (services.people.audit).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = updated_at_field()
