"""What a provider's invoices say about the provider: tax ids, VAT, the logo (one row per provider)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from client_profile.models.base import utcnow


class InvoiceProfile(SQLModel, table=True):
    __tablename__ = "invoice_profile"
    __table_args__ = (
        UniqueConstraint("provider_id", name="uq_invoice_profile_provider"),
        CheckConstraint(
            "default_vat_rate_bp >= 0 AND default_vat_rate_bp <= 10000", name="ck_invoice_profile_vat"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    # Supplier details printed on every document (the address is Provider.invoice_address).
    legal_name: str = Field(default="", max_length=200)
    company_id: str = Field(default="", max_length=40)  # business registration number (e.g. IČO)
    tax_id: str = Field(default="", max_length=40)  # tax number (e.g. DIČ)
    vat_id: str = Field(default="", max_length=40)  # VAT id (e.g. SK2020123456); empty: not VAT-registered
    vat_payer: bool = False
    default_vat_rate_bp: int = 0  # basis points: 2300 = 23 %
    # Printed instead of VAT lines when the provider does not charge VAT (VAT Directive Art. 226(11)).
    exemption_note: str = Field(default="Not a VAT payer: no VAT is charged.", max_length=300)
    footer: str = Field(default="", max_length=500)
    # A PNG already resized with Pillow (integrations.images.invoice_logo_png); None: no logo.
    logo_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)
