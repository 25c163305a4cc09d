"""services.people.staff and services.people.audit: who may manage staff, the last-owner rules, versions, the
audit trail and its filters."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from client_profile.models import AuditEntry, AuthSession, OutboxMessage, StaffMember, StaffRole
from client_profile.services.errors import DomainError, Forbidden, NotFound, StaleEdit
from client_profile.services.people import audit, auth, staff
from client_profile.services.people.access import Capability, require_staff, staff_may
from client_profile.services.people.identity import Principal, StaffPrincipal


def _principal(member: StaffMember) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=member.id,
        provider_id=member.provider_id,
        session_id=0,
        email=member.email,
        full_name=member.full_name,
        role=member.role.value,
    )


@pytest.fixture
def team(demo):
    """The demo's owner (office@example.com) and instructor (martina), plus an office member."""
    owner = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    martina = demo.exec(select(StaffMember).where(StaffMember.email == "martina@example.com")).one()
    office = staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return demo, _principal(owner), _principal(office), _principal(martina)


def test_the_demo_has_an_owner_and_martina_teaching_the_tuesday_beginners(demo):
    from client_profile.models import ClassGroup

    rows = {m.email: m.role for m in demo.exec(select(StaffMember)).all()}
    assert rows == {"office@example.com": StaffRole.owner, "martina@example.com": StaffRole.instructor}
    tuesday = demo.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Tuesday 16:00")).one()
    martina = demo.exec(select(StaffMember).where(StaffMember.email == "martina@example.com")).one()
    assert tuesday.instructor_id == martina.id and tuesday.instructor == "Martina Kovacova"


def test_roles_grant_their_capabilities():
    def p(role):
        return StaffPrincipal(1, 1, 1, "x@example.com", "X", role)

    assert all(staff_may(p("owner"), c) for c in Capability)
    assert {c for c in Capability if staff_may(p("office"), c)} == {
        Capability.schedule,
        Capability.people,
        Capability.money,
        Capability.messages,
        Capability.register,
    }
    assert {c for c in Capability if staff_may(p("instructor"), c)} == {Capability.register}
    assert not staff_may(p("janitor"), Capability.register)
    client = Principal(client_id=1, provider_id=1, family_id=1, session_id=1, email="a@b.c", full_name="A")
    assert not staff_may(client, Capability.register)
    with pytest.raises(NotFound):
        require_staff(client, Capability.register)
    with pytest.raises(NotFound):
        require_staff(None, Capability.register)
    with pytest.raises(Forbidden):
        require_staff(p("instructor"), Capability.people)


def test_an_owner_invites_and_the_invitee_is_mailed_and_audited(team):
    db, owner, _, _ = team
    member = staff.add_staff(db, " New.Coach@Example.com ", "instructor", "  Nina   Coach ", by=owner)
    db.commit()
    assert (member.email, member.full_name, member.role, member.invited_by_id) == (
        "new.coach@example.com",
        "Nina Coach",
        StaffRole.instructor,
        owner.staff_id,
    )
    mail = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "staff_invite")).one()
    assert mail.payload["staff_id"] == member.id
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.action == "staff.add").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.staff_id == owner.staff_id and entry.actor == "office@example.com"
    assert json.loads(entry.after_json)["email"] == "new.coach@example.com"


@pytest.mark.parametrize(
    "email,role,message",
    [
        ("martina@example.com", "office", "already a staff member"),
        ("not-an-address", "office", "valid e-mail"),
        ("x@example.com", "boss", "owner, office, instructor"),
        ("x@example.com", None, "owner, office, instructor"),
    ],
)
def test_bad_invitations_are_refused_and_write_nothing(team, email, role, message):
    db, owner, _, _ = team
    before = db.exec(select(StaffMember)).all()
    with pytest.raises(DomainError, match=message):
        staff.add_staff(db, email, role, by=owner)
    db.rollback()
    assert db.exec(select(StaffMember)).all() == before


def test_only_owners_manage_staff(team):
    db, owner, office, martina = team
    for who in (office, martina):
        with pytest.raises(Forbidden):
            staff.add_staff(db, "x@example.com", "office", by=who)
        with pytest.raises(Forbidden):
            staff.list_staff(db, who)
        with pytest.raises(Forbidden):
            staff.change_role(db, who, owner.staff_id, "instructor", 0)
        with pytest.raises(Forbidden):
            staff.set_active(db, who, owner.staff_id, False, 0)
        with pytest.raises(Forbidden):
            audit.list_entries(db, who)


def test_the_last_owner_stays_an_active_owner(team):
    db, owner, office, _ = team
    with pytest.raises(DomainError, match="last owner"):
        staff.change_role(db, owner, owner.staff_id, "office", 0)
    with pytest.raises(DomainError, match="yourself"):
        staff.set_active(db, owner, owner.staff_id, False, 0)
    staff.change_role(db, owner, office.staff_id, "owner", 0)
    db.commit()
    staff.change_role(db, owner, owner.staff_id, "office", 0)  # now there is another owner
    db.commit()
    assert db.get(StaffMember, owner.staff_id).role == StaffRole.office


def test_a_stale_version_is_refused_and_nothing_changes(team):
    db, owner, office, _ = team
    staff.change_role(db, owner, office.staff_id, "instructor", 0)
    db.commit()
    with pytest.raises(StaleEdit, match="changed by someone else"):
        staff.change_role(db, owner, office.staff_id, "owner", 0)  # opened before the change above
    db.rollback()
    assert db.get(StaffMember, office.staff_id).role == StaffRole.instructor
    for junk in (None, "1", -1, True, 1.5):
        with pytest.raises(StaleEdit):
            staff.change_role(db, owner, office.staff_id, "owner", junk)
        db.rollback()


def test_deactivating_ends_sessions_and_reactivating_allows_login_again(team):
    db, owner, office, _ = team
    token, _ = auth.create_session(db, office.staff_id, 0, area=auth.STAFF)
    db.commit()
    staff.set_active(db, owner, office.staff_id, False, 0)
    db.commit()
    assert auth.staff_principal_for_token(db, token) is None
    assert db.exec(select(AuthSession).where(AuthSession.staff_id == office.staff_id)).one().revoked_at
    staff.set_active(db, owner, office.staff_id, True, 1)
    db.commit()
    assert db.get(StaffMember, office.staff_id).is_active


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1", None, [], {}, 1.5, True])
def test_junk_ids_are_not_found(team, junk):
    db, owner, _, _ = team
    with pytest.raises(NotFound):
        staff.change_role(db, owner, junk, "office", 0)
    with pytest.raises(NotFound):
        staff.set_active(db, owner, junk, False, 0)


def test_the_audit_log_lists_changes_and_filters(team):
    db, owner, office, martina = team
    staff.change_role(db, owner, office.staff_id, "instructor", 0)
    staff.set_active(db, owner, martina.staff_id, False, 0)
    db.commit()
    rows = audit.list_entries(db, owner)
    assert [r.action for r in rows[:2]] == ["staff.deactivate", "staff.role"]
    assert json.loads(rows[1].before) == {"role": "office"} and json.loads(rows[1].after) == {
        "role": "instructor"
    }
    assert [r.action for r in audit.list_entries(db, owner, staff_id=owner.staff_id)] == [
        "staff.deactivate",
        "staff.role",
    ]
    assert audit.list_entries(db, owner, family_id=12345) == []
    assert audit.list_entries(db, owner, family_id="junk") == []
    assert len(audit.list_entries(db, owner, before_id=rows[0].id)) == len(rows) - 1
