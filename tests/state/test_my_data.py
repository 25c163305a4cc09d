"""The "My data" card's handlers (state/my_data.py): a fresh code for this session, then the deletion request;
hostile input refused with a message and nothing changed; no session -> login."""

from __future__ import annotations

import pytest
from sqlmodel import select

from client_profile.models import AuthSession, Client, DeletionRequest, OutboxMessage
from client_profile.state.admin.deletions import AdminDeletionsState
from tests.state.test_admin_handlers import _cookie as _admin_cookie
from tests.state.test_admin_handlers import _state as _admin_state
from tests.state.test_handlers import HOSTILE, cookie_for, is_redirect_to_login, snapshot, states
from tests.unit.test_my_data import step_up_code


def _fresh(db):
    db.commit()
    db.expire_all()
    return db


def test_anna_asks_for_a_code_junk_is_refused_and_the_code_unlocks_the_card(demo):
    _, tab = states(cookie_for(demo, "anna@example.com"), "/account")
    page = tab["MyDataState"]
    assert page.load_my_data() is None
    assert page.loaded and not page.step_up_active and page.can_request_deletion
    assert page.retention_years == 10
    page.request_deletion()  # no fresh code yet: refused, nothing recorded
    assert "fresh code" in page.error
    assert _fresh(demo).exec(select(DeletionRequest)).all() == []
    assert page.send_code() is None and page.code_sent and "6-digit code" in page.message
    code = step_up_code(_fresh(demo))
    for junk in HOSTILE:
        page.confirm_code(junk)
        assert page.error and not page.step_up_active
        page.confirm_code({"code": junk})
        assert page.error and not page.step_up_active
    # Junk never counts as a try (it is refused before): the mailed code still works.
    assert page.send_code() is None and "wait a minute" in page.error  # one code a minute
    page.confirm_code({"code": code})
    assert page.error == "" and page.step_up_active
    assert "Lily" not in snapshot(page) and "Carter" not in snapshot(page)


def test_a_valid_code_unlocks_the_card_and_deletion_logs_the_family_out(demo):
    _, tab = states(cookie_for(demo, "anna@example.com"), "/account")
    _, other_tab = states(cookie_for(demo, "anna@example.com"), "/")
    assert other_tab["HomeState"].load_home() is None and other_tab["HomeState"].members
    page = tab["MyDataState"]
    page.load_my_data()
    page.send_code()
    code = step_up_code(_fresh(demo))
    page.confirm_code({"code": "000000" if code != "000000" else "111111"})
    assert "tries left" in page.error and not page.step_up_active
    page.confirm_code({"code": code})
    assert page.error == "" and page.step_up_active and "Confirmed" in page.message
    assert is_redirect_to_login(page.request_deletion())
    member = other_tab["HomeState"].members[0].id
    assert is_redirect_to_login(other_tab["HomeState"].select_member(member))  # an open tab loses access
    assert is_redirect_to_login(page.load_my_data())
    db = _fresh(demo)
    assert len(db.exec(select(DeletionRequest)).all()) == 1
    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    live = select(AuthSession).where(AuthSession.client_id == anna.id, AuthSession.revoked_at.is_(None))
    assert db.exec(live).all() == []
    assert db.exec(select(OutboxMessage).where(OutboxMessage.kind == "deletion_request")).one()


def test_peter_may_export_but_not_ask_to_delete_annas_family(demo):
    _, s = states(cookie_for(demo, "peter@example.com"), "/account")
    page = s["MyDataState"]
    page.load_my_data()
    assert not page.can_request_deletion
    page.send_code()
    page.confirm_code({"code": step_up_code(_fresh(demo))})
    assert page.step_up_active
    assert page.request_deletion() is None
    assert "Only a member of the family" in page.error
    assert _fresh(demo).exec(select(DeletionRequest)).all() == []
    assert "Lily" not in snapshot(page) and "Carter" not in snapshot(page)


@pytest.mark.parametrize("cookie", [None, "", "cp_session=not-a-token"])
def test_without_a_session_every_handler_sends_to_login(demo, cookie):
    _, s = states(cookie, "/account")
    page = s["MyDataState"]
    for call in (
        page.load_my_data,
        page.send_code,
        lambda: page.confirm_code({"code": "123456"}),
        page.request_deletion,
    ):
        assert is_redirect_to_login(call())
    db = _fresh(demo)
    assert db.exec(select(OutboxMessage).where(OutboxMessage.kind == "step_up")).all() == []
    assert db.exec(select(DeletionRequest)).all() == []


def test_the_owner_sees_the_request_and_confirms_it_once(demo):
    _, tab = states(cookie_for(demo, "anna@example.com"), "/account")
    page = tab["MyDataState"]
    page.load_my_data()
    page.send_code()
    page.confirm_code({"code": step_up_code(_fresh(demo))})
    page.request_deletion()
    console = _admin_state(AdminDeletionsState, _admin_cookie(_fresh(demo), "owner"), "/admin/families")
    assert console.load_admin_deletions() is None
    assert [r.family_name for r in console.requests] == ["Novak"]
    for junk in HOSTILE:
        console.confirm_deletion(junk)
        assert console.error == "This deletion request was not found."
    console.confirm_deletion(console.requests[0].request_id)
    assert console.error == "" and "anonymised" in console.message and console.requests == []
    db = _fresh(demo)
    assert db.exec(select(Client).where(Client.email == "anna@example.com")).first() is None
    assert db.exec(select(DeletionRequest)).one().confirmed_at is not None
