"""Who hears about a booking, and on which channels: the one rule every message about a booking uses.

- Who (``booking_audience``): the active clients of the attendee's family, plus the people the booking is shared
  with (an active share with ``notify``); each person once, in id order. ``scope`` narrows the shared persons to
  those who may act on the message: MANAGE (a waiting-list offer: only someone who may book may confirm it) or
  PAY (a charge: someone who may pay it). The family's own clients are always in.
- Channels (``channels_for``): nothing when the person turned the kind off (services.notifications.preferences;
  payment, login and access messages cannot be turned off); e-mail unless they also turned all reminder e-mails
  off (Client.reminders_opt_out, the master switch for e-mail); WhatsApp in addition only for kinds that have an
  approved WhatsApp template, when WhatsApp is configured, the person opted in and the number is valid E.164.
Both are asked again by the renderers when a message leaves: a share revoked or a preference changed in between
stops it.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from client_profile.integrations import whatsapp
from client_profile.models import Attendee, Booking, BookingShare, Channel, Client
from client_profile.services.notifications import preferences
from client_profile.settings import get_settings

NOTIFY, MANAGE, PAY = "notify", "manage", "pay"


def booking_audience(
    db: Session, booking_id: int, scope: str = NOTIFY, family_id: int | None = None
) -> list[Client]:
    """Everyone told about this booking (see the module doc), each once, in id order."""
    if scope not in (NOTIFY, MANAGE, PAY):
        raise ValueError(f"unknown audience scope {scope!r}")
    if family_id is None:
        family_id = db.execute(
            select(Attendee.family_id)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id == booking_id)
        ).scalar_one_or_none()
        if family_id is None:
            return []
    conditions = [
        BookingShare.booking_id == booking_id,
        BookingShare.notify.is_(True),
        BookingShare.revoked_at.is_(None),
        BookingShare.grantee_client_id.is_not(None),
    ]
    if scope == MANAGE:
        conditions.append(BookingShare.can_manage.is_(True))
    elif scope == PAY:
        conditions.append(BookingShare.can_pay.is_(True))
    shared = select(BookingShare.grantee_client_id).where(*conditions)
    return list(
        db.execute(
            select(Client)
            .where(Client.is_active.is_(True), or_(Client.family_id == family_id, Client.id.in_(shared)))
            .order_by(Client.id)
        ).scalars()
    )


def family_audience(db: Session, family_id: int) -> list[Client]:
    """The family's active clients (a message about the family's account, not one booking)."""
    return list(
        db.execute(
            select(Client)
            .where(Client.is_active.is_(True), Client.family_id == family_id)
            .order_by(Client.id)
        ).scalars()
    )


def channels_for(db: Session, client: Client, kind: str) -> list[Channel]:
    """The channels a message of ``kind`` goes out on for this person, by their preferences and the setup."""
    if not preferences.wants(db, client, kind):
        return []
    out = []
    if client.email and (preferences.is_mandatory(kind) or not client.reminders_opt_out):
        out.append(Channel.email)  # the account's "reminder e-mails" switch: the master switch for e-mail
    if (
        get_settings().whatsapp_enabled
        and whatsapp.has_template(kind)
        and client.whatsapp_opt_in
        and whatsapp.is_e164(client.whatsapp_phone)
    ):
        out.append(Channel.whatsapp)
    return out


def still_wants(db: Session, client: Client, kind: str, channel: Channel) -> bool:
    """The renderer's check when the message leaves."""
    return channel in channels_for(db, client, kind)


def whatsapp_notice(
    client: Client, kind: str, provider_name: str, text: str, link: str
) -> whatsapp.TemplateMessage:
    """A booking notice on WhatsApp: the one template of settings.whatsapp_template_booking_notice, with
    {{1}} the provider, {{2}} what happened (the e-mail's first sentence) and {{3}} the link."""
    return whatsapp.TemplateMessage(
        to=client.whatsapp_phone, kind=kind, variables=[provider_name, text, link]
    )
