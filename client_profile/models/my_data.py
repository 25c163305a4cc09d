"""A family's request to have its personal data erased ("My data" on /account)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class DeletionRequest(SQLModel, table=True):
    """Asked by a client of the family (after a fresh e-mail code); the family's sessions ended at once. The
    provider confirms it in the console, which anonymises the family (services.people.my_data)."""

    __tablename__ = "deletion_request"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("provider.id", name="fk_deletion_request_provider_id"),
            index=True,
            nullable=False,
        )
    )
    family_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("family.id", name="fk_deletion_request_family_id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    # Who asked: kept as an id only (the client row itself is anonymised on confirmation).
    requested_by_client_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("client.id", name="fk_deletion_request_client_id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    requested_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    confirmed_by_staff_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", name="fk_deletion_request_staff_id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
