"""services.integrations.api_keys: who makes keys, what is stored, how a key is resolved, revoked and rate-limited;
updated_at kept on every change (models.base.updated_at_field)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from client_profile.clock import utcnow
from client_profile.models import ApiKey, AuditEntry, Family, StaffMember
from client_profile.models.base import as_utc
from client_profile.services.errors import FieldErrors, Forbidden, NotFound
from client_profile.services.integrations import api_keys
from client_profile.services.people import audit, staff
from client_profile.services.people.identity import StaffPrincipal


def _principal(member: StaffMember) -> StaffPrincipal:
    return StaffPrincipal(member.id, member.provider_id, 0, member.email, member.full_name, member.role.value)


@pytest.fixture
def team(demo):
    owner = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    office = staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return demo, _principal(owner), _principal(office)


def test_an_owner_makes_a_key_that_is_shown_once_and_stored_only_as_a_hash(team):
    db, owner, _ = team
    row, key = api_keys.create_key(db, owner, "  Accounting   export ", True)
    db.commit()
    assert key.startswith("cpk_") and len(key) == api_keys.KEY_LENGTH and row.prefix == key[:12]
    assert row.name == "Accounting export" and row.scope.value == "write"
    stored = db.exec(select(ApiKey)).one()
    assert key not in (stored.secret_hash, stored.prefix, stored.name) and len(stored.secret_hash) == 64
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "api_key.create")).one()
    assert key not in entry.after_json and row.prefix in entry.summary
    caller = api_keys.authenticate(db, f"Bearer {key}")
    assert (caller.key_id, caller.provider_id, caller.may_write) == (row.id, owner.provider_id, True)


def test_only_owners_make_list_or_revoke_keys(team):
    db, owner, office = team
    row, _ = api_keys.create_key(db, owner, "Sync", False)
    db.commit()
    with pytest.raises(Forbidden):
        api_keys.create_key(db, office, "Mine", True)
    with pytest.raises(Forbidden):
        api_keys.list_keys(db, office)
    with pytest.raises(Forbidden):
        api_keys.revoke_key(db, office, row.id)
    with pytest.raises(NotFound):  # a client principal never learns the console exists
        api_keys.list_keys(db, object())


@pytest.mark.parametrize("name", ["", "   ", None, 5, "x" * 101, "a\x00b"])
def test_a_key_needs_a_plain_name(team, name):
    db, owner, _ = team
    with pytest.raises(FieldErrors) as refused:
        api_keys.create_key(db, owner, name, False)
    assert "name" in refused.value.fields


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Basic abc",
        "Bearer cpk_",
        "Bearer " + "x" * api_keys.KEY_LENGTH,
        "Token {key}",
        "Bearer {key}x",
        "Bearer {other}",
    ],
)
def test_malformed_unknown_or_wrong_keys_are_refused(team, header):
    db, owner, _ = team
    _, key = api_keys.create_key(db, owner, "Sync", False)
    other = key[:12] + "_" + "A" * 43  # the right prefix, another secret
    db.commit()
    with pytest.raises(api_keys.InvalidKey):
        api_keys.authenticate(db, header.format(key=key, other=other) if header else header)


def test_a_revoked_key_is_refused_at_once_and_revoking_twice_audits_once(team):
    db, owner, _ = team
    row, key = api_keys.create_key(db, owner, "Sync", False)
    db.commit()
    api_keys.revoke_key(db, owner, row.id)
    api_keys.revoke_key(db, owner, row.id)
    db.commit()
    with pytest.raises(api_keys.InvalidKey):
        api_keys.authenticate(db, f"Bearer {key}")
    assert len(db.exec(select(AuditEntry).where(AuditEntry.action == "api_key.revoke")).all()) == 1
    listed = api_keys.list_keys(db, owner)
    assert listed[0].is_revoked and listed[0].revoked
    for junk in (0, -1, 2**63, "1", None, 1.5):
        with pytest.raises(NotFound):
            api_keys.revoke_key(db, owner, junk)


def test_the_cli_key_is_audited_as_the_operator(demo):
    row, key = api_keys.create_key_as_operator(demo, "Export", False)
    demo.commit()
    entry = demo.exec(select(AuditEntry).where(AuditEntry.action == "api_key.create")).one()
    assert entry.actor == "operator" and entry.staff_id is None
    assert api_keys.authenticate(demo, f"bearer {key}").scope == "read"
    assert "(command line)" in api_keys.list_keys(demo, _principal(_owner(demo)))[0].created


def _owner(db) -> StaffMember:
    return db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()


def test_the_rate_limit_counts_a_minute_per_key_and_records_the_last_use(team):
    db, owner, _ = team
    _, key = api_keys.create_key(db, owner, "Sync", False)
    db.commit()
    caller = api_keys.authenticate(db, f"Bearer {key}")
    now = utcnow()
    assert [api_keys.count_request(db, caller, 3, now) for _ in range(3)] == [None, None, None]
    assert api_keys.count_request(db, caller, 3, now + timedelta(seconds=20)) == 40
    assert api_keys.count_request(db, caller, 3, now + timedelta(seconds=60)) is None  # a new minute
    db.commit()
    stored = db.exec(select(ApiKey)).one()
    db.refresh(stored)
    assert as_utc(stored.last_used_at) == now + timedelta(seconds=60) and stored.window_count == 1
    assert api_keys.list_keys(db, owner)[0].last_used


def test_updated_at_moves_on_orm_and_core_updates(demo):
    family = demo.exec(select(Family).order_by(Family.id)).first()
    assert family.updated_at is not None
    later = utcnow() + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        family.name = "Renamed"
        demo.add(family)
        demo.commit()
    demo.refresh(family)
    assert as_utc(family.updated_at) == later
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        audit.claim_version(
            demo, Family, family.id, family.version, "family"
        )  # the console's edits: Core UPDATE
        demo.commit()
    demo.refresh(family)
    assert as_utc(family.updated_at) == later + timedelta(hours=1)
