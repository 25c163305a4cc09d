"""The console's login (services.people.auth with Area STAFF): the same rules as the client login, its own
accounts, cookies, rate-limit keys and sessions, and never a way from one area into the other."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from client_profile.db import unit_of_work
from client_profile.integrations.crypto import unseal
from client_profile.models import AuthSession, Client, LoginRequest, OutboxMessage, StaffMember, StaffRole
from client_profile.services.people import auth
from client_profile.services.people.auth import CLIENT, STAFF, LoginError
from client_profile.services.people.identity import Principal, StaffPrincipal
from tests.login_helpers import T0, make_client


def _staff(email="sue@example.com", role=StaffRole.office, active=True) -> int:
    provider_id, _ = make_client("someone@example.com")
    with unit_of_work() as db:
        member = StaffMember(provider_id=provider_id, email=email, full_name="Sue Staff", role=role)
        member.is_active = active
        db.add(member)
        db.flush()
        return member.id


def _request(email, area, now=T0, ip="198.51.100.1") -> str:
    with unit_of_work() as db:
        return auth.request_login(db, email, ip, "pytest", now, area=area)


def _secrets(kind: str) -> dict:
    with unit_of_work() as db:
        row = (
            db.execute(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert row is not None, f"no {kind} mail"
        return json.loads(unseal(row.payload["_sealed"]))


def _kinds() -> list[str]:
    with unit_of_work() as db:
        return [r.kind for r in db.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]


def test_staff_code_login_gives_a_staff_principal_and_a_staff_session(clean_db):
    staff_id = _staff()
    flow = _request("  SUE@example.com ", STAFF)
    assert _kinds() == ["staff_login"]
    code = _secrets("staff_login")["code"]
    with unit_of_work() as db:
        token, principal = auth.verify_code(db, flow, code, T0, area=STAFF)
    assert isinstance(principal, StaffPrincipal)
    assert (principal.staff_id, principal.role, principal.email) == (staff_id, "office", "sue@example.com")
    with unit_of_work() as db:
        session = db.execute(select(AuthSession)).scalars().one()
        assert (session.staff_id, session.client_id) == (staff_id, None)
        assert auth.staff_principal_for_token(db, token, T0) == principal
        # The same token is nobody in the client area.
        assert auth.principal_for_token(db, token, T0) is None


def test_a_client_address_gets_no_console_mail_and_a_staff_address_no_profile_mail(clean_db):
    _staff("sue@example.com")
    make_client("ann@example.com")
    _request("ann@example.com", STAFF)
    _request("sue@example.com", CLIENT, ip="198.51.100.2")
    assert _kinds() == []  # same answer, same work, nothing sent (AUTH-8 holds in both areas)
    with unit_of_work() as db:
        rows = db.execute(select(LoginRequest).order_by(LoginRequest.id)).scalars().all()
        assert [(r.area, r.client_id, r.staff_id) for r in rows] == [
            ("staff", None, None),
            ("client", None, None),
        ]


def test_a_flow_or_link_of_one_area_does_not_log_in_to_the_other(clean_db):
    _staff("sue@example.com")
    make_client("sue@example.com")  # the same person is also a parent: two identities
    staff_flow = _request("sue@example.com", STAFF)
    staff_secrets = _secrets("staff_login")
    with unit_of_work() as db, pytest.raises(LoginError) as err:
        auth.verify_code(db, staff_flow, staff_secrets["code"], T0, area=CLIENT)
    assert err.value.code == "no-flow"
    with unit_of_work() as db:
        assert auth.link_status(db, staff_secrets["link_token"], T0, area=CLIENT) == "invalid"
        assert auth.link_status(db, staff_secrets["link_token"], T0, area=STAFF) == "valid"
        with pytest.raises(LoginError):
            auth.confirm_link(db, staff_secrets["link_token"], staff_flow, T0, area=CLIENT)
    with unit_of_work() as db:
        token, principal = auth.confirm_link(db, staff_secrets["link_token"], staff_flow, T0, area=STAFF)
    assert isinstance(principal, StaffPrincipal)
    client_flow = _request("sue@example.com", CLIENT)
    code = _secrets("login")["code"]
    with unit_of_work() as db:
        client_token, client_principal = auth.verify_code(db, client_flow, code, T0)
        assert isinstance(client_principal, Principal)
        assert auth.staff_principal_for_token(db, client_token, T0) is None


def test_wrong_codes_count_on_the_staff_account(clean_db):
    staff_id = _staff()
    flow = _request("sue@example.com", STAFF)
    right = _secrets("staff_login")["code"]
    wrong = "000000" if right != "000000" else "111111"
    with unit_of_work() as db, pytest.raises(LoginError) as err:
        auth.verify_code(db, flow, wrong, T0, area=STAFF)
    assert err.value.code == "wrong-code-4"
    with unit_of_work() as db:
        assert db.get(StaffMember, staff_id).failed_code_count == 1
        assert all(c.failed_code_count == 0 for c in db.execute(select(Client)).scalars())


def test_deactivation_ends_the_staff_session_and_a_role_change_applies_at_once(clean_db):
    staff_id = _staff(role=StaffRole.instructor)
    with unit_of_work() as db:
        token, _ = auth.create_session(db, staff_id, 0, now=T0, area=STAFF)
    with unit_of_work() as db:
        db.get(StaffMember, staff_id).role = StaffRole.owner
    with unit_of_work() as db:
        assert auth.staff_principal_for_token(db, token, T0 + timedelta(minutes=1)).role == "owner"
        db.get(StaffMember, staff_id).is_active = False
    with unit_of_work() as db:
        assert auth.staff_principal_for_token(db, token, T0 + timedelta(minutes=2)) is None


def test_staff_logout_everywhere_revokes_only_staff_sessions(clean_db):
    staff_id = _staff("sue@example.com")
    with unit_of_work() as db:
        client_id = db.execute(select(Client.id)).scalar_one()
        staff_token, _ = auth.create_session(db, staff_id, 0, now=T0, area=STAFF)
        client_token, _ = auth.create_session(db, client_id, 0, now=T0)
    with unit_of_work() as db:
        principal = auth.staff_principal_for_token(db, staff_token, T0)
        assert auth.logout_everywhere(db, principal, T0) == 1
    with unit_of_work() as db:
        assert auth.staff_principal_for_token(db, staff_token, T0) is None
        assert auth.principal_for_token(db, client_token, T0) is not None


def test_a_deactivated_staff_member_gets_no_mail(clean_db):
    _staff(active=False)
    _request("sue@example.com", STAFF)
    assert _kinds() == []


@pytest.mark.parametrize(
    "raw,area,expected",
    [
        ("/admin/staff", STAFF, "/admin/staff"),
        ("/admin", STAFF, "/admin"),
        ("/payments", STAFF, "/admin"),  # a client page is not a console destination
        ("/admin/staff", CLIENT, "/"),  # nor the other way round
        ("/administrator", CLIENT, "/administrator"),
        ("/admin/login/code", STAFF, "/admin"),
        ("//evil.example/admin", STAFF, "/admin"),
    ],
)
def test_return_paths_stay_in_their_area(raw, area, expected):
    assert auth.safe_return_path(raw, area) == expected


def test_cookie_names_differ_per_area():
    assert auth.session_cookie_name(STAFF) != auth.session_cookie_name(CLIENT)
    assert auth.flow_cookie_name(STAFF) != auth.flow_cookie_name(CLIENT)
