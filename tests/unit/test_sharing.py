"""services.people.sharing: admin-side grant/revoke of shared access to a booking."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import SQLModel, func, select

from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    ClassGroup,
    Client,
    Family,
    Programme,
    Provider,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people.sharing import grant_share, revoke_share


@pytest.fixture
def world(db):
    provider = Provider(slug="p", name="P")
    db.add(provider)
    db.flush()
    family = Family(provider_id=provider.id, name="Novak")
    db.add(family)
    db.flush()
    parent = Client(provider_id=provider.id, email="anna@example.com", full_name="Anna", family_id=family.id)
    child = Attendee(family_id=family.id, first_name="Ema")
    programme = Programme(provider_id=provider.id, name="Swim")
    db.add_all([parent, child, programme])
    db.flush()
    group = ClassGroup(programme_id=programme.id, name="Tue", weekday=1, start_time=time(16))
    db.add(group)
    db.flush()
    booking = Booking(provider_id=provider.id, attendee_id=child.id, class_id=group.id)
    other_family = Family(provider_id=provider.id, name="Carter")
    db.add_all([booking, other_family])
    db.flush()
    ben = Client(provider_id=provider.id, email="ben@example.com", full_name="Ben", family_id=other_family.id)
    db.add(ben)
    db.commit()
    return {"provider": provider, "family": family, "parent": parent, "booking": booking, "ben": ben}


def _counts(db) -> dict[str, int]:
    tables = SQLModel.metadata.sorted_tables
    return {t.name: db.exec(select(func.count()).select_from(t)).one() for t in tables}


def test_grant_to_new_address_creates_a_login_without_family(db, world):
    share = grant_share(db, world["booking"].id, "  Peter@Example.COM ", created_by=world["parent"].id)
    db.commit()
    peter = db.exec(select(Client).where(Client.email == "peter@example.com")).one()
    assert peter.family_id is None
    assert peter.provider_id == world["provider"].id
    assert share.grantee_email == "peter@example.com"
    assert share.grantee_client_id == peter.id
    assert (share.notify, share.can_pay, share.can_manage) == (True, False, False)
    assert share.created_by_client_id == world["parent"].id
    assert share.revoked_at is None


def test_grant_links_an_existing_client_of_another_family(db, world):
    before = db.exec(select(func.count()).select_from(Client)).one()
    share = grant_share(
        db, world["booking"].id, "BEN@example.com", notify=False, can_pay=True, can_manage=True
    )
    db.commit()
    assert db.exec(select(func.count()).select_from(Client)).one() == before
    assert share.grantee_client_id == world["ben"].id
    assert (share.notify, share.can_pay, share.can_manage) == (False, True, True)
    assert share.created_by_client_id is None


def test_granting_again_updates_the_scope_without_a_duplicate(db, world):
    first = grant_share(db, world["booking"].id, "peter@example.com")
    second = grant_share(db, world["booking"].id, "Peter@example.com", can_pay=True)
    db.commit()
    assert first.id == second.id
    rows = db.exec(select(BookingShare)).all()
    assert len(rows) == 1 and rows[0].can_pay is True
    peters = select(func.count()).select_from(Client).where(Client.email == "peter@example.com")
    assert db.exec(peters).one() == 1


def test_revoke_then_grant_reactivates_the_same_row(db, world):
    share = grant_share(db, world["booking"].id, "peter@example.com", can_manage=True)
    revoked = revoke_share(db, world["booking"].id, " PETER@example.com")
    db.commit()
    assert revoked.id == share.id and revoked.revoked_at is not None
    with pytest.raises(NotFound):
        revoke_share(db, world["booking"].id, "peter@example.com")
    again = grant_share(db, world["booking"].id, "peter@example.com")
    db.commit()
    assert again.id == share.id
    assert again.revoked_at is None
    assert again.can_manage is False  # the new grant's scope, not the old one
    assert db.exec(select(func.count()).select_from(BookingShare)).one() == 1


@pytest.mark.parametrize("email", ["", "   ", "not-an-email", "a@b", "x@[127.0.0.1]", None, 42])
def test_bad_address_changes_nothing(db, world, email):
    before = _counts(db)
    with pytest.raises(DomainError):
        grant_share(db, world["booking"].id, email)
    db.rollback()
    assert _counts(db) == before


@pytest.mark.parametrize("booking_id", [0, -1, 999_999, "1", None, True, 1.0])
def test_unknown_or_malformed_booking_is_not_found(db, world, booking_id):
    before = _counts(db)
    with pytest.raises(NotFound):
        grant_share(db, booking_id, "peter@example.com")
    with pytest.raises(NotFound):
        revoke_share(db, booking_id, "peter@example.com")
    db.rollback()
    assert _counts(db) == before


def test_member_of_the_booking_family_is_refused(db, world):
    before = _counts(db)
    with pytest.raises(DomainError, match="family"):
        grant_share(db, world["booking"].id, "Anna@Example.com")
    db.rollback()
    assert _counts(db) == before


def test_non_boolean_scope_and_unknown_creator_are_refused(db, world):
    before = _counts(db)
    with pytest.raises(DomainError):
        grant_share(db, world["booking"].id, "peter@example.com", can_pay="yes")
    with pytest.raises(NotFound):
        grant_share(db, world["booking"].id, "peter@example.com", created_by=987654)
    db.rollback()
    assert _counts(db) == before


def test_revoke_of_a_never_shared_address_is_not_found(db, world):
    grant_share(db, world["booking"].id, "peter@example.com")
    db.commit()
    with pytest.raises(NotFound):
        revoke_share(db, world["booking"].id, "someone@example.com")
    with pytest.raises(DomainError):
        revoke_share(db, world["booking"].id, "bad address")
