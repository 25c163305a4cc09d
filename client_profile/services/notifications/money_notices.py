"""E-mails about money: a new charge to pay, and a payment received (with the link to its receipt).

Rules (docs/decisions.md "Everyone on a booking is told"):
- Who: for a booking's charge, audience.booking_audience with scope PAY (the family's clients and the sharers
  who may pay it); for a family's charge without a booking, the family's clients. Each person once.
- Both kinds are mandatory (payment messages cannot be turned off) and carry no unsubscribe header.
- Once: the dedupe key names the charge (or payment) and the person. A new charge waits the grace period
  (settings.notify_grace_seconds) and is sent only while it is still unpaid: a charge the office cancels at once,
  or one paid on the spot, says nothing. A payment received is sent when the payment is still standing.
- The receipt link is the document's download route (the session decides who may open it); without a receipt
  (invoicing off) the payments page.
Written in the caller's transaction; the outbox worker sends after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from client_profile import formatting as fmt
from client_profile.integrations.mailer import OutgoingEmail
from client_profile.integrations.reminder_templates import reminder_email
from client_profile.models import (
    Attendee,
    Booking,
    Channel,
    Charge,
    ChargeStatus,
    ClassGroup,
    Client,
    Invoice,
    OutboxMessage,
    Payment,
    Programme,
    Provider,
)
from client_profile.models.base import utcnow
from client_profile.models.billing import InvoiceKind, PaymentStatus
from client_profile.services.notifications import audience, outbox, templates
from client_profile.services.notifications.outbox import SkipMessage, register_renderer
from client_profile.settings import get_settings

KIND_CHARGE = "charge_due"
KIND_PAYMENT = "payment_received"


def _people(db: Session, charge: Charge) -> list[Client]:
    if charge.booking_id is not None:
        return audience.booking_audience(db, charge.booking_id, audience.PAY, family_id=charge.family_id)
    return audience.family_audience(db, charge.family_id)


def _queue(
    db: Session, charge: Charge, kind: str, key: str, payload: dict, now: datetime, grace: bool
) -> int:
    not_before = now + timedelta(seconds=get_settings().notify_grace_seconds) if grace else None
    written = 0
    for client in _people(db, charge):
        for channel in audience.channels_for(db, client, kind):
            written += outbox.enqueue(
                db,
                provider_id=charge.provider_id,
                kind=kind,
                dedupe_key=f"{key}:c{client.id}:{channel.value}",
                recipient_client_id=client.id,
                payload=payload,
                channel=channel,
                now=now,
                if_absent=True,
                not_before=not_before,
            )
    return written


def notify_charge_due(db: Session, charge_id: int | None, now: datetime | None = None) -> int:
    """Queue "a new charge to pay" for a charge just created (call it in that transaction)."""
    charge = db.get(Charge, charge_id) if isinstance(charge_id, int) else None
    if charge is None or charge.status != ChargeStatus.unpaid:
        return 0
    now = now or utcnow()
    return _queue(db, charge, KIND_CHARGE, f"{KIND_CHARGE}:{charge.id}", {"charge_id": charge.id}, now, True)


def notify_payment_received(db: Session, payment_id: int | None, now: datetime | None = None) -> int:
    """Queue "we received your payment" for a payment just recorded (call it in that transaction, after the
    receipt was issued)."""
    payment = db.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.status != PaymentStatus.succeeded:
        return 0
    charge = db.get(Charge, payment.charge_id)
    if charge is None:
        return 0
    now = now or utcnow()
    key = f"{KIND_PAYMENT}:{payment.id}"
    return _queue(db, charge, KIND_PAYMENT, key, {"payment_id": payment.id}, now, False)


# ------------------------------------------------------------------------------------------------ rendering


def _recipient(db: Session, row: OutboxMessage, charge: Charge) -> Client:
    client = next((c for c in _people(db, charge) if c.id == row.recipient_client_id), None)
    if client is None or not audience.still_wants(db, client, row.kind, Channel(row.channel)):
        raise SkipMessage("the recipient is no longer told about this family's money")
    return client


def _about(db: Session, charge: Charge) -> tuple[str, str]:
    """(attendee first name, "Programme (class)") of the charge's booking; ("", "") without one."""
    if charge.booking_id is None:
        return "", ""
    found = db.execute(
        select(Attendee.first_name, Programme.name, ClassGroup.name)
        .select_from(Booking)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Booking.id == charge.booking_id)
    ).first()
    return (found[0], f"{found[1]} ({found[2]})") if found else ("", "")


def _still_due(db: Session, family_id: int, currency: str) -> str:
    total = db.execute(
        select(func.coalesce(func.sum(Charge.amount_minor), 0)).where(
            Charge.family_id == family_id, Charge.status == ChargeStatus.unpaid, Charge.currency == currency
        )
    ).scalar_one()
    return fmt.money(int(total), currency)


def _mail(db, row, provider, client, subject, lines, button, link, values):
    """The e-mail, or on a WhatsApp row the booking notice template with the first sentence and the link."""
    kind = row.kind
    if row.channel == Channel.whatsapp:
        return audience.whatsapp_notice(client, kind, provider.name, lines[0], link)
    first = (client.full_name or "").split(" ", 1)[0].strip()
    base = get_settings().base_url
    profile = templates.profile_url(client.email)
    rendered = templates.render(
        db,
        provider,
        kind,
        {"FIRST_NAME": first, "PROFILE_URL": profile, **values},
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=subject,
            greeting=f"Hello {first}," if first else "Hello,",
            paragraphs=[*lines, f"Your profile: {profile}"],
            button_label=button,
            link=link,
            settings_link=f"{base}/account",
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


@register_renderer(KIND_CHARGE)
def _render_charge(db: Session, row: OutboxMessage, _secrets: dict):
    charge_id = (row.payload or {}).get("charge_id")
    charge = db.get(Charge, charge_id) if isinstance(charge_id, int) else None
    if charge is None or charge.status != ChargeStatus.unpaid:
        raise SkipMessage("the charge is no longer due")
    client = _recipient(db, row, charge)
    provider = db.get(Provider, charge.provider_id)
    attendee, what = _about(db, charge)
    amount = fmt.money(charge.amount_minor, charge.currency)
    due = f", due by {charge.due_on:%a %-d %b %Y}" if charge.due_on else ""
    who = f" for {attendee}'s {what}" if attendee else ""
    link = f"{get_settings().base_url}/payments"
    return _mail(
        db,
        row,
        provider,
        client,
        f"New charge: {charge.description} ({amount})",
        [f"{provider.name} has added a charge{who}: {charge.description}, {amount}{due}."],
        "Pay or see your payments",
        link,
        {
            "ATTENDEE": attendee,
            "CLASS": what,
            "DESCRIPTION": charge.description,
            "AMOUNT_DUE": amount,
            "DUE_DATE": f"{charge.due_on:%a %-d %b %Y}" if charge.due_on else "",
            "PAYMENTS_URL": link,
        },
    )


@register_renderer(KIND_PAYMENT)
def _render_payment(db: Session, row: OutboxMessage, _secrets: dict):
    payment_id = (row.payload or {}).get("payment_id")
    payment = db.get(Payment, payment_id) if isinstance(payment_id, int) else None
    charge = db.get(Charge, payment.charge_id) if payment is not None else None
    if payment is None or charge is None or payment.status != PaymentStatus.succeeded:
        raise SkipMessage("the payment is no longer standing")
    client = _recipient(db, row, charge)
    provider = db.get(Provider, charge.provider_id)
    attendee, what = _about(db, charge)
    base = get_settings().base_url
    receipt = (
        db.execute(
            select(Invoice)
            .where(Invoice.payment_id == payment.id, Invoice.kind == InvoiceKind.receipt)
            .order_by(Invoice.id)
        )
        .scalars()
        .first()
    )
    link = f"{base}/documents/{receipt.id}.pdf" if receipt else f"{base}/payments"
    paid = fmt.money(payment.amount_minor, payment.currency)
    who = f" ({attendee}, {what})" if attendee else ""
    lines = [f"Thank you: we received {paid} for {charge.description}{who}."]
    lines.append(f"Your receipt {receipt.number}: {link}" if receipt else f"Your payments: {link}")
    return _mail(
        db,
        row,
        provider,
        client,
        f"We received your payment of {paid}",
        lines,
        "Open the receipt" if receipt else "See your payments",
        link,
        {
            "ATTENDEE": attendee,
            "CLASS": what,
            "DESCRIPTION": charge.description,
            "AMOUNT_PAID": paid,
            "AMOUNT_DUE": _still_due(db, charge.family_id, charge.currency),
            "RECEIPT_URL": link,
        },
    )


__all__ = ["KIND_CHARGE", "KIND_PAYMENT", "notify_charge_due", "notify_payment_received"]
