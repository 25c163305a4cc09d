"""Messages from the provider to the families of a class or of one session ("the pool is closed today").

Rules (docs/architecture.md "Message templates"):
- Who: for a class, the active clients (with an e-mail address) of the families with an active booking in that
  class (not ended before today); for a session, the families of the children with a place in it (a regular
  place or a make-up; excused places are left out). Only the sender's provider's classes; each client once,
  however many of their children are in it. The automatic reminders' opt-out does not apply: this is the
  provider writing about the class itself.
- Once: the send form carries a token (one per form drawn); a second send with the same token finds the
  first message and queues nothing (unique per provider). Each e-mail is one outbox row with the dedupe key
  ``family_message:<message>:c<client>``, so no recipient gets one message twice.
- Delivery status per recipient is the outbox row's: queued (pending, sending), sent, failed (with why).
- Sending needs Capability.messages (owner, office). The text uses the merge tags of the "family_message" kind
  (services/notifications/templates.py), checked like a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from client_profile import clock
from client_profile import formatting as fmt
from client_profile.integrations.mailer import OutgoingEmail
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingStatus,
    Channel,
    Charge,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    Client,
    FamilyMessage,
    OutboxMessage,
    OutboxStatus,
    Programme,
    Provider,
    SessionStatus,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, FieldErrors, InvalidField
from client_profile.services.notifications import outbox, templates
from client_profile.services.notifications.outbox import SkipMessage, register_renderer
from client_profile.services.people.access import (
    Capability,
    parse_id,
    provider_classes_clause,
    require_staff,
)
from client_profile.services.people.audit import record
from client_profile.services.people.identity import StaffPrincipal

KIND = "family_message"
SESSIONS_SHOWN = 12  # the next sessions of a class offered as targets
SENT_SHOWN = 20
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EXCUSED = (AttendanceState.cancelled, AttendanceState.late_cancelled)


@dataclass(frozen=True, slots=True)
class Recipient:
    client_id: int
    email: str
    attendees: str  # "Ema and Adam"


def _class_of(db: Session, principal: StaffPrincipal, class_id: object) -> tuple[ClassGroup, Programme]:
    cid = parse_id(class_id)
    found = (
        db.execute(
            select(ClassGroup, Programme)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .where(ClassGroup.id == cid, provider_classes_clause(principal))
        ).first()
        if cid
        else None
    )
    if found is None:
        raise InvalidField("class_id", "Choose one of your classes.")
    return found[0], found[1]


def _session_of(db: Session, group: ClassGroup, session_id: object) -> ClassSession | None:
    if session_id in (None, "", "all"):
        return None
    sid = parse_id(session_id)
    session = db.get(ClassSession, sid) if sid else None
    if session is None or session.class_id != group.id:
        raise InvalidField("session_id", "Choose a session of this class, or the whole class.")
    return session


def recipients(
    db: Session, provider_id: int, class_id: int, session_id: int | None, today=None
) -> list[Recipient]:
    """Who gets a message to the class (or the session), each client once, in id order."""
    if session_id is None:
        provider = db.get(Provider, provider_id)
        day = today or clock.today(provider.timezone if provider else "UTC")
        rows = db.execute(
            select(Attendee.family_id, Attendee.first_name)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(
                Booking.provider_id == provider_id,
                Booking.class_id == class_id,
                Booking.status == BookingStatus.active,
                or_(Booking.ends_on.is_(None), Booking.ends_on >= day),
            )
            .order_by(Attendee.id)
        ).all()
    else:
        rows = db.execute(
            select(Attendee.family_id, Attendee.first_name)
            .select_from(Attendance)
            .join(Booking, Booking.id == Attendance.booking_id)
            .join(Attendee, Attendee.id == Booking.attendee_id)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(
                Booking.provider_id == provider_id,
                Attendance.session_id == session_id,
                ClassSession.class_id == class_id,
                Attendance.state.not_in(list(_EXCUSED)),
            )
            .order_by(Attendee.id)
        ).all()
    children: dict[int, list[str]] = {}
    for family_id, first_name in rows:
        names = children.setdefault(family_id, [])
        if first_name not in names:
            names.append(first_name)
    if not children:
        return []
    clients = db.execute(
        select(Client)
        .where(
            Client.provider_id == provider_id,
            Client.family_id.in_(list(children)),
            Client.is_active.is_(True),
            Client.email != "",
        )
        .order_by(Client.id)
    ).scalars()
    return [Recipient(c.id, c.email, " and ".join(children[c.family_id])) for c in clients]


# ------------------------------------------------------------------------------------------------ the console


@dataclass(frozen=True, slots=True)
class Target:
    value: str  # the select's value: "<class id>" or "<class id>:<session id>"
    label: str


@dataclass(frozen=True, slots=True)
class Delivery:
    email: str
    status: str  # queued, sent, failed
    error: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    id: int
    subject: str
    target: str  # "Swimming (Beginners - Tuesday 16:00)" or "... on Tue 8 Dec, 16:00"
    at: str
    counts: str  # "3 sent · 1 queued · 0 failed"
    deliveries: list[Delivery]


def targets(db: Session, principal: StaffPrincipal) -> list[Target]:
    """Each class of the provider, followed by its next sessions (what a message can go to)."""
    require_staff(principal, Capability.messages)
    provider = db.get(Provider, principal.provider_id)
    now = clock.utcnow()
    today = clock.today(provider.timezone)
    classes = db.execute(
        select(ClassGroup, Programme)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            provider_classes_clause(principal),
            or_(ClassGroup.ends_on.is_(None), ClassGroup.ends_on >= today),  # classes that have ended: no
        )
        .order_by(Programme.name, ClassGroup.name)
    ).all()
    out: list[Target] = []
    for group, programme in classes:
        out.append(Target(str(group.id), f"{programme.name} ({group.name}): all families"))
        sessions = db.execute(
            select(ClassSession)
            .where(
                ClassSession.class_id == group.id,
                ClassSession.ends_at > now,
                ClassSession.status == SessionStatus.scheduled,
            )
            .order_by(ClassSession.starts_at)
            .limit(SESSIONS_SHOWN)
        ).scalars()
        for s in sessions:
            out.append(
                Target(
                    f"{group.id}:{s.id}",
                    f"{programme.name} ({group.name}) on {fmt.session_label(s.starts_at, provider.timezone)}",
                )
            )
    return out


def _split_target(target: object) -> tuple[object, object]:
    if not isinstance(target, str) or not target:
        raise InvalidField("target", "Choose a class or a session.")
    class_part, _, session_part = target.partition(":")
    return class_part, session_part or None


def _target_of(db: Session, principal: StaffPrincipal, target: object):
    class_part, session_part = _split_target(target)
    try:
        group, programme = _class_of(db, principal, class_part)
        session = _session_of(db, group, session_part)
    except FieldErrors:
        raise InvalidField("target", "Choose one of your classes or one of its sessions.") from None
    return group, programme, session


def _values_for(
    db: Session,
    provider: Provider,
    client: Client,
    group: ClassGroup,
    programme: Programme,
    session,
    attendees,
) -> dict[str, str]:
    if session is None:  # a message to the class: its next session
        session = db.execute(
            select(ClassSession)
            .where(
                ClassSession.class_id == group.id,
                ClassSession.status == SessionStatus.scheduled,
                ClassSession.starts_at > clock.utcnow(),
            )
            .order_by(ClassSession.starts_at)
            .limit(1)
        ).scalar_one_or_none()
    when = fmt.session_label(session.starts_at, provider.timezone) if session is not None else ""
    return {
        "FIRST_NAME": (client.full_name or "").split(" ", 1)[0].strip(),
        "PROFILE_URL": templates.profile_url(client.email),
        "ATTENDEE": attendees,
        "CLASS": f"{programme.name} ({group.name})",
        "SESSION_TIME": when,
        "AMOUNT_DUE": amount_due(db, provider, client.family_id),
    }


def amount_due(db: Session, provider: Provider, family_id: int | None) -> str:
    """The family's unpaid charges, per currency ("EUR 75.00"; "EUR 0.00" when nothing is due)."""
    if family_id is None:
        return fmt.money(0, provider.currency)
    rows = db.execute(
        select(Charge.currency, func.sum(Charge.amount_minor))
        .where(
            Charge.provider_id == provider.id,
            Charge.family_id == family_id,
            Charge.status == ChargeStatus.unpaid,
        )
        .group_by(Charge.currency)
        .order_by(Charge.currency)
    ).all()
    return ", ".join(fmt.money(int(total), cur) for cur, total in rows) or fmt.money(0, provider.currency)


def preview(db: Session, principal: StaffPrincipal, form: object) -> templates.Preview:
    """The message as its first recipient (or a sample family) would get it, and who would get it."""
    require_staff(principal, Capability.messages)
    data = form if isinstance(form, dict) else {}
    provider = db.get(Provider, principal.provider_id)
    return templates.preview(principal, provider, KIND, data.get("subject"), data.get("body"))


def audience(db: Session, principal: StaffPrincipal, target: object) -> list[Recipient]:
    require_staff(principal, Capability.messages)
    group, _programme, session = _target_of(db, principal, target)
    return recipients(db, principal.provider_id, group.id, session.id if session else None)


def send(db: Session, principal: StaffPrincipal, form: object) -> tuple[FamilyMessage, bool]:
    """Queue the message for every recipient. Returns (message, whether it is new): a form sent twice (same
    token) returns the first message and queues nothing."""
    require_staff(principal, Capability.messages)
    data = form if isinstance(form, dict) else {}
    errors: dict[str, str] = {}
    target = None
    try:
        target = _target_of(db, principal, data.get("target"))
    except FieldErrors as exc:
        errors |= exc.fields
    try:
        subject, body = templates.check(KIND, data.get("subject"), data.get("body"))
    except FieldErrors as exc:
        errors |= exc.fields
    token = data.get("token")
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        raise DomainError("This form is out of date: reload the page and write the message again.")
    if errors:
        raise FieldErrors(errors)
    existing = db.execute(
        select(FamilyMessage).where(
            FamilyMessage.provider_id == principal.provider_id, FamilyMessage.token == token
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    group, programme, session = target  # type: ignore[misc]
    if session is not None and as_utc(session.ends_at) <= clock.utcnow():
        raise InvalidField("target", "This session is over: write to the class instead.")
    people = recipients(db, principal.provider_id, group.id, session.id if session else None)
    if not people:
        raise InvalidField("target", "Nobody has a place there yet: there is nobody to write to.")
    now = clock.utcnow()
    message = FamilyMessage(
        provider_id=principal.provider_id,
        class_id=group.id,
        session_id=session.id if session else None,
        subject=subject,
        body=body,
        token=token,
        recipients=len(people),
        sent_by_id=principal.staff_id,
        created_at=now,
    )
    try:
        with db.begin_nested():  # the same form sent twice at the same moment: one of them wins
            db.add(message)
            db.flush()
    except IntegrityError:
        existing = db.execute(
            select(FamilyMessage).where(
                FamilyMessage.provider_id == principal.provider_id, FamilyMessage.token == token
            )
        ).scalar_one()
        return existing, False
    for person in people:
        outbox.enqueue(
            db,
            provider_id=principal.provider_id,
            kind=KIND,
            dedupe_key=f"{KIND}:{message.id}:c{person.client_id}",
            recipient_client_id=person.client_id,
            payload={"message_id": message.id, "attendees": person.attendees},
            channel=Channel.email,
            now=now,
            if_absent=True,
        )
    record(
        db,
        principal,
        action="message.send",
        entity="family_message",
        entity_id=message.id,
        class_id=group.id,
        summary=f"Message '{subject[:120]}' to {len(people)} client(s) of {programme.name} ({group.name})",
        after={"subject": subject, "body": body, "session_id": message.session_id, "recipients": len(people)},
    )
    return message, True


_SHOWN_STATUS = {
    OutboxStatus.pending: "queued",
    OutboxStatus.sending: "queued",
    OutboxStatus.sent: "sent",
    OutboxStatus.failed: "failed",
}


def sent_messages(db: Session, principal: StaffPrincipal) -> list[SentMessage]:
    """The newest messages to families, each with the delivery status of every recipient."""
    require_staff(principal, Capability.messages)
    provider = db.get(Provider, principal.provider_id)
    messages = db.execute(
        select(FamilyMessage, ClassGroup, Programme)
        .join(ClassGroup, ClassGroup.id == FamilyMessage.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(FamilyMessage.provider_id == principal.provider_id)
        .order_by(FamilyMessage.id.desc())
        .limit(SENT_SHOWN)
    ).all()
    out = []
    for message, group, programme in messages:
        target = f"{programme.name} ({group.name})"
        if message.session_id:
            session = db.get(ClassSession, message.session_id)
            target += f" on {fmt.session_label(session.starts_at, provider.timezone)}"
        rows = db.execute(
            select(OutboxMessage.status, OutboxMessage.last_error, Client.email)
            .join(Client, Client.id == OutboxMessage.recipient_client_id)
            .where(
                OutboxMessage.provider_id == principal.provider_id,
                OutboxMessage.kind == KIND,
                OutboxMessage.dedupe_key.like(f"{KIND}:{message.id}:c%"),
            )
            .order_by(OutboxMessage.id)
        ).all()
        deliveries = [
            Delivery(email, _SHOWN_STATUS[OutboxStatus(status)], error) for status, error, email in rows
        ]
        counts = {s: sum(d.status == s for d in deliveries) for s in ("sent", "queued", "failed")}
        local = fmt.local(message.created_at, provider.timezone)
        out.append(
            SentMessage(
                id=message.id,
                subject=message.subject,
                target=target,
                at=f"{local.day} {local:%b %Y %H:%M}",
                counts=" · ".join(f"{n} {s}" for s, n in counts.items()),
                deliveries=deliveries,
            )
        )
    return out


# ------------------------------------------------------------------------------------------------ sending


@register_renderer(KIND)
def _render(db: Session, row: OutboxMessage, _secrets: dict) -> OutgoingEmail:
    payload = row.payload or {}
    message_id = payload.get("message_id")
    found = (
        db.execute(
            select(FamilyMessage, ClassGroup, Programme, Provider)
            .join(ClassGroup, ClassGroup.id == FamilyMessage.class_id)
            .join(Programme, Programme.id == ClassGroup.programme_id)
            .join(Provider, Provider.id == FamilyMessage.provider_id)
            .where(FamilyMessage.id == message_id)
        ).first()
        if isinstance(message_id, int)
        else None
    )
    if found is None:
        raise SkipMessage("the message is gone")
    message, group, programme, provider = found
    client = db.get(Client, row.recipient_client_id) if row.recipient_client_id else None
    if client is None or not client.is_active or not client.email or client.provider_id != provider.id:
        raise SkipMessage("the recipient is gone or inactive")
    session = db.get(ClassSession, message.session_id) if message.session_id else None
    attendees = str(payload.get("attendees") or "")
    values = _values_for(db, provider, client, group, programme, session, attendees)
    rendered = templates.fill(provider, message.subject, message.body, values)
    return OutgoingEmail(to=client.email, subject=rendered.subject, text=rendered.text, html=rendered.html)


__all__ = ["KIND", "recipients", "targets", "send", "sent_messages", "audience", "preview"]
