"""E-mails to families when the provider moves, cancels or restores a session they have a place in.

Rules (docs/decisions.md "The schedule in the console" and "Everyone on a booking is told what changes"):
- Who: for every attendance in the session (a regular place, a make-up, or an excused one when the session
  moved: the new time may suit them), audience.booking_audience of its booking (the family's active clients and
  the notify-sharers); each person once.
- Channels: audience.channels_for: e-mail unless the person turned this kind (or all reminder e-mails) off;
  WhatsApp for those who opted in when WHATSAPP_TEMPLATE_BOOKING_NOTICE names an approved template.
- Grace period: the message waits settings.notify_grace_seconds; when it leaves, the renderer re-reads the
  session and sends nothing when it no longer tells this person something new (changed again, started, a
  cancellation undone before it was ever sent, a move undone).
- Once: the dedupe key names the change, the session, its version and the client.
- Livestream links: ``notify_livestream_changed`` (kind livestream_changed) for a link added or changed, checked
  the same way (the link must still be the one announced).
Written in the caller's transaction; the outbox worker sends after commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from client_profile import formatting as fmt
from client_profile.integrations import whatsapp
from client_profile.integrations.mailer import OutgoingEmail
from client_profile.integrations.reminder_templates import reminder_email
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    Channel,
    ClassGroup,
    ClassSession,
    Client,
    OutboxMessage,
    OutboxStatus,
    Programme,
    Provider,
    SessionStatus,
)
from client_profile.models.base import as_utc, utcnow
from client_profile.services.notifications import audience, outbox, templates
from client_profile.services.notifications.outbox import SkipMessage, register_renderer
from client_profile.services.schedule.attendance import livestream_link
from client_profile.settings import get_settings

KIND = "session_changed"
MOVED, CANCELLED, RESTORED = "moved", "cancelled", "restored"
_EXCUSED = (AttendanceState.cancelled, AttendanceState.late_cancelled)


def _audience(
    db: Session, session_id: int, change: str, client_id: int | None = None
) -> list[tuple[Client, int]]:
    """(client, booking id) for everyone told about this change, in a stable order; ``client_id`` narrows it
    to one person (the renderer's check that they still are). Who hears about a booking is
    audience.booking_audience: the same rule as every other message."""
    rows = db.execute(
        select(Attendance.booking_id, Attendance.state, Attendee.family_id)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendance.session_id == session_id)
        .order_by(Attendance.booking_id)
    ).all()
    if change != MOVED:
        rows = [r for r in rows if AttendanceState(r.state) not in _EXCUSED]
    out: list[tuple[Client, int]] = []
    seen: set[int] = set()
    for booking_id, _state, family_id in rows:
        for client in audience.booking_audience(db, booking_id, family_id=family_id):
            if client.id not in seen and (client_id is None or client.id == client_id):
                seen.add(client.id)
                out.append((client, booking_id))
    return out


def _told(
    db: Session, session_id: int, client_id: int, channel: Channel | None = None
) -> list[OutboxMessage]:
    """This person's messages about this session (on one channel), oldest first."""
    query = select(OutboxMessage).where(
        OutboxMessage.kind == KIND,
        OutboxMessage.recipient_client_id == client_id,
        OutboxMessage.dedupe_key.like(f"{KIND}:%:{session_id}:v%"),
    )
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.execute(query.order_by(OutboxMessage.id)).scalars())


def _left(row: OutboxMessage) -> bool:
    """The message left (or may have: a send cut off by a crash)."""
    return OutboxStatus(row.status) in (OutboxStatus.sent, OutboxStatus.sending)


def notify_session_changed(
    db: Session,
    session_id: int,
    change: str,
    now: datetime | None = None,
    was: datetime | None = None,
    was_venue: str | None = None,
) -> int:
    """Queue the e-mail about ``change`` (MOVED, CANCELLED, RESTORED) of a session for everyone with a place
    in it. Call it in the transaction that made the change, after it; ``was``/``was_venue``: the start and the
    venue before a move. The
    message waits settings.notify_grace_seconds (the change may still be undone) and is checked again when it
    leaves. Returns how many were queued."""
    if change not in (MOVED, CANCELLED, RESTORED):
        raise ValueError(f"unknown session change {change!r}")
    now = now or utcnow()
    session = db.get(ClassSession, session_id)
    if session is None or as_utc(session.starts_at) <= now:
        return 0
    group = db.get(ClassGroup, session.class_id)
    provider_id = db.get(Programme, group.programme_id).provider_id
    not_before = now + timedelta(seconds=get_settings().notify_grace_seconds)
    written = 0
    for client, booking_id in _audience(db, session.id, change):
        channels = audience.channels_for(db, client, KIND)
        if not channels:
            continue
        payload = {
            "session_id": session.id,
            "change": change,
            "version": session.version,
            "booking_id": booking_id,
        }
        if change == MOVED:
            # The time this person knows: the one before a move still waiting to leave, else the one before this.
            waiting = [
                r
                for r in _told(db, session.id, client.id)
                if OutboxStatus(r.status) == OutboxStatus.pending and (r.payload or {}).get("change") == MOVED
            ]
            known = (waiting[0].payload or {}).get("was") if waiting else None
            payload["was"] = known or (
                _where_when(was, session.venue if was_venue is None else was_venue) if was else None
            )
        for channel in channels:
            written += outbox.enqueue(
                db,
                provider_id=provider_id,
                kind=KIND,
                dedupe_key=f"{KIND}:{change}:{session.id}:v{session.version}:c{client.id}:{channel.value}",
                recipient_client_id=client.id,
                payload=payload,
                channel=channel,
                now=now,
                if_absent=True,
                not_before=not_before,
            )
    return written


def _still_true(db: Session, session: ClassSession, row: OutboxMessage) -> bool:
    """Whether the message still says something this person does not know (the grace period's check)."""
    payload = row.payload or {}
    change = payload.get("change")
    if session.version != payload.get("version") or as_utc(session.starts_at) <= utcnow():
        return False
    cancelled = session.status == SessionStatus.cancelled
    earlier = [
        (r.payload or {}).get("change")
        for r in _told(db, session.id, row.recipient_client_id or -1, Channel(row.channel))
        if r.id != row.id and _left(r) and (r.payload or {}).get("change") in (CANCELLED, RESTORED)
    ]
    told_cancelled = bool(earlier) and earlier[-1] == CANCELLED
    if change == CANCELLED:
        return cancelled and not told_cancelled  # not told twice
    if change == RESTORED:
        return not cancelled and told_cancelled  # a cancellation undone before anyone heard of it: nothing
    return not cancelled and payload.get("was") != _where_when(session.starts_at, session.venue)


def _where_when(starts_at: datetime, venue: str | None) -> str:
    """What a person knows of a session's time and place, as compared when a move message leaves."""
    return f"{as_utc(starts_at).isoformat()}|{venue or ''}"


@register_renderer(KIND)
def _render(db: Session, row: OutboxMessage, _secrets: dict) -> OutgoingEmail | whatsapp.TemplateMessage:
    payload = row.payload or {}
    session_id = payload.get("session_id")
    found = (
        db.execute(
            select(ClassSession, ClassGroup, Programme, Provider)
            .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .join(Provider, Provider.id == Programme.provider_id)
            .where(ClassSession.id == session_id)
        ).first()
        if isinstance(session_id, int)
        else None
    )
    if found is None:
        raise SkipMessage("the session is gone")
    session, group, programme, provider = found
    if not _still_true(db, session, row):
        raise SkipMessage("the session changed again (or started) since")
    told = _audience(db, session.id, payload["change"], row.recipient_client_id or -1)
    if not told or not audience.still_wants(db, told[0][0], KIND, Channel(row.channel)):
        raise SkipMessage("the recipient no longer has a place there, or turned these messages off")
    client, booking_id = told[0]
    base = get_settings().base_url
    when = fmt.session_label(session.starts_at, provider.timezone)
    what = f"{programme.name} ({group.name})"
    venue = session.venue or group.venue
    first = (client.full_name or "").split(" ", 1)[0].strip()
    attendee = (
        db.execute(
            select(Attendee.first_name)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id == booking_id)
        ).scalar_one_or_none()
        or ""
    )
    whose = f"{attendee}'s session" if attendee else "The session"
    profile = templates.profile_url(client.email)
    subject, lines = {
        MOVED: (
            f"{what} has moved to {when}",
            [
                f"{whose} of {what} now takes place on {when}"
                + (f" at {venue}." if venue and not group.is_online else "."),
                "If the new time does not suit you, you can excuse the session on its booking page.",
            ],
        ),
        CANCELLED: (
            f"{what} on {when} is cancelled",
            [
                f"{provider.name} has cancelled {whose[0].lower() + whose[1:] if not attendee else whose} "
                f"of {what} on {when}."
            ]
            + ([session.note] if session.note else []),
        ),
        RESTORED: (
            f"{what} on {when} takes place after all",
            [f"{whose} of {what} on {when} that was cancelled takes place after all."],
        ),
    }[payload["change"]]
    if row.channel == Channel.whatsapp:
        return audience.whatsapp_notice(
            client, KIND, provider.name, lines[0], f"{base}/bookings/{booking_id}"
        )
    lines.append(f"Your profile: {profile}")
    values = {
        "FIRST_NAME": first,
        "PROFILE_URL": profile,
        "ATTENDEE": attendee,
        "CLASS": what,
        "SESSION_TIME": when,
        "NOTE": session.note or "",
        "VENUE": venue or ("online" if group.is_online else ""),
        "BOOKING_URL": f"{base}/bookings/{booking_id}",
        "ACCOUNT_URL": f"{base}/account",
    }
    rendered = templates.render(
        db,
        provider,
        f"session_{payload['change']}",
        values,
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=subject,
            greeting=f"Hello {first}," if first else "Hello,",
            paragraphs=lines,
            button_label="See the booking",
            link=f"{base}/bookings/{booking_id}",
            settings_link=f"{base}/account",
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


# ------------------------------------------------------------------------------------- livestream links

LIVESTREAM_KIND = "livestream_changed"
LIVESTREAM_AHEAD = timedelta(days=7)  # a class's new link: told for its sessions of the coming week


def _link_tag(link: str) -> str:
    return hashlib.sha256(link.encode()).hexdigest()[:16]


def _session_facts(db: Session, session_id: object):
    if not isinstance(session_id, int):
        return None
    return db.execute(
        select(ClassSession, ClassGroup, Programme, Provider)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .join(Provider, Provider.id == Programme.provider_id)
        .where(ClassSession.id == session_id)
    ).first()


def notify_livestream_changed(
    db: Session, session_ids: list[int], now: datetime | None = None, class_wide: bool = False
) -> int:
    """Queue "the livestream link of this session was added or changed" for everyone with a place in these
    sessions (ahead, not cancelled, with a link now). ``class_wide``: the class's link changed, so only its
    sessions of the coming week, and only those without their own link. A link cleared says nothing. The
    message waits the grace period and is sent only while the session still has that link."""
    now = now or utcnow()
    not_before = now + timedelta(seconds=get_settings().notify_grace_seconds)
    written = 0
    for session_id in session_ids:
        found = _session_facts(db, session_id)
        if found is None:
            continue
        session, group, _programme, provider = found
        if class_wide and (session.online_link or as_utc(session.starts_at) > now + LIVESTREAM_AHEAD):
            continue
        link = livestream_link(provider, group, session)
        if not link or session.status == SessionStatus.cancelled or as_utc(session.starts_at) <= now:
            continue
        for client, booking_id in _audience(db, session.id, CANCELLED):  # the excused are not told
            for channel in audience.channels_for(db, client, LIVESTREAM_KIND):
                written += outbox.enqueue(
                    db,
                    provider_id=provider.id,
                    kind=LIVESTREAM_KIND,
                    dedupe_key=f"{LIVESTREAM_KIND}:{session.id}:{_link_tag(link)}:c{client.id}:{channel.value}",
                    recipient_client_id=client.id,
                    payload={"session_id": session.id, "link": _link_tag(link), "booking_id": booking_id},
                    channel=channel,
                    now=now,
                    if_absent=True,
                    not_before=not_before,
                )
    return written


@register_renderer(LIVESTREAM_KIND)
def _render_livestream(
    db: Session, row: OutboxMessage, _secrets: dict
) -> OutgoingEmail | whatsapp.TemplateMessage:
    payload = row.payload or {}
    found = _session_facts(db, payload.get("session_id"))
    if found is None:
        raise SkipMessage("the session is gone")
    session, group, programme, provider = found
    link = livestream_link(provider, group, session)
    if (
        not link
        or _link_tag(link) != payload.get("link")
        or session.status == SessionStatus.cancelled
        or as_utc(session.starts_at) <= utcnow()
    ):
        raise SkipMessage("the link changed again, or the session is cancelled or started")
    told = _audience(db, session.id, CANCELLED, row.recipient_client_id or -1)
    if not told or not audience.still_wants(db, told[0][0], LIVESTREAM_KIND, Channel(row.channel)):
        raise SkipMessage("the recipient no longer has a place there, or turned these e-mails off")
    client, booking_id = told[0]
    base = get_settings().base_url
    when = fmt.session_label(session.starts_at, provider.timezone)
    what = f"{programme.name} ({group.name})"
    first = (client.full_name or "").split(" ", 1)[0].strip()
    attendee = (
        db.execute(
            select(Attendee.first_name)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.id == booking_id)
        ).scalar_one_or_none()
        or ""
    )
    profile = templates.profile_url(client.email)
    subject = f"{what} on {when}: the livestream link"
    whose = f"{attendee}'s session" if attendee else "The session"
    if row.channel == Channel.whatsapp:
        said = f"{whose} of {what} on {when} has a new livestream link: {link}"
        return audience.whatsapp_notice(
            client, LIVESTREAM_KIND, provider.name, said, f"{base}/bookings/{booking_id}"
        )
    values = {
        "FIRST_NAME": first,
        "PROFILE_URL": profile,
        "ATTENDEE": attendee,
        "CLASS": what,
        "SESSION_TIME": when,
        "LIVESTREAM_URL": link,
        "BOOKING_URL": f"{base}/bookings/{booking_id}",
        "ACCOUNT_URL": f"{base}/account",
    }
    rendered = templates.render(
        db,
        provider,
        LIVESTREAM_KIND,
        values,
        lambda: reminder_email(
            provider_name=provider.name,
            brand_color=provider.brand_color,
            subject=subject,
            greeting=f"Hello {first}," if first else "Hello,",
            paragraphs=[
                f"{whose} of {what} on {when} has a new livestream link: {link}",
                "The link also appears on the booking page shortly before the session starts.",
                f"Your profile: {profile}",
            ],
            button_label="See the booking",
            link=f"{base}/bookings/{booking_id}",
            settings_link=f"{base}/account",
        ),
    )
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


__all__ = [
    "KIND",
    "MOVED",
    "CANCELLED",
    "RESTORED",
    "notify_session_changed",
    "LIVESTREAM_KIND",
    "notify_livestream_changed",
]
