"""services.people.sharing "from the profile": a family shares its own booking by invitation (a 7-day, single-use
link), changes, revokes, re-sends and withdraws it; the invitee accepts or declines; a shared person leaves. The
access e-mails go through the outbox (a real SMTP sink)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from client_profile.clock import utcnow
from client_profile.models import Attendee, Booking, BookingShare, BookingShareEvent, Client, OutboxMessage
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.notifications import outbox
from client_profile.services.people import sharing
from client_profile.services.people.access import visible_bookings_clause
from client_profile.services.people.identity import Principal
from tests.login_helpers import override_env
from tests.smtp_helpers import smtp_server as running_smtp

GRANDMA = "grandma@example.com"


def principal(db, email: str) -> Principal:
    c = db.exec(select(Client).where(Client.email == email)).one()
    return Principal(c.id, c.provider_id, c.family_id, 0, c.email, c.full_name)


def emas_booking(db) -> Booking:
    ema = db.exec(select(Attendee).where(Attendee.first_name == "Ema")).one()
    return db.exec(select(Booking).where(Booking.attendee_id == ema.id).order_by(Booking.id)).first()


def token_of(db, share_id: int) -> str:
    """The invitation token, as the e-mail carries it (sealed in the outbox row)."""
    import json

    from client_profile.integrations.crypto import unseal

    rows = db.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "shared_access").order_by(OutboxMessage.id.desc())
    ).all()
    for row in rows:
        if row.payload.get("share_id") == share_id and row.payload.get("event") == "invited":
            return json.loads(unseal(row.payload[outbox.SEALED_KEY]))["token"]
    raise AssertionError("no invitation queued")


def sees(db, who: Principal, booking_id: int) -> bool:
    return (
        db.exec(select(Booking.id).where(Booking.id == booking_id, visible_bookings_clause(who))).first()
        is not None
    )


@pytest.fixture
def invited(demo):
    db = demo
    anna, booking = principal(db, "anna@example.com"), emas_booking(db)
    share, outcome = sharing.invite(db, anna, booking.id, " Grandma@Example.com ", "Grandma", True, False)
    db.commit()
    assert outcome == "invited"
    return db, anna, booking, share, token_of(db, share.id)


def test_an_invitation_grants_nothing_until_accepted(invited):
    db, anna, booking, share, token = invited
    grandma = principal(db, GRANDMA)
    assert grandma.family_id is None  # a login without a family, like the demo's Peter
    assert share.grantee_client_id is None and not sees(db, grandma, booking.id)
    assert share.invite_token_hash and token not in share.invite_token_hash  # stored hashed
    view = sharing.invitation(db, grandma, token)
    assert (view.status, view.attendee, view.access) == (
        "open",
        "Ema",
        "see the booking and get its messages, and pay its items",
    )
    sharing.answer_invitation(db, grandma, token, True)
    db.commit()
    assert sees(db, grandma, booking.id) and share.grantee_client_id == grandma.client_id
    rows, history = sharing.booking_shares(db, anna, booking.id)
    assert [(r.email, r.status, r.can_pay, r.can_manage) for r in rows if r.email == GRANDMA] == [
        (GRANDMA, "active", True, False)
    ]
    assert history[0].text == "Accepted grandma@example.com"
    assert history[1].text.startswith("Invited grandma@example.com by anna@example.com")


def test_the_link_works_once(invited):
    db, _anna, _booking, _share, token = invited
    grandma = principal(db, GRANDMA)
    sharing.answer_invitation(db, grandma, token, True)
    db.commit()
    with pytest.raises(NotFound):
        sharing.answer_invitation(db, grandma, token, False)
    assert sharing.invitation(db, grandma, token).status == "gone"


def test_the_link_expires_after_7_days(invited):
    db, _anna, booking, _share, token = invited
    grandma = principal(db, GRANDMA)
    late = utcnow() + timedelta(days=7, seconds=1)
    assert sharing.invitation(db, grandma, token, now=late).status == "expired"
    with pytest.raises(DomainError, match="expired"):
        sharing.answer_invitation(db, grandma, token, True, now=late)
    db.rollback()
    almost = utcnow() + timedelta(days=6, hours=23)
    sharing.answer_invitation(db, grandma, token, True, now=almost)
    db.commit()
    assert sees(db, grandma, booking.id)


def test_the_link_answers_only_for_the_invited_address(invited):
    db, _anna, booking, share, token = invited
    ben = principal(db, "ben@example.com")
    assert sharing.invitation(db, ben, token).status == "wrong_address"
    with pytest.raises(DomainError, match="grandma@example.com"):
        sharing.answer_invitation(db, ben, token, True)
    db.rollback()
    assert not sees(db, ben, booking.id) and share.invite_token_hash
    for junk in ("", "x" * 43, None, 5, "a" * 500):
        with pytest.raises(NotFound):
            sharing.answer_invitation(db, ben, junk, True)


def test_decline_ends_the_invitation(invited):
    db, anna, booking, share, token = invited
    grandma = principal(db, GRANDMA)
    sharing.answer_invitation(db, grandma, token, False)
    db.commit()
    assert share.revoked_at is not None and not sees(db, grandma, booking.id)
    rows, history = sharing.booking_shares(db, anna, booking.id)
    assert GRANDMA not in [r.email for r in rows] and history[0].text == "Declined grandma@example.com"


def test_sharing_twice_with_one_address_is_one_share(invited):
    db, anna, booking, share, _token = invited
    again, outcome = sharing.invite(db, anna, booking.id, "GRANDMA@example.com", "", True, False)
    assert (again.id, outcome) == (share.id, "unchanged")
    again, outcome = sharing.invite(db, anna, booking.id, GRANDMA, "", True, True)
    db.commit()
    assert (again.id, outcome, again.can_manage) == (share.id, "updated", True)
    assert len(db.exec(select(BookingShare).where(BookingShare.grantee_email == GRANDMA)).all()) == 1


def test_resend_replaces_the_link_and_withdraw_kills_it(invited):
    db, anna, booking, share, old = invited
    sharing.resend(db, anna, share.id)
    db.commit()
    new = token_of(db, share.id)
    grandma = principal(db, GRANDMA)
    assert new != old and sharing.invitation(db, grandma, old).status == "gone"
    assert sharing.invitation(db, grandma, new).status == "open"
    sharing.revoke(db, anna, share.id)
    db.commit()
    assert sharing.invitation(db, grandma, new).status == "gone"
    _rows, history = sharing.booking_shares(db, anna, booking.id)
    assert [h.text.split(" grandma")[0] for h in history[:2]] == [
        "Invitation withdrawn for",
        "Invitation re-sent to",
    ]


def test_change_and_revoke_take_effect_at_once_and_are_recorded(invited):
    db, anna, booking, share, token = invited
    grandma = principal(db, GRANDMA)
    sharing.answer_invitation(db, grandma, token, True)
    sharing.change_share(db, anna, share.id, False, True)
    db.commit()
    assert (share.can_pay, share.can_manage) == (False, True)
    sharing.revoke(db, anna, share.id)
    db.commit()
    assert not sees(db, grandma, booking.id)
    actions = db.exec(select(BookingShareEvent.action).order_by(BookingShareEvent.id)).all()
    assert actions[-4:] == ["invited", "accepted", "changed", "revoked"]
    with pytest.raises(DomainError):
        sharing.revoke(db, anna, share.id)


def test_a_shared_person_leaves(invited):
    db, anna, booking, _share, token = invited
    grandma = principal(db, GRANDMA)
    sharing.answer_invitation(db, grandma, token, True)
    db.commit()
    sharing.leave(db, grandma, booking.id)
    db.commit()
    assert not sees(db, grandma, booking.id)
    assert sharing.booking_shares(db, anna, booking.id)[1][0].text == "Left grandma@example.com"
    with pytest.raises(NotFound):
        sharing.leave(db, grandma, booking.id)


def test_who_may_share(demo):
    db = demo
    booking = emas_booking(db)
    peter, ben = principal(db, "peter@example.com"), principal(db, "ben@example.com")
    for who in (peter, ben):  # a shared person, another family
        with pytest.raises(NotFound):
            sharing.invite(db, who, booking.id, GRANDMA)
        with pytest.raises(NotFound):
            sharing.booking_shares(db, who, booking.id)
    anna = principal(db, "anna@example.com")
    with pytest.raises(DomainError, match="your family"):
        sharing.invite(db, anna, booking.id, "anna@example.com")
    for bad in ("not an address", "", None):
        with pytest.raises(DomainError):
            sharing.invite(db, anna, booking.id, bad)
    with pytest.raises(DomainError):
        sharing.invite(db, anna, booking.id, GRANDMA, "", "yes", False)
    db.rollback()
    assert db.exec(select(BookingShare).where(BookingShare.grantee_email == GRANDMA)).first() is None


def test_the_providers_direct_grants_and_revocations_are_in_the_history(demo):
    db = demo
    anna, booking = principal(db, "anna@example.com"), emas_booking(db)
    rows, history = sharing.booking_shares(db, anna, booking.id)
    assert [(r.email, r.status) for r in rows] == [("peter@example.com", "active")]
    assert [h.text for h in history] == [
        "Shared with peter@example.com by anna@example.com: see the booking and get its messages"
    ]
    sharing.grant_share(db, booking.id, "peter@example.com", can_pay=True)
    sharing.revoke_share(db, booking.id, "peter@example.com")
    db.commit()
    _rows, history = sharing.booking_shares(db, anna, booking.id)
    assert [h.text for h in history[:2]] == [
        "Revoked peter@example.com by the provider",
        "Changed peter@example.com by the provider: see the booking and get its messages, and pay its items",
    ]


def test_a_direct_grant_completes_a_pending_invitation(invited):
    db, _anna, booking, share, token = invited
    sharing.grant_share(db, booking.id, GRANDMA, can_pay=True)
    db.commit()
    grandma = principal(db, GRANDMA)
    assert sees(db, grandma, booking.id) and sharing.invitation(db, grandma, token).status == "gone"


def test_invitation_emails_are_limited_per_booking_and_day(invited):
    db, anna, booking, share, _token = invited
    for i in range(sharing.INVITES_PER_DAY - 2):
        sharing.invite(db, anna, booking.id, f"person{i}@example.com")
    sharing.resend(db, anna, share.id)
    db.commit()
    before = db.exec(select(OutboxMessage.id)).all()
    with pytest.raises(DomainError, match="Too many invitations"):
        sharing.invite(db, anna, booking.id, "one-more@example.com")
    db.rollback()
    with pytest.raises(DomainError, match="Too many invitations"):
        sharing.resend(db, anna, share.id)
    db.rollback()
    assert db.exec(select(OutboxMessage.id)).all() == before
    tomorrow = utcnow() + timedelta(days=1, minutes=1)
    sharing.invite(db, anna, booking.id, "one-more@example.com", now=tomorrow)


@pytest.fixture
def smtp():
    with (
        running_smtp() as (inbox, port),
        override_env(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(port),
            SMTP_SECURITY="none",
            SMTP_USERNAME="",
            SMTP_PASSWORD="",
            SMTP_TIMEOUT_SECONDS="5",
            MAIL_FROM="Little Otters <hello@otters.example>",
        ),
    ):
        yield inbox


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_the_access_emails_leave_through_the_outbox(invited, smtp):
    db, anna, _booking, share, token = invited
    grandma_client = db.exec(select(Client).where(Client.email == GRANDMA)).one()
    grandma_client.reminders_opt_out = True  # access messages cannot be turned off
    db.commit()
    outbox.process_due()
    msg = smtp.wait_for(GRANDMA, 0)
    text = _text(msg)
    assert msg["Subject"] == "Anna Novak shared Ema's booking with you"
    assert "Swimming - Beginners (Beginners - Tuesday 16:00)" in text and "pay its items" in text
    assert f"http://localhost:3000/invitation/{token}?email=grandma%40example.com" in text
    assert "http://localhost:3000/login?email=grandma%40example.com" in text
    row = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "shared_access")).one()
    db.refresh(row)
    assert outbox.SEALED_KEY not in row.payload  # the token is wiped once sent

    sharing.answer_invitation(db, principal(db, GRANDMA), token, True)
    sharing.change_share(db, anna, share.id, True, True)
    db.commit()
    seen = smtp.count()
    outbox.process_due()
    msg = smtp.wait_for(GRANDMA, seen)
    assert msg["Subject"] == "Your access to Ema's booking has changed"
    assert "pay its items and manage it" in _text(msg)

    sharing.revoke(db, anna, share.id)
    db.commit()
    seen = smtp.count()
    outbox.process_due()
    msg = smtp.wait_for(GRANDMA, seen)
    assert msg["Subject"] == "You no longer have access to Ema's booking"
    assert "Swimming - Beginners (Beginners - Tuesday 16:00)" in _text(msg)


def test_a_resent_invitation_cancels_the_unsent_old_one(invited, smtp):
    db, anna, _booking, share, _token = invited
    sharing.resend(db, anna, share.id)
    db.commit()
    outbox.process_due()
    smtp.wait_for(GRANDMA, 0)
    rows = db.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "shared_access").order_by(OutboxMessage.id)
    )
    assert [(r.status.value, r.last_error[:8]) for r in rows] == [("failed", "skipped:"), ("sent", "")]
    assert smtp.count() == 1  # the first link no longer works: its e-mail is not sent


def test_frozen_time_expiry_with_time_machine(invited):
    db, _anna, _booking, _share, token = invited
    grandma = principal(db, GRANDMA)
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        assert sharing.invitation(db, grandma, token).status == "expired"


def test_the_consoles_grant_change_and_revocation_email_the_person(demo, smtp):
    from client_profile.models import StaffMember
    from client_profile.services.people import families
    from client_profile.services.people.identity import StaffPrincipal

    db = demo
    office = db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    staff = StaffPrincipal(
        office.id, office.provider_id, 0, office.email, office.full_name, office.role.value
    )
    booking = emas_booking(db)
    families.grant_share(db, staff, booking.id, "uncle@example.com", can_pay=False)
    db.commit()
    outbox.process_due()
    msg = smtp.wait_for("uncle@example.com", 0)
    assert msg["Subject"] == "Little Otters Swim & Sport shared Ema's booking with you"
    assert "http://localhost:3000/login?email=uncle%40example.com" in _text(msg)
    assert "/invitation/" not in _text(msg)  # a direct grant: nothing to accept

    families.grant_share(db, staff, booking.id, "uncle@example.com", can_pay=True)
    families.revoke_share(db, staff, booking.id, "uncle@example.com")
    db.commit()
    seen = smtp.count()
    outbox.process_due()
    subjects = set()
    for _ in range(2):
        msg = smtp.wait_for("uncle@example.com", seen)
        subjects.add(msg["Subject"])
        seen += 1
    assert subjects == {
        "Your access to Ema's booking has changed",
        "You no longer have access to Ema's booking",
    }
    assert sharing.booking_shares(db, principal(db, "anna@example.com"), booking.id)[1][0].text == (
        "Revoked uncle@example.com by the provider"
    )
