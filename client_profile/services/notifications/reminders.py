"""Make-up reminders: "you have a make-up to book", "your make-up credit expires in 7 days", waitlist offers.

Rules (one place):
- Who: audience.booking_audience (the one rule): the active clients of the family the credit's attendee belongs
  to, plus people the booking is shared with (an active share with ``notify``); a waiting-list offer only to the
  sharers who may manage the booking (its link books a place). Checked again when the message is sent: a share
  revoked or a preference changed in between stops it.
- Channels, per client: audience.channels_for: nothing when the person turned this kind off; e-mail unless they
  turned reminder e-mails off (``reminders_opt_out``); WhatsApp in addition only when WhatsApp is configured
  (WHATSAPP_PROVIDER), the client opted in (``whatsapp_opt_in``) and the stored number is valid E.164. The two
  are independent (consent is per channel).
- Once: every message has a dedupe key (kind, credit or offer, client, channel); enqueueing again is a no-op
  (INSERT ... ON CONFLICT DO NOTHING in the caller's transaction). The expiry reminder is keyed by the credit
  only: one per credit, ever.
- Worth sending: the renderer looks at the credit/offer when the message leaves; a credit that was used, voided
  or has expired, or an offer no longer open, sends nothing.
- The expiry reminder: credits still open whose booking deadline is within 7 days, earned more than a day ago
  (a fresh credit's own message already gives the deadline).

Everything here runs in the caller's transaction; the outbox worker sends after commit (the periodic scan is
scheduled by client_profile/worker.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, exists, literal, select
from sqlmodel import Session

from client_profile import formatting as fmt
from client_profile.integrations import whatsapp
from client_profile.integrations.mailer import OutgoingEmail
from client_profile.integrations.reminder_templates import reminder_email
from client_profile.models import (
    Attendance,
    Attendee,
    Booking,
    Channel,
    ClassGroup,
    ClassSession,
    Client,
    MakeupCredit,
    MakeupCreditStatus,
    MakeupWaitlistEntry,
    OutboxMessage,
    Programme,
    Provider,
)
from client_profile.models.base import as_utc, utcnow
from client_profile.models.benefits import WaitlistStatus
from client_profile.services.notifications import audience, outbox, templates
from client_profile.services.notifications.outbox import SkipMessage, register_renderer
from client_profile.services.people.access import is_id
from client_profile.settings import get_settings

EXPIRY_NOTICE = timedelta(days=7)
FRESH_CREDIT = timedelta(days=1)
KIND_EARNED = "makeup_earned"
KIND_EXPIRING = "makeup_expiring"
KIND_OFFER = "waitlist_offer"


# ------------------------------------------------------------------------------------------------ recipients


def _scope(kind: str) -> str:
    """An offer goes to those who may act on it (book: the family and sharers who may manage the booking);
    the make-up news to everyone told about the booking."""
    return audience.MANAGE if kind == KIND_OFFER else audience.NOTIFY


def _recipients(db: Session, booking_id: int, family_id: int, kind: str = KIND_EARNED) -> list[Client]:
    """Active family clients and notify-sharers of the booking (for an offer: sharers who may manage it), each
    once, in id order: audience.booking_audience, the one rule."""
    return audience.booking_audience(db, booking_id, _scope(kind), family_id=family_id)


def _may_receive(db: Session, client: Client | None, booking_id: int, family_id: int, kind: str) -> bool:
    return client is not None and any(c.id == client.id for c in _recipients(db, booking_id, family_id, kind))


def _enqueue_all(
    db: Session,
    *,
    provider_id: int,
    kind: str,
    key: str,
    recipients: list[Client],
    payload: dict,
    secrets: dict | None = None,
    now: datetime,
) -> int:
    written = 0
    for client in recipients:
        for channel in audience.channels_for(db, client, kind):
            written += outbox.enqueue(
                db,
                provider_id=provider_id,
                kind=kind,
                dedupe_key=f"{key}:c{client.id}:{channel.value}",
                recipient_client_id=client.id,
                payload=payload,
                secrets=secrets,
                channel=channel,
                now=now,
                if_absent=True,
            )
    return written


def _credit_context(db: Session, credit_id: object):
    if not is_id(credit_id):
        return None
    return db.execute(
        select(MakeupCredit, Booking, Attendee)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == MakeupCredit.attendee_id)
        .where(MakeupCredit.id == credit_id)
    ).first()


# ------------------------------------------------------------------------------------------------ triggers


def notify_makeup_earned(db: Session, credit_id: int, now: datetime | None = None) -> int:
    """Queue "you have a make-up to book" for a credit just earned (or earned again). Call it in the transaction
    that opened the credit. Returns how many messages were queued (0 for a credit that is not open)."""
    now = now or utcnow()
    found = _credit_context(db, credit_id)
    if found is None:
        return 0
    credit, booking, attendee = found
    if credit.status != MakeupCreditStatus.open or as_utc(credit.expires_at) <= now:
        return 0
    # Keyed by when it was earned: a credit voided (signed back up) and earned again is news again.
    key = f"{KIND_EARNED}:{credit.id}:{int(as_utc(credit.earned_at).timestamp())}"
    return _enqueue_all(
        db,
        provider_id=booking.provider_id,
        kind=KIND_EARNED,
        key=key,
        recipients=_recipients(db, booking.id, attendee.family_id),
        payload={"credit_id": credit.id},
        now=now,
    )


def scan_expiring(db: Session, now: datetime | None = None) -> int:
    """Queue "your make-up credit expires in 7 days" for every open credit whose booking deadline is within 7
    days, once per credit ever. Returns how many messages were queued."""
    now = now or utcnow()
    already = exists().where(
        OutboxMessage.kind == KIND_EXPIRING,
        OutboxMessage.dedupe_key.like(
            literal(f"{KIND_EXPIRING}:") + cast(MakeupCredit.id, String) + literal(":%")
        ),
    )
    rows = db.execute(
        select(MakeupCredit, Booking, Attendee)
        .join(Booking, Booking.id == MakeupCredit.booking_id)
        .join(Attendee, Attendee.id == MakeupCredit.attendee_id)
        .where(
            MakeupCredit.status == MakeupCreditStatus.open,
            MakeupCredit.expires_at > now,
            MakeupCredit.expires_at <= now + EXPIRY_NOTICE,
            MakeupCredit.earned_at <= now - FRESH_CREDIT,
            ~already,
        )
        .order_by(MakeupCredit.id)
    ).all()
    written = 0
    for credit, booking, attendee in rows:
        written += _enqueue_all(
            db,
            provider_id=booking.provider_id,
            kind=KIND_EXPIRING,
            key=f"{KIND_EXPIRING}:{credit.id}",
            recipients=_recipients(db, booking.id, attendee.family_id),
            payload={"credit_id": credit.id},
            now=now,
        )
    return written


def notify_waitlist_offer(
    db: Session, waitlist_entry_id: int, offer_url: str, expires_at: datetime, now: datetime | None = None
) -> int:
    """Queue "a place is free for you: confirm by <time>" for an entry that was just offered a place. The link
    carries a token: it is sealed in the outbox and wiped once sent; nothing is sent after ``expires_at``."""
    now = now or utcnow()
    if (
        not isinstance(offer_url, str)
        or not offer_url.startswith(("https://", "http://"))
        or len(offer_url) > 2000
    ):
        raise ValueError("offer_url must be an absolute http(s) URL")
    expires_at = as_utc(expires_at)
    entry = (
        db.get(MakeupWaitlistEntry, waitlist_entry_id)
        if isinstance(waitlist_entry_id, int) and not isinstance(waitlist_entry_id, bool)
        else None
    )
    if entry is None or expires_at <= now:
        return 0
    found = _credit_context(db, entry.credit_id)
    if found is None:
        return 0
    _credit, booking, attendee = found
    key = f"{KIND_OFFER}:{entry.id}:{int(expires_at.timestamp())}"
    return _enqueue_all(
        db,
        provider_id=booking.provider_id,
        kind=KIND_OFFER,
        key=key,
        recipients=_recipients(db, booking.id, attendee.family_id, KIND_OFFER),
        payload={
            "entry_id": entry.id,
            outbox.EXPIRES_KEY: expires_at.isoformat(),
            "offer_expires_at": expires_at.isoformat(),
        },
        secrets={"offer_url": offer_url},
        now=now,
    )


# ------------------------------------------------------------------------------------------------ rendering


def _links() -> tuple[str, str]:
    base = get_settings().base_url
    return f"{base}/benefits", f"{base}/account"


def _credit_facts(db: Session, row: OutboxMessage):
    """The credit and what the messages name, or SkipMessage when there is nothing to remind about."""
    credit_id = (row.payload or {}).get("credit_id")
    found = (
        db.execute(
            select(MakeupCredit, Booking, Attendee, Programme, ClassGroup, ClassSession, Provider)
            .join(Booking, Booking.id == MakeupCredit.booking_id)
            .join(Attendee, Attendee.id == MakeupCredit.attendee_id)
            .join(ClassGroup, ClassGroup.id == Booking.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            # A credit the office granted has no source session (services.money.console_benefits).
            .outerjoin(Attendance, Attendance.id == MakeupCredit.source_attendance_id)
            .outerjoin(ClassSession, ClassSession.id == Attendance.session_id)
            .join(Provider, Provider.id == Booking.provider_id)
            .where(MakeupCredit.id == credit_id)
        ).first()
        if isinstance(credit_id, int)
        else None
    )
    if found is None:
        raise SkipMessage("the credit is gone")
    credit = found[0]
    if credit.status != MakeupCreditStatus.open:
        raise SkipMessage(f"the credit is {credit.status.value}")
    if as_utc(credit.expires_at) <= utcnow():
        raise SkipMessage("the credit has expired")
    return found


def _recipient(db: Session, row: OutboxMessage, booking: Booking, attendee: Attendee) -> Client:
    client = db.get(Client, row.recipient_client_id) if row.recipient_client_id else None
    if not _may_receive(db, client, booking.id, attendee.family_id, row.kind):
        raise SkipMessage("the recipient no longer gets this booking's reminders")
    if not audience.still_wants(db, client, row.kind, row.channel):
        raise SkipMessage(f"the recipient turned these {row.channel.value} reminders off")
    return client


def _greeting(client: Client) -> str:
    first = (client.full_name or "").split(" ", 1)[0].strip()
    return f"Hello {first}," if first else "Hello,"


def _values(
    client: Client, who: str, what: str, when: str, *, deadline: str = "", until: str = "", offer: str = ""
) -> dict[str, str]:
    """The merge tags of a reminder (services/notifications/templates.py), for a provider's own text."""
    benefits, account = _links()
    values = {
        "FIRST_NAME": _greeting(client).removeprefix("Hello").strip(" ,"),
        "PROFILE_URL": templates.profile_url(client.email),
        "ATTENDEE": who,
        "CLASS": what,
        "SESSION_TIME": when,
        "ACCOUNT_URL": account,
    }
    if offer:
        values |= {"OFFER_LINK": offer, "OFFER_UNTIL": until}
    else:
        values |= {"DEADLINE": deadline, "BENEFITS_URL": benefits}
    return values


def _deadline(credit: MakeupCredit, provider: Provider) -> str:
    return fmt.day_label(fmt.local(credit.expires_at, provider.timezone).date())


@register_renderer(KIND_EARNED)
def _render_earned(db: Session, row: OutboxMessage, _secrets: dict):
    credit, booking, attendee, programme, cls, source, provider = _credit_facts(db, row)
    client = _recipient(db, row, booking, attendee)
    benefits, account = _links()
    who, deadline = attendee.first_name, _deadline(credit, provider)
    if row.channel == Channel.whatsapp:
        return whatsapp.TemplateMessage(
            to=client.whatsapp_phone,
            kind=KIND_EARNED,
            variables=[provider.name, who, programme.name, deadline, benefits],
        )
    when = fmt.session_label(source.starts_at, provider.timezone) if source is not None else ""
    if source is not None:
        why = (
            f"{who}'s {programme.name} session on {when} was excused in time, so {who} can make it up "
            "in another session of the same course."
        )
    else:
        why = f"{provider.name} gave {who} a make-up session in another {programme.name} session."
    values = _values(client, who, f"{programme.name} ({cls.name})", when, deadline=deadline)
    rendered = templates.render(
        db,
        provider,
        KIND_EARNED,
        values,
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=f"{who} has a make-up session to book",
            greeting=_greeting(client),
            paragraphs=[
                why,
                f"Choose a session and book it by {deadline} on the Benefits page: you see the sessions with "
                "free places and can book with one tap.",
            ],
            button_label="Book a make-up",
            link=benefits,
            settings_link=account,
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


@register_renderer(KIND_EXPIRING)
def _render_expiring(db: Session, row: OutboxMessage, _secrets: dict):
    credit, booking, attendee, programme, cls, source, provider = _credit_facts(db, row)
    client = _recipient(db, row, booking, attendee)
    benefits, account = _links()
    who, deadline = attendee.first_name, _deadline(credit, provider)
    if row.channel == Channel.whatsapp:
        return whatsapp.TemplateMessage(
            to=client.whatsapp_phone,
            kind=KIND_EXPIRING,
            variables=[provider.name, who, programme.name, deadline, benefits],
        )
    when = fmt.session_label(source.starts_at, provider.timezone) if source is not None else ""
    for_what = f" (for the session on {when})" if source is not None else ""
    values = _values(client, who, f"{programme.name} ({cls.name})", when, deadline=deadline)
    rendered = templates.render(
        db,
        provider,
        KIND_EXPIRING,
        values,
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=f"{who}'s make-up expires on {deadline}",
            greeting=_greeting(client),
            paragraphs=[
                f"{who} still has a make-up session to book for {programme.name}{for_what}.",
                f"Book it by {deadline}: after that day the make-up can no longer be used. The Benefits page "
                "shows the sessions with free places.",
            ],
            button_label="Book a make-up",
            link=benefits,
            settings_link=account,
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


@register_renderer(KIND_OFFER)
def _render_offer(db: Session, row: OutboxMessage, secrets: dict):
    entry_id = (row.payload or {}).get("entry_id")
    found = (
        db.execute(
            select(MakeupWaitlistEntry, Booking, Attendee, Programme, ClassGroup, ClassSession, Provider)
            .join(MakeupCredit, MakeupCredit.id == MakeupWaitlistEntry.credit_id)
            .join(Booking, Booking.id == MakeupCredit.booking_id)
            .join(Attendee, Attendee.id == MakeupCredit.attendee_id)
            .join(ClassSession, ClassSession.id == MakeupWaitlistEntry.session_id)
            .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .join(Provider, Provider.id == Booking.provider_id)
            .where(MakeupWaitlistEntry.id == entry_id)
        ).first()
        if isinstance(entry_id, int)
        else None
    )
    if found is None:
        raise SkipMessage("the waitlist entry is gone")
    entry, booking, attendee, programme, cls, session, provider = found
    if entry.status != WaitlistStatus.offered:
        raise SkipMessage(f"the offer is {entry.status.value}")
    offer_url = secrets.get("offer_url")
    if not offer_url:
        raise SkipMessage("the offer link is missing")
    client = _recipient(db, row, booking, attendee)
    _, account = _links()
    expires = datetime.fromisoformat(row.payload["offer_expires_at"])
    who = attendee.first_name
    when = fmt.session_label(session.starts_at, provider.timezone)
    until = fmt.session_label(expires, provider.timezone)
    if row.channel == Channel.whatsapp:
        return whatsapp.TemplateMessage(
            to=client.whatsapp_phone,
            kind=KIND_OFFER,
            variables=[provider.name, who, f"{programme.name}, {cls.name}, {when}", until, offer_url],
        )
    values = _values(client, who, f"{programme.name} ({cls.name})", when, until=until, offer=offer_url)
    rendered = templates.render(
        db,
        provider,
        KIND_OFFER,
        values,
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=f"A make-up place is free for {who}: {when}",
            greeting=_greeting(client),
            paragraphs=[
                f"A place has become free in {programme.name} ({cls.name}) on {when}, and it is held for "
                f"{who} until {until}.",
                "Confirm it with the button below. If you do not confirm by then, the place goes to the next "
                "person in the queue and your make-up stays available.",
            ],
            button_label="Confirm the place",
            link=offer_url,
            settings_link=account,
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


__all__ = [
    "notify_makeup_earned",
    "scan_expiring",
    "notify_waitlist_offer",
    "EXPIRY_NOTICE",
    "KIND_EARNED",
    "KIND_EXPIRING",
    "KIND_OFFER",
]
