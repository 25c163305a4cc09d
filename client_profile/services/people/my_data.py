"""My data: a family's export (a zip of JSON files and its invoice/receipt PDFs) and its request to be erased.

- Both need a fresh e-mail code entered in this session (services.people.auth step-up).
- The export reads everything through services.people.access, so a person with shared access gets only the
  shared booking and what belongs to it (its attendee, sessions, charges, make-up credits), never the family's
  other data. Attendee photos are included (photos/attendee-<id>.jpg) for the attendees the person may see.
- A deletion request (a client of the family itself) ends all the family's sessions at once, is recorded,
  tells the provider (an e-mail to its contact address and the console's list) and waits for the provider:
  confirming it anonymises the family (names, e-mails, phones, photos, notes, shares, outbox addresses, audit
  details). Invoices, receipts and credit notes stay with their frozen content, for the legally required
  period (settings.document_retention_years).
"""

from __future__ import annotations

import enum
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, select

from client_profile.integrations.invoice_pdf import render_pdf
from client_profile.models import (
    Attendance,
    Attendee,
    AuditEntry,
    AuthSession,
    BenefitEvent,
    Booking,
    BookingShare,
    BookingShareEvent,
    Charge,
    Client,
    CreditEntry,
    DeletionRequest,
    Discount,
    EntryPass,
    Family,
    Invoice,
    LoginRequest,
    MakeupCredit,
    NotificationPreference,
    Order,
    OrderItem,
    OutboxMessage,
    Payment,
    WhatsAppConsent,
)
from client_profile.models.base import as_utc, utcnow
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import billing
from client_profile.services.notifications import outbox
from client_profile.services.people import access, audit, auth
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import Principal, StaffPrincipal
from client_profile.settings import get_settings

# Columns never exported: secrets, internal counters, binary data (photos go as files of their own).
_NEVER = {
    "photo_jpeg",
    "session_epoch",
    "failed_code_count",
    "code_login_disabled",
    "version",
    "data_version",
    "calendar_feed_seq",
    "token",
    "gateway_url",
    "idempotency_key",
    "content",
    "invite_token_hash",
}

JSON_FILES = (
    "family.json",
    "clients.json",
    "attendees.json",
    "bookings.json",
    "attendance.json",
    "charges.json",
    "payments.json",
    "orders.json",
    "benefits.json",
    "shares.json",
    "messages.json",
    "preferences.json",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _row(obj, drop: tuple[str, ...] = ()) -> dict:
    table = type(obj).__table__  # type: ignore[attr-defined]
    return {
        c.name: _plain(getattr(obj, c.name))
        for c in table.columns
        if c.name not in _NEVER and c.name not in drop
    }


def _rows(objs, drop: tuple[str, ...] = ()) -> list[dict]:
    return [_row(o, drop) for o in objs]


def _dump(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()


def export_files(db: Session, principal: Principal, now: datetime | None = None) -> dict[str, bytes]:
    """{path in the zip: bytes}: what the provider holds that this person may see. Needs a step-up grant."""
    auth.require_step_up(db, principal, now)
    fam = principal.family_id
    bookings = db.exec(
        select(Booking).where(access.visible_bookings_clause(principal)).order_by(Booking.id)
    ).all()
    booking_ids = [b.id for b in bookings]
    attendees = db.exec(
        select(Attendee).where(access.visible_members_clause(principal)).order_by(Attendee.id)
    ).all()
    family = db.get(Family, fam) if fam is not None else None
    clients = db.exec(
        select(Client)
        .where(
            Client.provider_id == principal.provider_id,
            or_(Client.id == principal.client_id, Client.family_id == fam)
            if fam
            else Client.id == principal.client_id,
        )
        .order_by(Client.id)
    ).all()
    client_ids = [c.id for c in clients]
    attendance = db.exec(
        select(Attendance).where(Attendance.booking_id.in_(booking_ids)).order_by(Attendance.id)
    ).all()
    charges = db.exec(
        select(Charge).where(access.visible_charges_clause(principal)).order_by(Charge.id)
    ).all()
    # Payments and documents: of the charges the person may pay (a view-only share sees what is due, not who
    # paid what), the same scope as the document downloads.
    payable = select(Charge.id).where(access.payable_charges_clause(principal))
    payments = db.exec(
        select(Payment)
        .where(Payment.charge_id.in_(payable), Payment.provider_id == principal.provider_id)
        .order_by(Payment.id)
    ).all()
    credits = db.exec(
        select(MakeupCredit).where(MakeupCredit.booking_id.in_(booking_ids)).order_by(MakeupCredit.id)
    ).all()
    if fam is not None:
        orders = db.exec(select(Order).where(Order.family_id == fam).order_by(Order.id)).all()
        order_items = db.exec(
            select(OrderItem).where(OrderItem.order_id.in_([o.id for o in orders])).order_by(OrderItem.id)
        ).all()
        passes = db.exec(select(EntryPass).where(EntryPass.family_id == fam).order_by(EntryPass.id)).all()
        discounts = db.exec(select(Discount).where(Discount.family_id == fam).order_by(Discount.id)).all()
        ledger = db.exec(
            select(CreditEntry).where(CreditEntry.family_id == fam).order_by(CreditEntry.id)
        ).all()
        events = db.exec(
            select(BenefitEvent).where(BenefitEvent.family_id == fam).order_by(BenefitEvent.id)
        ).all()
        given = db.exec(
            select(BookingShare)
            .where(
                BookingShare.booking_id.in_(
                    select(Booking.id)
                    .join(Attendee, Attendee.id == Booking.attendee_id)
                    .where(Attendee.family_id == fam)
                )
            )
            .order_by(BookingShare.id)
        ).all()
    else:
        orders, order_items, passes, discounts, ledger, given = [], [], [], [], [], []
        events = db.exec(
            select(BenefitEvent)
            .where(BenefitEvent.makeup_credit_id.in_([c.id for c in credits]))
            .order_by(BenefitEvent.id)
        ).all()
    received = db.exec(
        select(BookingShare)
        .where(BookingShare.grantee_client_id == principal.client_id, BookingShare.revoked_at.is_(None))
        .order_by(BookingShare.id)
    ).all()

    def _history(shares) -> list:
        return db.exec(
            select(BookingShareEvent)
            .where(BookingShareEvent.share_id.in_([x.id for x in shares]))
            .order_by(BookingShareEvent.id)
        ).all()

    preferences = db.exec(
        select(NotificationPreference)
        .where(NotificationPreference.client_id.in_(client_ids))
        .order_by(NotificationPreference.id)
    ).all()
    consents = db.exec(
        select(WhatsAppConsent).where(WhatsAppConsent.client_id.in_(client_ids)).order_by(WhatsAppConsent.id)
    ).all()
    messages = db.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient_client_id.in_(client_ids),
            OutboxMessage.provider_id == principal.provider_id,
        )
        .order_by(OutboxMessage.id)
    ).all()
    documents = db.exec(
        select(Invoice)
        .join(Charge, Charge.id == Invoice.charge_id)
        .where(Invoice.provider_id == principal.provider_id, access.payable_charges_clause(principal))
        .order_by(Invoice.id)
    ).all()

    files: dict[str, bytes] = {
        "family.json": _dump(_row(family) if family is not None else None),
        "clients.json": _dump(_rows(clients, ("provider_id",))),
        "attendees.json": _dump(_rows(attendees)),
        "bookings.json": _dump(_rows(bookings)),
        "attendance.json": _dump(_rows(attendance)),
        "charges.json": _dump(_rows(charges)),
        "payments.json": _dump(_rows(payments)),
        "orders.json": _dump({"orders": _rows(orders), "order_items": _rows(order_items)}),
        "benefits.json": _dump(
            {
                "makeup_credits": _rows(credits),
                "entry_passes": _rows(passes),
                "discounts": _rows(discounts),
                "credit_ledger": _rows(ledger),
                "history": _rows(events, ("staff_id",)),
            }
        ),
        "shares.json": _dump(
            {
                "given": _rows(given),
                "received": _rows(received),
                "history_given": _rows(_history(given)),
                # Of a share someone else gave: what happened, not who else acted (their addresses are theirs).
                "history_received": _rows(_history(received), ("actor",)),
            }
        ),
        # Which messages each person turned off, and the WhatsApp consents given (when, the number, the text).
        "preferences.json": _dump(
            {"notification_preferences": _rows(preferences), "whatsapp_consents": _rows(consents)}
        ),
        # What was sent to the family's addresses: when, how and what kind, never its content or secrets.
        "messages.json": _dump(
            [
                {
                    "id": m.id,
                    "kind": m.kind,
                    "channel": _plain(m.channel),
                    "recipient_client_id": m.recipient_client_id,
                    "status": _plain(m.status),
                    "created_at": _plain(m.created_at),
                    "sent_at": _plain(m.sent_at),
                }
                for m in messages
            ]
        ),
    }
    for a in attendees:
        if a.photo_jpeg:
            files[f"photos/attendee-{a.id}.jpg"] = bytes(a.photo_jpeg)
    if documents:
        profile = billing.invoice_profile(db, principal.provider_id)
        for doc in documents:
            files[f"invoices/{billing.document_filename(doc)}"] = render_pdf(
                billing.document_content(db, doc), profile.logo_png
            )
    return files


def export_zip(db: Session, principal: Principal, now: datetime | None = None) -> tuple[str, bytes]:
    """(download name, zip bytes), built in memory."""
    now = now or utcnow()
    files = export_files(db, principal, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return f"my-data-{now.date().isoformat()}.zip", buffer.getvalue()


# ---------------------------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class MyDataView:
    step_up_active: bool
    step_up_until: str  # ISO instant, "" when none
    can_request_deletion: bool  # a client of a family (not someone with shared access only)
    deletion_requested: bool
    retention_years: int


def my_data_view(db: Session, principal: Principal, now: datetime | None = None) -> MyDataView:
    until = auth.step_up_until(db, principal, now)
    pending = (
        db.exec(
            select(DeletionRequest.id).where(
                DeletionRequest.family_id == principal.family_id, DeletionRequest.confirmed_at.is_(None)
            )
        ).first()
        if principal.family_id is not None
        else None
    )
    return MyDataView(
        step_up_active=until is not None,
        step_up_until=until.isoformat() if until else "",
        can_request_deletion=principal.family_id is not None,
        deletion_requested=pending is not None,
        retention_years=get_settings().document_retention_years,
    )


def request_deletion(db: Session, principal: Principal, now: datetime | None = None) -> int:
    """Record the family's request, end all its sessions at once and tell the provider. Returns its id."""
    now = now or utcnow()
    if principal.family_id is None:
        raise DomainError(
            "Only a member of the family can ask for its data to be deleted. To stop seeing a shared booking, "
            "ask the family to remove your access."
        )
    auth.require_step_up(db, principal, now)
    family_id = principal.family_id
    existing = db.exec(
        select(DeletionRequest.id).where(
            DeletionRequest.family_id == family_id, DeletionRequest.confirmed_at.is_(None)
        )
    ).first()
    if existing is None:
        row = DeletionRequest(
            provider_id=principal.provider_id,
            family_id=family_id,
            requested_by_client_id=principal.client_id,
            requested_at=now,
        )
        db.add(row)
        db.flush()
        request_id = int(row.id)  # type: ignore[arg-type]
        outbox.enqueue(
            db,
            provider_id=principal.provider_id,
            kind="deletion_request",
            dedupe_key=f"deletion_request:{request_id}",
            payload={"family_id": family_id, "deletion_request_id": request_id},
            now=now,
        )
        audit.record(
            db,
            None,
            action="family.deletion_request",
            entity="family",
            entity_id=family_id,
            summary="The family asked for its personal data to be deleted; its logins were ended.",
            family_id=family_id,
            provider_id=principal.provider_id,
            actor=f"client #{principal.client_id}",
            now=now,
        )
    else:
        request_id = int(existing)
    auth.end_family_sessions(db, family_id, now)
    return request_id


# ---------------------------------------------------------------------------------------------- the console


@dataclass(frozen=True)
class PendingDeletion:
    request_id: int
    family_id: int
    family_name: str
    requested_at: str  # when, for people


def pending_deletions(db: Session, staff: StaffPrincipal) -> list[PendingDeletion]:
    """The deletion requests waiting for the provider (people right)."""
    clause = access.people_families_clause(staff)
    rows = db.exec(
        select(DeletionRequest, Family.name)
        .join(Family, Family.id == DeletionRequest.family_id)
        .where(
            clause, DeletionRequest.confirmed_at.is_(None), DeletionRequest.provider_id == staff.provider_id
        )
        .order_by(DeletionRequest.requested_at, DeletionRequest.id)
    ).all()
    return [
        PendingDeletion(
            int(r.id),  # type: ignore[arg-type]
            int(r.family_id),
            name,
            as_utc(r.requested_at).strftime("%d %b %Y, %H:%M UTC"),
        )
        for r, name in rows
    ]


def confirm_deletion(
    db: Session, staff: StaffPrincipal, request_id: object, now: datetime | None = None
) -> int:
    """Anonymise the family of a pending request (people right). Returns the family id."""
    now = now or utcnow()
    clause = access.people_families_clause(staff)
    rid = access.parse_id(request_id)
    row = (
        db.exec(
            select(DeletionRequest)
            .join(Family, Family.id == DeletionRequest.family_id)
            .where(DeletionRequest.id == rid, clause, DeletionRequest.confirmed_at.is_(None))
        ).first()
        if rid is not None
        else None
    )
    if row is None:
        raise NotFound("deletion request")
    claimed = db.execute(
        update(DeletionRequest)
        .where(DeletionRequest.id == row.id, DeletionRequest.confirmed_at.is_(None))
        .values(confirmed_at=now, confirmed_by_staff_id=staff.staff_id)
    ).rowcount
    if claimed != 1:
        raise NotFound("deletion request")
    anonymise_family(db, row.family_id, now)
    audit.record(
        db,
        staff,
        action="family.anonymise",
        entity="family",
        entity_id=row.family_id,
        summary="Personal data anonymised on the family's request; invoices and receipts kept.",
        family_id=row.family_id,
        now=now,
    )
    return row.family_id


ERASED_NAME = "Erased"


def anonymise_family(db: Session, family_id: int, now: datetime | None = None) -> None:
    """Remove the family's personal data, keeping the accounting records (charges, payments, invoices with
    their frozen content). Nobody can log in to the family afterwards: its clients get unreachable addresses
    and are deactivated, their sessions and login requests are gone."""
    now = now or utcnow()
    family = db.get(Family, family_id)
    if family is None:
        raise NotFound("family")
    client_ids = list(db.exec(select(Client.id).where(Client.family_id == family_id)).all())
    attendee_ids = list(db.exec(select(Attendee.id).where(Attendee.family_id == family_id)).all())
    booking_ids = select(Booking.id).where(Booking.attendee_id.in_(attendee_ids))
    old_emails = list(db.exec(select(Client.email).where(Client.id.in_(client_ids))).all())

    # Documents issued before contents were frozen: freeze them now, from today's data, before it goes.
    charge_ids = select(Charge.id).where(Charge.family_id == family_id)
    for doc in db.exec(
        select(Invoice).where(Invoice.charge_id.in_(charge_ids), Invoice.content.is_(None))
    ).all():
        doc.content = billing.document_content(db, doc)
        db.add(doc)
    db.flush()

    family.name = f"{ERASED_NAME} family {family_id}"
    db.add(family)
    for client in db.exec(select(Client).where(Client.id.in_(client_ids))).all():
        client.email = f"erased-{client.id}@erased.invalid"
        client.full_name = ""
        client.phone = ""
        client.whatsapp_phone = ""
        client.whatsapp_opt_in = False
        client.reminders_opt_out = True
        client.language = ""
        client.is_active = False
        client.session_epoch += 1
        db.add(client)
    db.execute(
        update(Attendee)
        .where(Attendee.id.in_(attendee_ids))
        .values(first_name=ERASED_NAME, last_name="", birth_date=None, photo_jpeg=None, photo_updated_at=None)
    )
    db.execute(update(Attendance).where(Attendance.booking_id.in_(booking_ids)).values(cancel_note=""))
    shares = select(BookingShare.id).where(
        or_(
            BookingShare.booking_id.in_(booking_ids),
            BookingShare.grantee_client_id.in_(client_ids),
            BookingShare.grantee_email.in_(old_emails),
        )
    )
    db.execute(delete(BookingShareEvent).where(BookingShareEvent.share_id.in_(shares)))
    db.execute(update(BookingShareEvent).where(BookingShareEvent.actor.in_(old_emails)).values(actor=""))
    db.execute(delete(WhatsAppConsent).where(WhatsAppConsent.client_id.in_(client_ids)))
    db.execute(delete(NotificationPreference).where(NotificationPreference.client_id.in_(client_ids)))
    db.execute(
        delete(BookingShare).where(
            or_(
                BookingShare.booking_id.in_(booking_ids),
                BookingShare.grantee_client_id.in_(client_ids),
                BookingShare.grantee_email.in_(old_emails),
            )
        )
    )
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_client_id.in_(client_ids))
        .values(payload={}, last_error="")
    )
    db.execute(delete(LoginRequest).where(LoginRequest.client_id.in_(client_ids)))
    db.execute(
        update(AuthSession)
        .where(AuthSession.client_id.in_(client_ids), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.execute(update(AuthSession).where(AuthSession.client_id.in_(client_ids)).values(user_agent=""))
    # The console's history of the family keeps what was done and when, not the values (names, addresses).
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.family_id == family_id)
        .values(summary="(erased)", before_json="{}", after_json="{}")
    )
    bump_families(db, [family_id])
