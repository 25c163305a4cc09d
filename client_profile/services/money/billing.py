"""Invoices and receipts: the one place that numbers them (gap-free per provider, kind and year) and freezes
what they say.

An invoice is issued when a charge is paid (invoicing on); a receipt for each succeeded payment. Each document
stores its content (supplier, customer, lines, VAT per rate, dates) as issued, and the PDF is rendered from that,
so an issued document never changes when prices or provider details change later.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    Charge,
    Client,
    Family,
    Invoice,
    InvoiceKind,
    InvoiceProfile,
    Order,
    OrderItem,
    OrderItemKind,
    Payment,
    PaymentMethod,
    Provider,
    Refund,
    utcnow,
)
from client_profile.services.money import credit, fees

PREFIX = {InvoiceKind.invoice: "", InvoiceKind.receipt: "R-", InvoiceKind.credit_note: "CN-"}
TITLE = {
    InvoiceKind.invoice: "Invoice",
    InvoiceKind.receipt: "Receipt",
    InvoiceKind.credit_note: "Credit note",
}
METHOD_LABEL = {
    PaymentMethod.card: "Card (online)",
    PaymentMethod.bank_transfer: "Bank transfer",
    PaymentMethod.credit: "Prepaid credit",
    PaymentMethod.cash: "Cash",
}


def next_document_number(db: Session, provider_id: int, kind: InvoiceKind, year: int) -> tuple[int, str]:
    """The next (sequence, number) of a series, without gaps even under concurrent issuing.

    The no-op UPDATE of the provider row serialises numbering per provider inside the caller's transaction:
    PostgreSQL holds the row lock until commit (READ COMMITTED: the MAX below then sees the previous holder's
    invoice), SQLite holds the database write lock. A rolled-back transaction leaves no gap because the number
    is only ever derived from committed rows.
    """
    db.execute(
        update(Provider)
        .where(Provider.id == provider_id)
        .values(id=Provider.id)
        .execution_options(synchronize_session=False)
    )
    current = db.exec(
        select(func.max(Invoice.sequence)).where(
            Invoice.provider_id == provider_id, Invoice.kind == kind, Invoice.year == year
        )
    ).one()
    seq = (current or 0) + 1
    return seq, f"{PREFIX[kind]}{year}-{seq:04d}"


def invoice_profile(db: Session, provider_id: int) -> InvoiceProfile:
    """The provider's invoice profile, or an unsaved default (not a VAT payer, no logo)."""
    row = db.exec(select(InvoiceProfile).where(InvoiceProfile.provider_id == provider_id)).first()
    return row or InvoiceProfile(provider_id=provider_id)


def split_vat(gross: int, rate_bp: int) -> tuple[int, int]:
    """(net, vat) of a VAT-inclusive amount in minor units, rounded half up on the net."""
    if rate_bp <= 0:
        return gross, 0
    net = int(
        (Decimal(gross) * 10000 / Decimal(10000 + rate_bp)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    return net, gross - net


def _lines(db: Session, charge: Charge, default_rate: int) -> list[dict]:
    if charge.order_id is not None:
        items = db.exec(
            select(OrderItem).where(OrderItem.order_id == charge.order_id).order_by(OrderItem.id)
        ).all()
        if items and sum(i.quantity * i.unit_price_minor for i in items) == charge.amount_minor:
            # Prepaid credit is not taxed when bought (a multi-purpose voucher): VAT is invoiced when it is used.
            raw = [
                (
                    i.description,
                    i.quantity,
                    i.unit_price_minor,
                    0
                    if i.kind == OrderItemKind.credit_top_up
                    else default_rate
                    if i.vat_rate_bp is None
                    else i.vat_rate_bp,
                )
                for i in items
            ]
        else:  # an order whose charge differs from its items (a discount): one line for what is charged
            raw = [(charge.description, 1, charge.amount_minor, default_rate)]
    else:
        description = charge.description
        row = None
        if charge.booking_id is not None:
            row = db.exec(
                select(Attendee.first_name, Attendee.last_name)
                .join(Booking, Booking.attendee_id == Attendee.id)
                .where(Booking.id == charge.booking_id)
            ).first()
        elif charge.attendee_id is not None:  # a console fee for one attendee
            row = db.exec(
                select(Attendee.first_name, Attendee.last_name).where(Attendee.id == charge.attendee_id)
            ).first()
        if row:
            description = f"{description} ({f'{row[0]} {row[1]}'.strip()})"
        rate = default_rate if charge.vat_rate_bp is None else charge.vat_rate_bp
        savings = fees.savings_by_charge(db, [charge.id])[charge.id]
        # A discounted fee: its full price, then each discount as a negative line at the same VAT rate, so the
        # lines add up to what was charged.
        raw = [(description, 1, charge.amount_minor + sum(s.saving_minor for s in savings), rate)]
        raw += [(discount_line(s.name), 1, -s.saving_minor, rate) for s in savings]
    lines = []
    for description, quantity, unit_gross, rate in raw:
        gross = quantity * unit_gross
        net, vat = split_vat(gross, rate)
        lines.append(
            {
                "description": description,
                "quantity": quantity,
                "unit_gross": unit_gross,
                "unit_net": split_vat(unit_gross, rate)[0],
                "vat_rate_bp": rate,
                "net": net,
                "vat": vat,
                "gross": gross,
            }
        )
    if len(lines) > 1 and charge.order_id is None:
        # A discounted fee: the last discount line takes the rounding cent, so that the lines' nets add up to
        # the net of what was charged (the VAT summary's), as an accountant adds them.
        last = lines[-1]
        last["net"] += split_vat(charge.amount_minor, last["vat_rate_bp"])[0] - sum(
            line["net"] for line in lines
        )
        last["unit_net"], last["vat"] = last["net"], last["gross"] - last["net"]
    return lines


def discount_line(name: str) -> str:
    """How a discount reads as an invoice line: its name, marked as a discount when the name does not say so."""
    return name if "discount" in name.lower() else f"{name} (discount)"


def _vat_summary(lines: list[dict]) -> list[dict]:
    by_rate: dict[int, int] = {}
    for line in lines:
        by_rate[line["vat_rate_bp"]] = by_rate.get(line["vat_rate_bp"], 0) + line["gross"]
    rows = []
    for rate in sorted(by_rate, reverse=True):
        net, vat = split_vat(by_rate[rate], rate)
        rows.append({"rate_bp": rate, "net": net, "vat": vat, "gross": by_rate[rate]})
    return rows


def _customer(db: Session, family_id: int) -> dict:
    family = db.get(Family, family_id)
    client = db.exec(
        select(Client).where(Client.family_id == family_id, Client.is_active.is_(True)).order_by(Client.id)
    ).first()
    name = (client.full_name if client and client.full_name else "") or (
        f"{family.name} family" if family else ""
    )
    return {"name": name, "email": client.email if client else "", "address": []}


def _supplier(provider: Provider, profile: InvoiceProfile) -> dict:
    address = [part.strip() for part in provider.invoice_address.split(",") if part.strip()]
    name = profile.legal_name or provider.name
    if address and address[0] == name:
        address = address[1:]
    return {
        "name": name,
        "address": address,
        "company_id": profile.company_id,
        "tax_id": profile.tax_id,
        "vat_id": profile.vat_id if profile.vat_payer else "",
        "email": provider.contact_email,
    }


def _content(
    db: Session,
    provider: Provider,
    charge: Charge,
    kind: InvoiceKind,
    number: str,
    issued: datetime,
    payment: Payment | None,
    invoice_number: str = "",
) -> dict:
    profile = invoice_profile(db, provider.id)
    default_rate = profile.default_vat_rate_bp if profile.vat_payer else 0
    lines = _lines(db, charge, default_rate)
    if not profile.vat_payer:
        for line in lines:
            line.update(vat_rate_bp=0, net=line["gross"], vat=0, unit_net=line["unit_gross"])
    summary = _vat_summary(lines)
    tz = provider.timezone
    issued_on = fmt.local(issued, tz).date().isoformat()
    paid_on = fmt.local(payment.succeeded_at or issued, tz).date().isoformat() if payment else issued_on
    content: dict = {
        "kind": kind.value,
        "title": TITLE[kind],
        "number": number,
        "currency": charge.currency,
        "supplier": _supplier(provider, profile),
        "customer": _customer(db, charge.family_id),
        "lines": lines,
        "vat_summary": summary,
        "vat_payer": profile.vat_payer,
        "exemption_note": "" if profile.vat_payer else profile.exemption_note,
        "total_net": sum(r["net"] for r in summary),
        "total_vat": sum(r["vat"] for r in summary),
        "total": charge.amount_minor
        if kind == InvoiceKind.invoice
        else (payment.amount_minor if payment else 0),
        "footer": profile.footer,
        "charge_reference": charge.reference,
    }
    method = METHOD_LABEL.get(payment.method, payment.method.value) if payment else ""
    if kind == InvoiceKind.invoice:
        content["dates"] = [("Issued", issued_on), ("Date of supply", paid_on), ("Paid", paid_on)]
        content["notes_before"] = [f"Payment reference: {charge.reference}"]
        paid_label = fmt.day_label(fmt.local(payment.succeeded_at or issued, tz).date()) if payment else ""
        content["notes_after"] = (
            [f"Paid in full on {paid_label}. Payment method: {method}. Thank you!"] if payment else []
        )
    else:
        content["dates"] = [("Issued", issued_on), ("Payment received", paid_on)]
        content["total_label"] = "Amount received"
        content["notes_before"] = [f"Received from {content['customer']['name']} for: {charge.description}."]
        after = [f"Payment method: {method}. Payment reference: {charge.reference}."]
        if credit.is_credit_top_up(db, charge):
            after.append(
                "Prepaid credit: added to your credit balance. No VAT is charged on buying credit; it is "
                "invoiced when the credit pays for something."
            )
        if invoice_number:
            after.append(f"This receipt confirms payment of invoice {invoice_number}.")
        content["notes_after"] = after
    return content


def _local_year(provider: Provider, when: datetime) -> int:
    return fmt.local(when, provider.timezone).year


def issue_documents(
    db: Session,
    provider: Provider,
    charge: Charge,
    payment: Payment,
    issue_invoice: bool,
    when: datetime | None = None,
) -> list[Invoice]:
    """Issues the invoice for a charge that just became paid (when `issue_invoice` and there is none yet) and
    the receipt for `payment`. Only when the provider has invoicing on. A credit top-up gets a receipt and no
    invoice: the credit is invoiced when it pays for something. Part of the caller's transaction."""
    if not provider.invoicing_enabled:
        return []
    when = when or utcnow()
    year = _local_year(provider, when)
    made: list[Invoice] = []
    invoice = db.exec(
        select(Invoice).where(Invoice.charge_id == charge.id, Invoice.kind == InvoiceKind.invoice)
    ).first()
    if invoice is None and issue_invoice and not credit.is_credit_top_up(db, charge):
        seq, number = next_document_number(db, provider.id, InvoiceKind.invoice, year)
        invoice = Invoice(
            provider_id=provider.id,
            charge_id=charge.id,
            payment_id=payment.id,
            kind=InvoiceKind.invoice,
            year=year,
            sequence=seq,
            number=number,
            total_minor=charge.amount_minor,
            currency=charge.currency,
            issued_at=when,
            content=_content(db, provider, charge, InvoiceKind.invoice, number, when, payment),
        )
        db.add(invoice)
        db.flush()
        made.append(invoice)
    seq, number = next_document_number(db, provider.id, InvoiceKind.receipt, year)
    receipt = Invoice(
        provider_id=provider.id,
        charge_id=charge.id,
        payment_id=payment.id,
        kind=InvoiceKind.receipt,
        year=year,
        sequence=seq,
        number=number,
        total_minor=payment.amount_minor,
        currency=payment.currency,
        issued_at=when,
        content=_content(
            db,
            provider,
            charge,
            InvoiceKind.receipt,
            number,
            when,
            payment,
            invoice.number if invoice else "",
        ),
    )
    db.add(receipt)
    db.flush()
    made.append(receipt)
    return made


def issue_credit_note(
    db: Session,
    provider: Provider,
    charge: Charge,
    payment: Payment,
    refund: Refund,
    when: datetime | None = None,
) -> Invoice | None:
    """The credit note of a refund: its own gap-free series (CN-<year>-<n>), content frozen like an invoice's,
    the refunded amount as a negative line at the charge's VAT rate. Only when the provider has invoicing on;
    at most one per refund (uq_invoice_refund). Part of the caller's transaction."""
    if not provider.invoicing_enabled:
        return None
    when = when or utcnow()
    year = _local_year(provider, when)
    seq, number = next_document_number(db, provider.id, InvoiceKind.credit_note, year)
    profile = invoice_profile(db, provider.id)
    rate = (
        (profile.default_vat_rate_bp if charge.vat_rate_bp is None else charge.vat_rate_bp)
        if profile.vat_payer and not credit.is_credit_top_up(db, charge)
        else 0
    )
    net, vat = split_vat(-refund.amount_minor, rate)
    line = {
        "description": f"Refund: {charge.description}",
        "quantity": 1,
        "unit_gross": -refund.amount_minor,
        "unit_net": net,
        "vat_rate_bp": rate,
        "net": net,
        "vat": vat,
        "gross": -refund.amount_minor,
    }
    summary = _vat_summary([line])
    invoice = db.exec(
        select(Invoice).where(Invoice.charge_id == charge.id, Invoice.kind == InvoiceKind.invoice)
    ).first()
    tz = provider.timezone
    issued_on = fmt.local(when, tz).date().isoformat()
    method = METHOD_LABEL.get(refund.method, refund.method.value)
    notes_before = [f"Payment reference: {charge.reference}"]
    if invoice is not None:
        notes_before.append(f"This credit note corrects invoice {invoice.number}.")
    after = [f"Refunded {fmt.money(refund.amount_minor, refund.currency)} ({method})."]
    if refund.reason:
        after.append(f"Reason: {refund.reason}")
    content = {
        "kind": InvoiceKind.credit_note.value,
        "title": TITLE[InvoiceKind.credit_note],
        "number": number,
        "currency": refund.currency,
        "supplier": _supplier(provider, profile),
        "customer": _customer(db, charge.family_id),
        "lines": [line],
        "vat_summary": summary,
        "vat_payer": profile.vat_payer,
        "exemption_note": "" if profile.vat_payer else profile.exemption_note,
        "total_net": sum(r["net"] for r in summary),
        "total_vat": sum(r["vat"] for r in summary),
        "total": -refund.amount_minor,
        "total_label": "Amount refunded",
        "footer": profile.footer,
        "charge_reference": charge.reference,
        "dates": [("Issued", issued_on), ("Refunded", issued_on)],
        "notes_before": notes_before,
        "notes_after": after,
    }
    note = Invoice(
        provider_id=provider.id,
        charge_id=charge.id,
        payment_id=payment.id,
        refund_id=refund.id,
        kind=InvoiceKind.credit_note,
        year=year,
        sequence=seq,
        number=number,
        total_minor=refund.amount_minor,
        currency=refund.currency,
        issued_at=when,
        content=content,
    )
    db.add(note)
    db.flush()
    return note


def document_content(db: Session, doc: Invoice) -> dict:
    """The frozen content; documents issued before contents were stored are described from today's data."""
    if doc.content:
        return doc.content
    provider = db.get(Provider, doc.provider_id)
    charge = db.get(Charge, doc.charge_id)
    payment = db.get(Payment, doc.payment_id) if doc.payment_id else None
    return _content(db, provider, charge, doc.kind, doc.number, doc.issued_at, payment)


def document_filename(doc: Invoice) -> str:
    """A server-built download name: only [A-Za-z0-9-]."""
    safe = "".join(ch for ch in doc.number if ch.isascii() and (ch.isalnum() or ch == "-"))
    return f"{doc.kind.value}-{safe}.pdf"


def order_for_charge(db: Session, charge: Charge) -> Order | None:
    return db.get(Order, charge.order_id) if charge.order_id is not None else None
