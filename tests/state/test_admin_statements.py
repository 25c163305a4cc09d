"""The statement page's handlers: what the office sees, "Settle N matched payments", a reference typed by hand
(a refusal shows under that line's field), and the page after a second upload of the same file."""

from __future__ import annotations

import pytest
from sqlmodel import select

from client_profile.models import BankStatementLine, Charge, ChargeStatus
from client_profile.services.people import staff
from client_profile.state.admin.statements import AdminStatementsState, AdminStatementState
from tests.state.test_admin_handlers import _a_statement, _cookie, _state
from tests.statement_helpers import unpaid_of


@pytest.fixture
def team(demo):
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")  # "office" in _cookie
    demo.commit()
    return demo


def _page(team, statement_id: int, query: str = "") -> AdminStatementState:
    return _state(
        AdminStatementState, _cookie(team, "office"), f"/admin/money/statements/{statement_id}{query}"
    )


def test_the_office_sees_the_lines_settles_the_matched_one_and_assigns_the_other(team):
    first, second = unpaid_of(team, "Novak")[:2]
    statement_id = _a_statement(team)
    listing = _state(AdminStatementsState, _cookie(team, "office"))
    listing.load_admin_statements()
    assert [(r.file_name, r.lines, r.settled) for r in listing.rows] == [("november.xml", 2, 0)]

    state = _page(team, statement_id)
    team.rollback()
    state.load_admin_statement()
    assert [r.outcome for r in state.rows] == ["matched", "unknown"]
    assert state.matched_count == 1 and state.matched_total.startswith("EUR")
    state.settle_matched()
    assert state.message == "1 payment settled." and state.error == ""
    assert [r.outcome for r in state.rows] == ["settled", "unknown"]
    assert state.matched_count == 0

    line = team.exec(select(BankStatementLine).where(BankStatementLine.reference == "")).one()
    team.rollback()
    state.assign_reference({"id": str(line.id), "reference": "12345"})
    assert state.form_key == f"line-{line.id}" and "No charge" in state.field_errors["reference"]
    assert state.error == ""  # shown under the field
    state.assign_reference({"id": str(line.id), "reference": second.reference})
    assert state.message.startswith("Settled: ") and state.field_errors == {}
    assert [r.outcome for r in state.rows] == ["settled", "settled"]
    team.rollback()
    assert {c.status for c in team.exec(select(Charge).where(Charge.id.in_([first.id, second.id])))} == {
        ChargeStatus.paid
    }
    state.settle_matched()
    assert "nothing to settle" in state.error


def test_the_page_after_uploading_the_same_file_again_says_so(team):
    statement_id = _a_statement(team)
    state = _page(team, statement_id, "?again=1")
    state.router.page.params["again"] = "1"
    state.load_admin_statement()
    assert state.again is True and len(state.rows) == 2


def test_junk_arguments_change_nothing(team):
    statement_id = _a_statement(team)
    state = _page(team, statement_id)
    state.load_admin_statement()
    for junk in (None, [], "x", {"id": "0", "reference": "1"}, {"id": True, "reference": 1}, {"id": "1"}):
        state.assign_reference(junk)
        assert state.error or state.field_errors
    team.rollback()
    assert all(line.status.value == "open" for line in team.exec(select(BankStatementLine)).all())
