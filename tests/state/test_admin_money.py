"""The console's money pages through their handlers: the list's filters and export link, a fee made for Ema with
the family discount (shown with its saving), a double submit that makes no second fee, refusals by the form they
came from, and a family of another provider that looks missing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from client_profile.models import Attendee, Charge, Family, Provider
from client_profile.services.people import staff
from client_profile.state.admin.money import AdminFamilyMoneyState, AdminMoneyState
from tests.state.test_admin_handlers import _cookie, _state

TZ = "Europe/Bratislava"


@pytest.fixture
def team(demo):
    """The demo with an office member (desk@example.com) besides the owner and Martina."""
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return demo


def _novak(db) -> Family:
    return db.exec(select(Family).where(Family.name == "Novak")).one()


def _ema(db) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == "Ema")).one()


def test_the_list_filters_and_its_export_link(team):
    state = _state(AdminMoneyState, _cookie(team, "office"), "/admin/money")
    assert state.load_admin_money() is None and state.error == ""
    assert state.rows and {r.status for r in state.rows} <= {"unpaid", "overdue"}
    assert state.export_url == "/admin/money/charges.csv?status=unpaid"
    state.filter_charges({"status": "paid", "q": "Carter", "due_from": "", "due_to": ""})
    assert (
        state.error == ""
        and state.rows
        and {(r.status, r.family) for r in state.rows} == {("paid", "Carter")}
    )
    assert state.export_url == "/admin/money/charges.csv?status=paid&q=Carter"
    state.filter_charges({"status": "paid", "q": "", "due_from": "someday", "due_to": ""})
    assert state.form_key == "filters" and set(state.field_errors) == {"due_from"} and state.error == ""
    assert state.status == "paid" and state.query == "Carter"  # the refused filter changed nothing


def test_a_fee_for_ema_shows_its_saving_and_a_double_submit_makes_no_second_one(team):
    novak, ema = _novak(team), _ema(team)
    path = f"/admin/families/{novak.id}/money"
    before = team.exec(select(func.count()).select_from(Charge)).one()
    team.rollback()
    state = _state(AdminFamilyMoneyState, _cookie(team, "office"), path)
    assert state.load_family_money() is None and state.family_name == "Novak"
    form = {
        "family_id": str(novak.id),
        "round": str(state.form_round),
        "kind": "one_off",
        "attendee_id": str(ema.id),
        "description": "Swim gala entry",
        "amount": "50.00",
        "due_on": "",
    }
    state.create_charge(form)
    assert state.error == "" and state.message == "Added Swim gala entry: EUR 45.00 is due."
    row = next(c for c in state.charges if c.description == "Swim gala entry")
    assert (row.who, row.amount, row.full_price) == ("Ema", "EUR 45.00", "EUR 50.00")
    assert "Sibling discount 10% -EUR 5.00" in row.savings
    state.create_charge(form)  # the same form again (a double click)
    assert "already sent" in state.error
    team.rollback()
    assert team.exec(select(func.count()).select_from(Charge)).one() == before + 1
    # A refusal shows under the field of the form it came from.
    state.create_charge(form | {"round": str(state.form_round), "amount": "ten"})
    assert state.form_key == "new-charge" and set(state.field_errors) == {"amount"}


def test_another_providers_family_looks_missing(team):
    other = Provider(slug="sharks", name="Sharks", currency="EUR", timezone=TZ)
    team.add(other)
    team.flush()
    shark = Family(provider_id=other.id, name="Shark")
    team.add(shark)
    team.commit()
    state = _state(AdminFamilyMoneyState, _cookie(team, "owner"), f"/admin/families/{shark.id}/money")
    assert state.load_family_money() is None
    assert state.not_found and state.charges == [] and state.family_name == ""
    state.create_charge({"family_id": str(shark.id), "description": "x", "amount": "1.00"})
    assert state.error == "This family was not found."
