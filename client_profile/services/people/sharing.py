"""Shared access to a booking: the rule for granting and revoking it (docs/domain.md "Sharing").

A share gives another person (identified by e-mail) a view of one booking, with notifications by default and
optionally the right to pay or to manage it. The grantee logs in the same passwordless way as everyone else,
so a login identity (a Client without a family) is created for an address we do not know yet.

``grant_share``/``revoke_share`` are the admin side (the CLI, the console): the caller is trusted to act for the
provider. The family's own side (below "From the profile") checks the acting Principal through
services.people.access (owned_bookings_clause) and works by invitation: a pending share grants nothing until the
invited address accepts it (docs/decisions.md "Sharing a booking from the profile").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    BookingShareEvent,
    ClassGroup,
    Client,
    Programme,
    Provider,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.notifications import shared_access as messages
from client_profile.services.people.access import (
    get_invitation,
    get_my_share,
    get_owned_booking,
    get_owned_share,
    invitations_clause,
    is_id,
)
from client_profile.services.people.changes import bump_for_bookings
from client_profile.services.people.identity import Principal, normalize_email


def _booking(db: Session, booking_id: object) -> Booking:
    if not is_id(booking_id):
        raise NotFound("booking")
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking")
    return booking


def grant_share(
    db: Session,
    booking_id: int,
    email: str,
    notify: bool = True,
    can_pay: bool = False,
    can_manage: bool = False,
    created_by: int | None = None,
    tell: bool = False,
) -> BookingShare:
    """Share one booking with the person at ``email`` (view access; notifications, paying and managing as
    given). Granting again updates the scope of the existing share, and re-activates a revoked one.

    The grantee's Client is linked (created without a family when the address is new, so the person can log
    in). Raises NotFound for an unknown booking and DomainError for a bad address or for a member of the
    booking's own family (who already sees it). The caller commits.
    """
    booking = _booking(db, booking_id)
    address = normalize_email(email)
    for name, value in (("notify", notify), ("can_pay", can_pay), ("can_manage", can_manage)):
        if not isinstance(value, bool):
            raise DomainError(f"The share setting {name} must be true or false.")
    if created_by is not None and db.get(Client, created_by) is None:
        raise NotFound("client")

    family_id = db.exec(select(Attendee.family_id).where(Attendee.id == booking.attendee_id)).one()
    grantee = db.exec(
        select(Client).where(Client.provider_id == booking.provider_id, Client.email == address)
    ).first()
    if grantee is not None and grantee.family_id is not None and grantee.family_id == family_id:
        raise DomainError(f"{address} belongs to the family of this booking and already sees it.")
    if grantee is None:
        grantee = Client(provider_id=booking.provider_id, email=address, family_id=None)
        db.add(grantee)
        db.flush()

    share = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id, BookingShare.grantee_email == address
        )
    ).first()
    if share is None:
        share = BookingShare(booking_id=booking.id, grantee_email=address, created_by_client_id=created_by)
        db.add(share)
    elif share.revoked_at is not None:
        share.revoked_at = None
        share.created_at = utcnow()
        share.created_by_client_id = created_by
    was = (share.grantee_client_id, share.can_pay, share.can_manage)
    share.grantee_client_id = grantee.id
    share.invite_token_hash, share.invite_expires_at = None, None  # a direct grant ends a pending invitation
    share.notify = notify
    share.can_pay = can_pay
    share.can_manage = can_manage
    bump_for_bookings(db, [share.booking_id])
    db.flush()
    if was != (grantee.id, can_pay, can_manage):
        action = "changed" if was[0] == grantee.id else "granted"
        event = _event(db, share, action, _actor(db, created_by), utcnow())
        if tell:  # ``tell``: the console's grants e-mail the person (the demo and the CLI do not)
            messages.queue(
                db, share, messages.CHANGED if action == "changed" else messages.GRANTED, seq=event.id
            )
    return share


def _actor(db: Session, client_id: int | None) -> str:
    """Who the history names for a provider-side change: the family client it was done for, else the provider."""
    client = db.get(Client, client_id) if client_id is not None else None
    return client.email if client is not None else ""


def revoke_share(db: Session, booking_id: int, email: str, tell: bool = False) -> BookingShare:
    """End the active share of ``booking_id`` with ``email`` (the row stays, with revoked_at set, as history).

    Raises NotFound when the booking or an active share with that address does not exist. The caller commits.
    """
    booking = _booking(db, booking_id)
    address = normalize_email(email)
    share = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id,
            BookingShare.grantee_email == address,
            BookingShare.revoked_at.is_(None),
        )
    ).first()
    if share is None:
        raise NotFound("share")
    share.revoked_at = utcnow()
    share.invite_token_hash, share.invite_expires_at = None, None
    bump_for_bookings(db, [share.booking_id])
    db.flush()
    active = share.grantee_client_id is not None
    event = _event(db, share, "revoked" if active else "withdrawn", "", share.revoked_at)
    if tell and active:
        messages.queue(db, share, messages.REVOKED, seq=event.id)
    return share


# ------------------------------------------------------------------------------------ from the profile

INVITE_DAYS = 7
INVITES_PER_DAY = (
    10  # invitation e-mails (new and re-sent) per booking per day: a family cannot spam addresses
)
NAME_MAX = 200
HISTORY_LIMIT = 50
_ACTION_WORDS = {
    "invited": "Invited",
    "granted": "Shared with",
    "changed": "Changed",
    "accepted": "Accepted",
    "declined": "Declined",
    "revoked": "Revoked",
    "left": "Left",
    "resent": "Invitation re-sent to",
    "withdrawn": "Invitation withdrawn for",
}


@dataclass(frozen=True, slots=True)
class ShareRow:
    """One person a booking is shared with (active) or invited (pending), as its family sees it."""

    id: int
    email: str
    name: str
    status: str  # "active", "pending" or "expired" (a pending invitation whose link ran out)
    since: str  # "3 Dec 2026"
    access: str  # what they may do, in words
    can_pay: bool
    can_manage: bool


@dataclass(frozen=True, slots=True)
class ShareEventRow:
    id: int
    when: str
    text: str


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the invitation page shows: status "open", "expired", "wrong_address" or "gone" (used, withdrawn,
    unknown: one message, so a guessed token learns nothing)."""

    status: str
    attendee: str = ""
    class_name: str = ""
    shared_by: str = ""
    access: str = ""
    email: str = ""  # the invited address (only to the holder of the link)
    share_id: int = 0


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError(f"The share setting {name} must be true or false.")
    return value


def _clean_name(name: object) -> str:
    if name is None:
        return ""
    if not isinstance(name, str):
        raise DomainError("The name must be text.")
    text = " ".join(name.split())
    if len(text) > NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise DomainError(f"The name is too long or contains a control character (at most {NAME_MAX}).")
    return text


def _event(db: Session, share: BookingShare, action: str, actor: str, now: datetime) -> BookingShareEvent:
    event = BookingShareEvent(
        share_id=share.id,
        booking_id=share.booking_id,
        action=action,
        actor=actor,
        detail=messages.access_words(share.can_pay, share.can_manage)
        if action in ("granted", "changed")
        else "",
        at=now,
    )
    db.add(event)
    db.flush()
    return event


def _check_invitation_limit(db: Session, booking_id: int, now: datetime) -> None:
    sent = db.exec(
        select(func.count())
        .select_from(BookingShareEvent)
        .where(
            BookingShareEvent.booking_id == booking_id,
            BookingShareEvent.action.in_(("invited", "resent")),
            BookingShareEvent.at > now - timedelta(days=1),
        )
    ).one()
    if sent >= INVITES_PER_DAY:
        raise DomainError("Too many invitations for this booking today. Please try again tomorrow.")


def _new_invitation(share: BookingShare, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    share.invite_token_hash = messages.token_hash(token)
    share.invite_expires_at = now + timedelta(days=INVITE_DAYS)
    return token


def _invitee(db: Session, booking: Booking, family_id: int, address: str) -> Client:
    """The invited address's login identity: an existing client of the provider, or a new one without a family
    (like a grandparent: they log in the normal way and see only what is shared with them)."""
    client = db.exec(
        select(Client).where(Client.provider_id == booking.provider_id, Client.email == address)
    ).first()
    if client is not None and client.family_id == family_id:
        raise DomainError(f"{address} belongs to your family and already sees this booking.")
    if client is None:
        client = Client(provider_id=booking.provider_id, email=address, family_id=None)
        db.add(client)
        db.flush()
    return client


def invite(
    db: Session,
    principal: Principal,
    booking_id: object,
    email: object,
    name: object = "",
    can_pay: object = False,
    can_manage: object = False,
    now: datetime | None = None,
) -> tuple[BookingShare, str]:
    """Share one of the family's own bookings with the person at ``email``: a pending invitation (a 7-day,
    single-use link by e-mail) that grants nothing until they accept. Sharing again with the same address is the
    same share: an active or pending one gets the new settings (and the person an e-mail saying so when active);
    an ended one becomes a new invitation. Returns the share and "invited", "updated" or "unchanged"."""
    now = now or utcnow()
    booking = get_owned_booking(db, principal, booking_id)
    address = normalize_email(email)
    pay, manage, who = _flag(can_pay, "pay"), _flag(can_manage, "manage"), _clean_name(name)
    _invitee(db, booking, principal.family_id, address)
    share = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking.id, BookingShare.grantee_email == address
        )
    ).first()
    if share is not None and share.revoked_at is None:
        if (share.can_pay, share.can_manage) == (pay, manage) and (not who or who == share.grantee_name):
            return share, "unchanged"
        share.grantee_name = who or share.grantee_name
        _change(db, principal, share, pay, manage, now)
        return share, "updated"
    _check_invitation_limit(db, booking.id, now)
    if share is None:
        share = BookingShare(booking_id=booking.id, grantee_email=address)
        db.add(share)
    share.grantee_name = who
    share.grantee_client_id = None
    share.revoked_at = None
    share.accepted_at = None
    share.created_at = now
    share.created_by_client_id = principal.client_id
    share.notify, share.can_pay, share.can_manage = True, pay, manage
    token = _new_invitation(share, now)
    db.flush()
    event = _event(db, share, "invited", principal.email, now)
    messages.queue(db, share, messages.INVITED, token=token, seq=event.id)
    bump_for_bookings(db, [booking.id])
    return share, "invited"


def _change(db: Session, principal: Principal, share: BookingShare, pay: bool, manage: bool, now: datetime):
    changed = (share.can_pay, share.can_manage) != (pay, manage)
    share.can_pay, share.can_manage = pay, manage
    db.flush()
    if not changed:
        return
    event = _event(db, share, "changed", principal.email, now)
    if share.grantee_client_id is not None:  # a pending invitee reads the current settings when accepting
        messages.queue(db, share, messages.CHANGED, seq=event.id)
    bump_for_bookings(db, [share.booking_id])


def change_share(
    db: Session,
    principal: Principal,
    share_id: object,
    can_pay: object,
    can_manage: object,
    now: datetime | None = None,
) -> BookingShare:
    """Change what an active or pending share allows. Takes effect on the person's next action."""
    now = now or utcnow()
    share = get_owned_share(db, principal, share_id)
    pay, manage = _flag(can_pay, "pay"), _flag(can_manage, "manage")
    if share.revoked_at is not None:
        raise DomainError("This access has already ended.")
    _change(db, principal, share, pay, manage, now)
    return share


def revoke(db: Session, principal: Principal, share_id: object, now: datetime | None = None) -> BookingShare:
    """End an active share (the person loses the booking on their next action and gets an e-mail) or withdraw a
    pending invitation (its link stops working)."""
    now = now or utcnow()
    share = get_owned_share(db, principal, share_id)
    if share.revoked_at is not None:
        raise DomainError("This access has already ended.")
    pending = share.grantee_client_id is None
    share.revoked_at = now
    share.invite_token_hash, share.invite_expires_at = None, None
    db.flush()
    event = _event(db, share, "withdrawn" if pending else "revoked", principal.email, now)
    if not pending:
        messages.queue(db, share, messages.REVOKED, seq=event.id)
    bump_for_bookings(db, [share.booking_id])
    return share


def resend(db: Session, principal: Principal, share_id: object, now: datetime | None = None) -> BookingShare:
    """A new link for a pending invitation (the old one stops working), valid 7 days from now."""
    now = now or utcnow()
    share = get_owned_share(db, principal, share_id)
    if share.revoked_at is not None or share.grantee_client_id is not None:
        raise DomainError("Only a pending invitation can be sent again.")
    _check_invitation_limit(db, share.booking_id, now)
    token = _new_invitation(share, now)
    db.flush()
    event = _event(db, share, "resent", principal.email, now)
    messages.queue(db, share, messages.INVITED, token=token, seq=event.id)
    bump_for_bookings(db, [share.booking_id])
    return share


def leave(db: Session, principal: Principal, booking_id: object, now: datetime | None = None) -> BookingShare:
    """The shared person ends their own access to a booking shared with them."""
    now = now or utcnow()
    share = get_my_share(db, principal, booking_id)
    share.revoked_at = now
    db.flush()
    _event(db, share, "left", principal.email, now)
    bump_for_bookings(db, [share.booking_id])
    return share


def _open_invitation(db: Session, token: object) -> BookingShare | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return db.exec(
        select(BookingShare).where(
            BookingShare.invite_token_hash == messages.token_hash(token),
            BookingShare.revoked_at.is_(None),
            BookingShare.grantee_client_id.is_(None),
        )
    ).first()


def _view(db: Session, principal: Principal, share: BookingShare | None, now: datetime) -> InvitationView:
    if share is None:
        return InvitationView("gone")
    booking, attendee, programme, group = db.exec(
        select(Booking, Attendee.first_name, Programme.name, ClassGroup.name)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Booking.id == share.booking_id)
    ).one()
    if booking.provider_id != principal.provider_id:
        return InvitationView("gone")
    by = db.get(Client, share.created_by_client_id) if share.created_by_client_id else None
    status = "open"
    if share.invite_expires_at is None or as_utc(share.invite_expires_at) <= now:
        status = "expired"
    elif share.grantee_email != principal.email:
        status = "wrong_address"
    return InvitationView(
        status=status,
        attendee=attendee,
        class_name=f"{programme} ({group})",
        shared_by=(by.full_name or by.email) if by else "",
        access=messages.access_words(share.can_pay, share.can_manage),
        email=share.grantee_email,
        share_id=share.id or 0,
    )


def invitation(
    db: Session, principal: Principal, token: object, now: datetime | None = None
) -> InvitationView:
    """The invitation behind a link, for the logged-in person (read only)."""
    return _view(db, principal, _open_invitation(db, token), now or utcnow())


def my_invitations(db: Session, principal: Principal, now: datetime | None = None) -> list[InvitationView]:
    """The open (not expired) invitations to the logged-in address, oldest first: shown after any login, so an
    invitee who logs in without the link still finds them."""
    now = now or utcnow()
    shares = db.exec(
        select(BookingShare)
        .join(Booking, Booking.id == BookingShare.booking_id)
        .where(invitations_clause(principal))
        .order_by(BookingShare.created_at, BookingShare.id)
    ).all()
    return [v for v in (_view(db, principal, s, now) for s in shares) if v.status == "open"]


def answer_invitation(
    db: Session, principal: Principal, token: object, accept: object, now: datetime | None = None
) -> BookingShare:
    """Accept or decline an invitation from its link, as the invited address, once, within its 7 days."""
    now = now or utcnow()
    return _answer(db, principal, _open_invitation(db, token), accept, now)


def answer_invitation_by_id(
    db: Session, principal: Principal, share_id: object, accept: object, now: datetime | None = None
) -> BookingShare:
    """The same from the invitations page (an invitation to the logged-in address, access.get_invitation)."""
    now = now or utcnow()
    return _answer(db, principal, get_invitation(db, principal, share_id), accept, now)


def _answer(
    db: Session, principal: Principal, share: BookingShare | None, accept: object, now: datetime
) -> BookingShare:
    """Accepting links the share to the person's client (the booking appears at once); declining ends it. Either
    uses the link up."""
    yes = _flag(accept, "accept")
    view = _view(db, principal, share, now)
    if view.status == "gone":
        raise NotFound("invitation")
    if view.status == "expired":
        raise DomainError("This invitation has expired. Ask for a new one.")
    if view.status == "wrong_address":
        raise DomainError(
            f"This invitation is for {share.grantee_email}: log in with that address to answer it."
        )
    family_id = db.exec(
        select(Attendee.family_id)
        .join(Booking, Booking.attendee_id == Attendee.id)
        .where(Booking.id == share.booking_id)
    ).one()
    if principal.family_id is not None and principal.family_id == family_id:
        raise DomainError("This booking is your family's: you already see it.")
    share.invite_token_hash, share.invite_expires_at = None, None
    if yes:
        share.grantee_client_id = principal.client_id
        share.accepted_at = now
    else:
        share.revoked_at = now
    db.flush()
    _event(db, share, "accepted" if yes else "declined", principal.email, now)
    bump_for_bookings(db, [share.booking_id])
    return share


def booking_shares(
    db: Session, principal: Principal, booking_id: object, now: datetime | None = None
) -> tuple[list[ShareRow], list[ShareEventRow]]:
    """Who one of the family's bookings is shared with (active and pending) and its sharing history, newest
    first. NotFound for a booking that is not the family's own."""
    now = now or utcnow()
    booking = get_owned_booking(db, principal, booking_id)
    tz = db.exec(select(Provider.timezone).where(Provider.id == booking.provider_id)).one()
    rows = []
    for share in db.exec(
        select(BookingShare)
        .where(BookingShare.booking_id == booking.id, BookingShare.revoked_at.is_(None))
        .order_by(BookingShare.created_at, BookingShare.id)
    ):
        if share.grantee_client_id is not None:
            status, since = "active", share.accepted_at or share.created_at
        else:
            expires = share.invite_expires_at
            status = "expired" if expires is None or as_utc(expires) <= now else "pending"
            since = share.created_at
        rows.append(
            ShareRow(
                id=share.id,
                email=share.grantee_email,
                name=share.grantee_name,
                status=status,
                since=fmt.day_label(fmt.local(since, tz).date()),
                access=messages.access_words(share.can_pay, share.can_manage),
                can_pay=share.can_pay,
                can_manage=share.can_manage,
            )
        )
    history = []
    for event, email in db.exec(
        select(BookingShareEvent, BookingShare.grantee_email)
        .join(BookingShare, BookingShare.id == BookingShareEvent.share_id)
        .where(BookingShareEvent.booking_id == booking.id)
        .order_by(BookingShareEvent.at.desc(), BookingShareEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ):
        by = "" if event.actor == email else f" by {event.actor or 'the provider'}"
        detail = f": {event.detail}" if event.detail else ""
        history.append(
            ShareEventRow(
                id=event.id,
                when=fmt.session_label(event.at, tz),
                text=f"{_ACTION_WORDS.get(event.action, event.action)} {email}{by}{detail}",
            )
        )
    return rows, history
