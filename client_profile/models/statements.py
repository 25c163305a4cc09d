"""Bank statements uploaded in the console (camt.053 or CSV) and their lines, each settled at most once.

A line is unique per provider by its `dedupe_key` (the bank's transaction id, or a hash of what the line says
when the file has none), so the same statement uploaded twice adds no line and settles nothing twice. What a line
matches (a charge, a combined transfer request) is worked out when it is shown and again when it is settled
(services/money/statements.py); only the settlement is stored.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class StatementFormat(str, enum.Enum):
    camt053 = "camt053"
    csv = "csv"


class BankStatement(SQLModel, table=True):
    __tablename__ = "bank_statement"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("provider.id", name="fk_bank_statement_provider", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    file_name: str = Field(default="", max_length=200)
    format: StatementFormat = Field(
        sa_column=Column(Enum(StatementFormat, native_enum=False, length=16), nullable=False)
    )
    account: str = Field(default="", max_length=64)  # the statement's own account (IBAN), as the file says
    uploaded_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", name="fk_bank_statement_staff", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    uploaded_at: datetime = Field(default_factory=utcnow)
    line_count: int = 0  # new lines stored from this upload
    skipped_count: int = 0  # lines of the file that an earlier upload had already stored


class StatementLineStatus(str, enum.Enum):
    open = "open"  # incoming, not settled (its match is worked out when shown)
    settled = "settled"  # paid what it matched, once
    outgoing = "outgoing"  # a debit: listed, never settled


class BankStatementLine(SQLModel, table=True):
    __tablename__ = "bank_statement_line"
    __table_args__ = (
        UniqueConstraint("provider_id", "dedupe_key", name="uq_bank_statement_line_key"),
        CheckConstraint("amount_minor > 0", name="ck_bank_statement_line_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("provider.id", name="fk_bank_statement_line_provider", ondelete="CASCADE"),
            nullable=False,
        )
    )
    statement_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("bank_statement.id", name="fk_bank_statement_line_statement", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    position: int = 0  # its place in the file (1-based)
    dedupe_key: str = Field(max_length=80)
    booked_on: date
    amount_minor: int  # always positive; `status` outgoing for a debit
    currency: str = Field(default="EUR", max_length=3)
    reference: str = Field(default="", max_length=35)  # the payment reference (variable symbol) found
    counterparty: str = Field(default="", max_length=200)
    counterparty_account: str = Field(default="", max_length=64)
    message: str = Field(default="", max_length=300)
    bank_id: str = Field(default="", max_length=100)  # the bank's transaction id, when the file has one
    status: StatementLineStatus = Field(
        default=StatementLineStatus.open,
        sa_column=Column(Enum(StatementLineStatus, native_enum=False, length=16), nullable=False),
    )
    # The settlement: which reference it paid, the (first) charge, by whom, when.
    settled_reference: str = Field(default="", max_length=35)
    charge_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("charge.id", name="fk_bank_statement_line_charge", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    settled_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staff_member.id", name="fk_bank_statement_line_staff", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    settled_at: datetime | None = None
