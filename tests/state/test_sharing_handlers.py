"""The sharing handlers (BookingState's share dialog and list, InvitationState) called by everyone: the owner's
family, shared persons by scope, a pending invitee, another family, a revoked person, anonymous; with hostile
arguments. Only what services.people.sharing allows happens; everything else changes nothing."""

from __future__ import annotations

import json

import pytest
import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from sqlmodel import func, select

from client_profile.integrations.crypto import unseal
from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    BookingShareEvent,
    Client,
    OutboxMessage,
)
from client_profile.services.notifications import outbox
from client_profile.services.people import sharing
from client_profile.services.people.identity import Principal
from client_profile.state.booking import BookingState
from client_profile.state.home import HomeState
from client_profile.state.invitation import InvitationsState, InvitationState
from tests.state.test_handlers import HOSTILE, cookie_for, is_redirect_to_login, snapshot

GRANDMA, RITA = "grandma@example.com", "rita@example.com"


def principal(db, email: str) -> Principal:
    c = db.exec(select(Client).where(Client.email == email)).one()
    return Principal(c.id, c.provider_id, c.family_id, 0, c.email, c.full_name)


def tab(cookie: str | None, path: str, cls=BookingState):
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData(
        headers=HeaderData(cookie=cookie or ""), url=ReflexURL(f"http://localhost:3000{path}")
    )
    return root.get_substate(cls.get_full_name().split(".")[1:])


def last_token(db, share_id: int) -> str:
    for row in db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())):
        if row.payload.get("share_id") == share_id and row.payload.get("event") == "invited":
            return json.loads(unseal(row.payload[outbox.SEALED_KEY]))["token"]
    raise AssertionError("no invitation")


def shares_state(db) -> str:
    """Every share and history row: what a refused call must leave as it was."""
    rows = [
        (
            s.id,
            s.grantee_email,
            s.grantee_client_id,
            s.can_pay,
            s.can_manage,
            str(s.revoked_at),
            s.invite_token_hash,
        )
        for s in db.exec(select(BookingShare).order_by(BookingShare.id))
    ]
    return json.dumps([rows, db.exec(select(func.count()).select_from(BookingShareEvent)).one()])


@pytest.fixture
def world(demo):
    """Ema's booking shared with Peter (view, the demo's), Rita (accepted, then revoked) and invited to Grandma
    (pending, may pay); Gina accepted with the pay scope."""
    db = demo
    anna = principal(db, "anna@example.com")
    ema = db.exec(select(Attendee).where(Attendee.first_name == "Ema")).one()
    booking = db.exec(select(Booking).where(Booking.attendee_id == ema.id).order_by(Booking.id)).first()
    pending, _ = sharing.invite(db, anna, booking.id, GRANDMA, "Grandma", True, False)
    rita, _ = sharing.invite(db, anna, booking.id, RITA)
    gina, _ = sharing.invite(db, anna, booking.id, "gina@example.com", "", True, False)
    db.commit()
    for share, email in ((rita, RITA), (gina, "gina@example.com")):
        sharing.answer_invitation(db, principal(db, email), last_token(db, share.id), True)
    sharing.revoke(db, anna, rita.id)
    db.commit()
    peter = db.exec(select(BookingShare).where(BookingShare.grantee_email == "peter@example.com")).one()
    return {
        "db": db,
        "booking": booking,
        "path": f"/bookings/{booking.id}",
        "pending": pending,
        "peter": peter,
        "gina": gina,
        "token": last_token(db, pending.id),
    }


OUTSIDERS = ["peter@example.com", "gina@example.com", GRANDMA, "ben@example.com", RITA, None]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_family_shares_changes_revokes_and_resends(world, who):
    db = world["db"]
    cookie = cookie_for(db, who) if who else None
    page = tab(cookie, world["path"])
    first = page.load_booking()
    before = shares_state(db)
    calls = [
        lambda: page.save_share({"email": "eve@example.com", "can_pay": "on", "can_manage": "on"}),
        lambda: page.revoke_share(world["peter"].id),
        lambda: page.revoke_share(world["pending"].id),
        lambda: page.resend_invitation(world["pending"].id),
        lambda: page.edit_share(world["gina"].id),
    ]
    for call in calls:
        result = call()
        if who is None:
            assert is_redirect_to_login(first) and is_redirect_to_login(result)
    db.rollback()  # a fresh read
    assert shares_state(db) == before
    assert not page.may_share and page.shares == [] and not page.share_open
    assert "grandma@example.com" not in snapshot(page) and "rita" not in snapshot(page)
    assert db.exec(select(Client).where(Client.email == "eve@example.com")).first() is None


def test_the_owner_invites_changes_resends_and_revokes(world):
    db = world["db"]
    page = tab(cookie_for(db, "anna@example.com"), world["path"])
    page.load_booking()
    assert page.may_share
    assert {(r.email, r.status) for r in page.shares} == {
        ("peter@example.com", "active"),
        (GRANDMA, "pending"),
        ("gina@example.com", "active"),
    }
    page.open_share()
    assert page.share_open and page.share_editing == ""
    page.save_share({"email": "Eve@Example.com", "name": "Eve", "can_pay": "on"})
    assert page.error == "" and not page.share_open
    assert page.message == "Invitation sent to eve@example.com. It is valid for 7 days."
    page.save_share({"email": "eve@example.com", "can_pay": "on"})
    assert page.message == "Already shared with eve@example.com."
    assert len([r for r in page.shares if r.email == "eve@example.com"]) == 1

    page.edit_share(world["gina"].id)
    assert page.share_open and page.share_editing == "gina@example.com" and page.share_pay
    page.save_share({"can_manage": "on"})
    assert (page.error, page.message) == ("", "Saved: gina@example.com may now do what you chose.")
    db.rollback()  # a fresh read
    scope = select(BookingShare.can_pay, BookingShare.can_manage).where(BookingShare.id == world["gina"].id)
    assert tuple(db.exec(scope).one()) == (False, True)

    page.resend_invitation(world["pending"].id)
    assert page.message.startswith("A new invitation was sent to grandma@example.com")
    page.revoke_share(world["peter"].id)
    assert page.message == "peter@example.com no longer has access."
    assert "peter@example.com" not in [r.email for r in page.shares]
    assert page.share_history[0].text == "Revoked peter@example.com by anna@example.com"


@pytest.mark.parametrize("junk", HOSTILE)
def test_the_owner_with_hostile_arguments_changes_nothing(world, junk):
    db = world["db"]
    page = tab(cookie_for(db, "anna@example.com"), world["path"])
    page.load_booking()
    before = shares_state(db)
    for call in (page.revoke_share, page.resend_invitation, page.edit_share):
        call(junk)
        assert not page.share_open
    page.save_share(junk)
    page.save_share({"email": junk, "name": junk, "can_pay": junk})
    db.rollback()  # a fresh read
    assert shares_state(db) == before


def test_a_bad_address_keeps_the_dialog_open_with_the_reason(world):
    db = world["db"]
    page = tab(cookie_for(db, "anna@example.com"), world["path"])
    page.load_booking()
    page.open_share()
    page.save_share({"email": "anna@example.com"})
    assert page.share_open and "belongs to your family" in page.error


def test_ben_cannot_share_his_own_way_into_annas_booking(world):
    """The booking id comes from the page's address, and the service checks it belongs to the caller's family."""
    db = world["db"]
    page = tab(cookie_for(db, "ben@example.com"), world["path"])
    page.load_booking()
    before = shares_state(db)
    page.save_share({"email": "ben2@example.com"})
    assert page.error == "This booking was not found."
    db.rollback()  # a fresh read
    assert shares_state(db) == before


@pytest.mark.parametrize(
    "who,may_leave",
    [
        ("peter@example.com", True),
        ("gina@example.com", True),
        (GRANDMA, False),
        (RITA, False),
        ("ben@example.com", False),
        ("anna@example.com", False),
        (None, False),
    ],
)
def test_only_an_active_shared_person_leaves(world, who, may_leave):
    db = world["db"]
    page = tab(cookie_for(db, who) if who else None, world["path"])
    page.load_booking()
    before = shares_state(db)
    result = page.leave_share()
    db.rollback()  # a fresh read
    if may_leave:
        assert page.error == "" and "/bookings" in str(result)
        ended = select(BookingShare.revoked_at).where(BookingShare.grantee_email == who)
        assert db.exec(ended).one() is not None
    else:
        assert shares_state(db) == before
        assert is_redirect_to_login(result) if who is None else page.error == "This share was not found."


@pytest.mark.parametrize(
    "who,status",
    [
        (GRANDMA, "open"),
        ("peter@example.com", "wrong_address"),
        ("ben@example.com", "wrong_address"),
        ("anna@example.com", "wrong_address"),
        (None, None),
    ],
)
def test_the_invitation_answers_only_for_the_invited_address(world, who, status):
    db = world["db"]
    page = tab(cookie_for(db, who) if who else None, f"/invitation/{world['token']}", InvitationState)
    first = page.load_invitation()
    before = shares_state(db)
    if who is None:
        assert is_redirect_to_login(first) and is_redirect_to_login(page.accept_invitation())
        return
    assert page.status == status
    if status != "open":
        assert page.attendee == "Ema" and page.invited_email == GRANDMA
        page.accept_invitation()
        page.decline_invitation()
        db.rollback()  # a fresh read
        assert shares_state(db) == before and "log in with that address" in page.error
        return
    assert (page.attendee, page.access) == ("Ema", "see the booking and get its messages, and pay its items")
    result = page.accept_invitation()
    assert f"/bookings/{world['booking'].id}" in str(result)
    page.load_invitation()
    assert page.status == "gone"  # used once
    db.rollback()
    booking = tab(cookie_for(db, GRANDMA), world["path"])
    booking.load_booking()
    assert (
        not booking.not_found and booking.shared_with_me and not booking.can_manage and not booking.may_share
    )


@pytest.mark.parametrize("junk", ["", "x", "A" * 43, "../../etc", "%00"])
def test_junk_invitation_links_are_gone(world, junk):
    db = world["db"]
    page = tab(cookie_for(db, GRANDMA), f"/invitation/{junk}", InvitationState)
    page.load_invitation()
    assert page.status == "gone" and page.attendee == ""
    before = shares_state(db)
    page.accept_invitation()
    db.rollback()  # a fresh read
    assert shares_state(db) == before and page.error == "This invitation was not found."


def test_a_revoked_persons_open_page_loses_the_booking_at_the_next_event(world):
    db = world["db"]
    gina_page = tab(cookie_for(db, "gina@example.com"), world["path"])
    gina_page.load_booking()
    assert not gina_page.not_found and gina_page.attendee == "Ema"
    owner = tab(cookie_for(db, "anna@example.com"), world["path"])
    owner.load_booking()
    owner.revoke_share(world["gina"].id)
    gina_page.refresh("tick")  # the live poll
    assert gina_page.not_found and gina_page.attendee in ("", "Ema") and gina_page.upcoming == []
    gina_page.show_tab("sessions")  # or any action
    assert gina_page.not_found


@pytest.mark.parametrize("who", ["peter@example.com", "ben@example.com", "anna@example.com", RITA, None])
def test_the_invitations_page_shows_and_answers_only_ones_own(world, who):
    db = world["db"]
    page = tab(cookie_for(db, who) if who else None, "/invitations", InvitationsState)
    first = page.load_invitations()
    before = shares_state(db)
    for junk in [world["pending"].id, world["peter"].id, *HOSTILE]:
        result = page.accept_shared(junk)
        page.decline_shared(junk)
        if who is None:
            assert is_redirect_to_login(first) and is_redirect_to_login(result)
        else:
            assert page.error == "This invitation was not found."
    db.rollback()  # a fresh read
    assert shares_state(db) == before and page.invitations == []


def test_grandma_finds_her_invitation_after_any_login(world):
    db = world["db"]
    home = tab(cookie_for(db, GRANDMA), "/", HomeState)
    home.load_home()
    assert home.open_invitations == 1
    page = tab(cookie_for(db, GRANDMA), "/invitations", InvitationsState)
    page.load_invitations()
    assert [(v.attendee, v.share_id) for v in page.invitations] == [("Ema", world["pending"].id)]
    page.accept_shared(world["pending"].id)
    assert page.message == "Accepted: the booking is now in your profile." and page.invitations == []
    page.accept_shared(world["pending"].id)  # twice: applied once
    assert page.error == "This invitation was not found."
    db.rollback()
    events = db.exec(
        select(BookingShareEvent.action).where(BookingShareEvent.share_id == world["pending"].id)
    )
    assert list(events).count("accepted") == 1
    home.load_home()
    assert home.open_invitations == 0 and [m.first_name for m in home.members] == ["Ema"]
