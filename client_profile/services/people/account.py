"""The client's own account: name and e-mail (read-only here) and reminder preferences.

- Reminder e-mails: on unless the client turns them off (Client.reminders_opt_out).
- WhatsApp reminders: only after an explicit opt-in with a number in E.164 (+ country code), and only when the
  installation has WhatsApp configured. Turning it off also forgets the number (we keep no phone we do not use);
  the consent record (when, which number, the text shown: services.people.notice_settings) is kept.
Login and other transactional e-mails are not reminders and are not affected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from client_profile.integrations.whatsapp import is_e164
from client_profile.models import Client, Provider
from client_profile.services.errors import DomainError, NotAuthenticated
from client_profile.services.people import notice_settings
from client_profile.services.people.identity import Principal
from client_profile.settings import get_settings

_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


@dataclass(frozen=True)
class AccountView:
    full_name: str
    email: str
    email_reminders: bool
    whatsapp_available: bool
    whatsapp_opt_in: bool
    whatsapp_phone: str
    whatsapp_consent_prompt: str  # the sentence shown next to the opt-in (recorded with the consent)
    whatsapp_consent: str  # the latest consent given, when and what it said ("" when never)


def normalize_whatsapp_phone(raw: object) -> str:
    """ "+420 601 234 567", "00420601234567", "+1 (650) 555-1234" -> "+420601234567" / "+16505551234".

    Raises DomainError with a message for the form."""
    if not isinstance(raw, str) or not raw.strip():
        raise DomainError("Please enter your mobile number for WhatsApp.")
    if len(raw) > 40:
        raise DomainError("That number is too long. Enter it like +420 601 234 567.")
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise DomainError("Start the number with + and the country code, for example +420 601 234 567.")
    if not text[1:].isascii() or not text[1:].isdigit():
        raise DomainError("A phone number may contain only digits after the +, for example +420 601 234 567.")
    if not is_e164(text):
        raise DomainError(
            "That is not a valid international number: + country code and 8 to 15 digits in all."
        )
    return text


def _client(db: Session, principal: Principal) -> Client:
    client = db.get(Client, principal.client_id)
    if client is None or not client.is_active or client.provider_id != principal.provider_id:
        raise NotAuthenticated()
    return client


def _view(db: Session, client: Client) -> AccountView:
    provider = db.get(Provider, client.provider_id)
    return AccountView(
        full_name=client.full_name,
        email=client.email,
        email_reminders=not client.reminders_opt_out,
        whatsapp_available=get_settings().whatsapp_enabled,
        whatsapp_opt_in=client.whatsapp_opt_in,
        whatsapp_phone=client.whatsapp_phone if client.whatsapp_opt_in else "",
        whatsapp_consent_prompt=notice_settings.whatsapp_consent_text(provider.name),
        whatsapp_consent=notice_settings.whatsapp_consent_summary(db, client),
    )


def account_view(db: Session, principal: Principal) -> AccountView:
    return _view(db, _client(db, principal))


def set_email_reminders(db: Session, principal: Principal, on: object) -> AccountView:
    if not isinstance(on, bool):
        raise DomainError("Please choose on or off.")
    client = _client(db, principal)
    client.reminders_opt_out = not on
    db.add(client)
    db.flush()
    return _view(db, client)


def opt_in_whatsapp(db: Session, principal: Principal, phone: object) -> AccountView:
    """Turn WhatsApp reminders on for this number (or change the number)."""
    if not get_settings().whatsapp_enabled:
        raise DomainError("WhatsApp reminders are not offered here.")
    number = normalize_whatsapp_phone(phone)
    client = _client(db, principal)
    if not (client.whatsapp_opt_in and client.whatsapp_phone == number):
        notice_settings.record_whatsapp_consent(db, client, number)
    client.whatsapp_phone, client.whatsapp_opt_in = number, True
    db.add(client)
    db.flush()
    return _view(db, client)


def opt_out_whatsapp(db: Session, principal: Principal) -> AccountView:
    client = _client(db, principal)
    notice_settings.withdraw_whatsapp_consent(db, client)  # the record of the consent is kept
    client.whatsapp_phone, client.whatsapp_opt_in = "", False
    db.add(client)
    db.flush()
    return _view(db, client)
