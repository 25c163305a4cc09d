"""Invoice and receipt downloads: the same scope as the charge they belong to; the PDF from frozen content."""

from __future__ import annotations

from sqlmodel import Session, select

from client_profile.integrations.invoice_pdf import render_pdf
from client_profile.models import Charge, Invoice
from client_profile.services.errors import NotFound
from client_profile.services.money import billing
from client_profile.services.people.access import money_charges_clause, parse_id, payable_charges_clause
from client_profile.services.people.identity import Principal, StaffPrincipal


def document_url(doc_id: int | None) -> str:
    """Where a document is downloaded (api/payments.py; the session cookie decides who may); "" for none."""
    return f"/documents/{doc_id}.pdf" if doc_id else ""


def get_document(db: Session, principal: Principal, doc_id: object) -> Invoice:
    """The invoice/receipt if its charge is visible to the principal; NotFound for others' and missing ones."""
    did = parse_id(doc_id)
    row = (
        db.exec(
            select(Invoice)
            .join(Charge, Charge.id == Invoice.charge_id)
            .where(
                Invoice.id == did,
                Invoice.provider_id == principal.provider_id,
                payable_charges_clause(principal),
            )
        ).first()
        if did is not None
        else None
    )
    if row is None:
        raise NotFound("document")
    return row


def document_pdf(db: Session, principal: Principal, doc_id: object) -> tuple[str, bytes]:
    """(download file name, PDF bytes)."""
    doc = get_document(db, principal, doc_id)
    profile = billing.invoice_profile(db, doc.provider_id)
    return billing.document_filename(doc), render_pdf(billing.document_content(db, doc), profile.logo_png)


def staff_document_pdf(db: Session, staff: StaffPrincipal, doc_id: object) -> tuple[str, bytes]:
    """(file name, PDF) of any document of the provider's charges, for staff with the money right
    (api/admin/documents.py); NotFound for another provider's, a missing or a malformed id, Forbidden for a role
    without the right."""
    clause = money_charges_clause(staff)
    did = parse_id(doc_id)
    doc = (
        db.exec(
            select(Invoice).join(Charge, Charge.id == Invoice.charge_id).where(Invoice.id == did, clause)
        ).first()
        if did is not None
        else None
    )
    if doc is None:
        raise NotFound("document")
    profile = billing.invoice_profile(db, doc.provider_id)
    return billing.document_filename(doc), render_pdf(billing.document_content(db, doc), profile.logo_png)
