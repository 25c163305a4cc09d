"""The shared-access e-mails to the shared person: the invitation (with its single-use link), a change of what
they may do, and the end of their access. Rules (docs/decisions.md "Sharing a booking from the profile"):
- Through the outbox, written in the transaction that made the change; template kinds "shared_access" (the
  invitation), "shared_access_changed" and "shared_access_revoked" (services.notifications.templates).
- Access messages cannot be turned off: they are sent whatever the recipient's reminder setting.
- The invitation token travels sealed in the row (outbox secrets) and is wiped once sent; the renderer sends
  nothing when the invitation is no longer open (accepted, declined, withdrawn, or re-sent with a new link).
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session

from client_profile.integrations.mailer import OutgoingEmail
from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    ClassGroup,
    Client,
    OutboxMessage,
    Programme,
    Provider,
)
from client_profile.services.notifications import outbox, templates
from client_profile.services.notifications.outbox import SkipMessage, first_name, register_renderer
from client_profile.settings import get_settings

KIND = "shared_access"
INVITED, GRANTED, CHANGED, REVOKED = "invited", "granted", "changed", "revoked"
_TEMPLATE = {
    INVITED: "shared_access",
    GRANTED: "shared_access_granted",  # the provider shared it directly (the console): no invitation to answer
    CHANGED: "shared_access_changed",
    REVOKED: "shared_access_revoked",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_words(can_pay: bool, can_manage: bool) -> str:
    """What a share allows, in words: "see the booking and get its messages, pay its items and manage it"."""
    extra = [w for w, on in (("pay its items", can_pay), ("manage it", can_manage)) if on]
    return "see the booking and get its messages" + (f", and {' and '.join(extra)}" if extra else "")


def queue(db: Session, share: BookingShare, event: str, *, token: str | None = None, seq: int = 0) -> None:
    """Queue one access message to the share's person (``token``: the invitation's, for INVITED). ``seq`` makes
    the dedupe key unique per event (the history row's id)."""
    if event not in _TEMPLATE:
        raise ValueError(f"unknown shared-access event {event!r}")
    provider_id = db.execute(select(Booking.provider_id).where(Booking.id == share.booking_id)).scalar_one()
    recipient = (
        share.grantee_client_id
        or db.execute(
            select(Client.id).where(Client.provider_id == provider_id, Client.email == share.grantee_email)
        ).scalar_one_or_none()
    )
    outbox.enqueue(
        db,
        provider_id=provider_id,
        kind=KIND,
        dedupe_key=f"{KIND}:{event}:{share.id}:{seq}",
        recipient_client_id=recipient,
        payload={"share_id": share.id, "event": event, "token_hash": token_hash(token) if token else ""},
        secrets={"token": token} if token else None,
    )


@register_renderer(KIND)
def _render(db: Session, row: OutboxMessage, secret_values: dict) -> OutgoingEmail:
    payload = row.payload or {}
    share_id, event = payload.get("share_id"), payload.get("event")
    found = (
        db.execute(
            select(BookingShare, Attendee.first_name, Programme.name, ClassGroup.name, Provider)
            .join(Booking, Booking.id == BookingShare.booking_id)
            .join(Attendee, Attendee.id == Booking.attendee_id)
            .join(ClassGroup, ClassGroup.id == Booking.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .join(Provider, Provider.id == Booking.provider_id)
            .where(BookingShare.id == share_id)
        ).first()
        if isinstance(share_id, int) and event in _TEMPLATE
        else None
    )
    if found is None:
        raise SkipMessage("the share is gone")
    share, attendee, programme, group, provider = found
    client = db.get(Client, row.recipient_client_id) if row.recipient_client_id else None
    if client is None or not client.is_active or client.email != share.grantee_email:
        raise SkipMessage("the recipient is gone")
    token = (secret_values or {}).get("token") or ""
    if event == INVITED and (
        share.revoked_at is not None
        or share.grantee_client_id is not None
        or not token
        or share.invite_token_hash != token_hash(token)
    ):
        raise SkipMessage("the invitation is no longer open")
    shared_by = ""
    if share.created_by_client_id:
        by = db.get(Client, share.created_by_client_id)
        shared_by = (by.full_name or by.email) if by else ""
    base = get_settings().base_url
    values = {
        "FIRST_NAME": first_name(client.full_name) or first_name(share.grantee_name),
        "PROFILE_URL": templates.profile_url(client.email),
        "SHARED_BY": shared_by or provider.name,
        "ATTENDEE": attendee,
        "CLASS": f"{programme} ({group})",
        "ACCESS": access_words(share.can_pay, share.can_manage),
        "INVITE_LINK": f"{base}/invitation/{token}?email={quote(client.email, safe='')}" if token else "",
    }
    kind = templates.KINDS[_TEMPLATE[event]]
    rendered = templates.render(
        db, provider, kind.key, values, lambda: templates.fill(provider, kind.subject, kind.body, values)
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


__all__ = ["KIND", "INVITED", "GRANTED", "CHANGED", "REVOKED", "access_words", "queue", "token_hash"]
