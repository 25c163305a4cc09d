"""The client's own choice of messages, per kind (the /account "Messages" card), and the WhatsApp consent record.

- Every optional kind (services.notifications.preferences.OPTIONAL) has a switch; the mandatory ones (payments,
  login, shared access) are listed as always on and cannot be switched. Only the principal's own Client row is
  ever read or written; the kind must be one of the optional ones and ``on`` a real bool, or nothing changes.
- WhatsApp consent: the text shown next to the opt-in (``whatsapp_consent_text``) is the text recorded with the
  time when the client opts in (a WhatsAppConsent row); opting out sets its withdrawn time and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from client_profile import formatting as fmt
from client_profile.models import Client, Provider, WhatsAppConsent
from client_profile.models.base import utcnow
from client_profile.services.errors import DomainError, NotAuthenticated
from client_profile.services.notifications import preferences
from client_profile.services.people.identity import Principal


@dataclass(frozen=True)
class NoticeSwitch:
    kind: str
    label: str
    on: bool
    mandatory: bool


def whatsapp_consent_text(provider_name: str) -> str:
    """The exact sentence shown next to the WhatsApp opt-in, and stored with the consent."""
    return (
        f"By saving you agree to receive make-up reminders and waiting-list offers from {provider_name} on "
        "WhatsApp at this number. You can turn them off here at any time."
    )


def _client(db: Session, principal: Principal) -> Client:
    client = db.get(Client, principal.client_id)
    if client is None or not client.is_active or client.provider_id != principal.provider_id:
        raise NotAuthenticated()
    return client


def switches(db: Session, principal: Principal) -> list[NoticeSwitch]:
    client = _client(db, principal)
    off = preferences.disabled_kinds(db, client.id)
    return [NoticeSwitch(k, label, k not in off, False) for k, label in preferences.OPTIONAL.items()] + [
        NoticeSwitch(k, label, True, True) for k, label in preferences.MANDATORY.items()
    ]


def set_notice(db: Session, principal: Principal, kind: object, on: object) -> list[NoticeSwitch]:
    if not isinstance(kind, str) or kind not in preferences.OPTIONAL:
        raise DomainError(
            "These messages cannot be turned off."
            if isinstance(kind, str) and kind in preferences.MANDATORY
            else "Unknown kind of message."
        )
    if not isinstance(on, bool):
        raise DomainError("Please choose on or off.")
    client = _client(db, principal)
    preferences.set_kind(db, client.id, kind, on, via="account")
    return switches(db, principal)


def record_whatsapp_consent(db: Session, client: Client, phone: str, now: datetime | None = None) -> None:
    """Called when the client opts in (or changes the number): the text they were shown, and when."""
    provider = db.get(Provider, client.provider_id)
    now = now or utcnow()
    withdraw_whatsapp_consent(db, client, now)  # a new number: a new consent
    db.add(
        WhatsAppConsent(
            client_id=client.id, phone=phone, text=whatsapp_consent_text(provider.name), given_at=now
        )
    )
    db.flush()


def withdraw_whatsapp_consent(db: Session, client: Client, now: datetime | None = None) -> None:
    db.execute(
        update(WhatsAppConsent)
        .where(WhatsAppConsent.client_id == client.id, WhatsAppConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=now or utcnow())
    )


def whatsapp_consent_summary(db: Session, client: Client) -> str:
    """The latest consent as a sentence for /account ("" when there never was one)."""
    row = (
        db.execute(
            select(WhatsAppConsent)
            .where(WhatsAppConsent.client_id == client.id)
            .order_by(WhatsAppConsent.given_at.desc(), WhatsAppConsent.id.desc())
        )
        .scalars()
        .first()
    )
    if row is None:
        return ""
    tz = db.get(Provider, client.provider_id).timezone
    stamp = f"{fmt.local(row.given_at, tz):%-d %b %Y, %H:%M}"
    said = f'On {stamp} you agreed for {row.phone}: "{row.text}"'
    if row.withdrawn_at is not None:
        said += f" Withdrawn on {fmt.local(row.withdrawn_at, tz):%-d %b %Y, %H:%M}."
    return said
