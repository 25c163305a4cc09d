"""The console's money pages through their handlers: the list's filters and export link, a fee made for Ema with
the family discount (shown with its saving), a double submit that makes no second fee, refusals by the form they
came from, and a family of another provider that looks missing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from client_profile.models import Attendee, AuditEntry, Charge, Discount, Family, Provider
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


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True])
def test_junk_arguments_change_nothing(team, junk):
    novak = _novak(team)
    charge = team.exec(select(Charge).where(Charge.family_id == novak.id, Charge.order_id.is_(None))).first()
    count = team.exec(select(func.count()).select_from(Charge)).one()
    discounts = team.exec(select(func.count()).select_from(Discount)).one()
    audits = team.exec(select(func.count()).select_from(AuditEntry)).one()
    team.rollback()
    state = _state(AdminFamilyMoneyState, _cookie(team, "owner"), f"/admin/families/{novak.id}/money")
    good = {"family_id": str(novak.id), "description": "x", "amount": "1.00"}
    for call in (
        lambda: state.create_charge(junk),
        lambda: state.create_charge(good | {"family_id": junk}),
        lambda: state.create_charge(good | {"kind": junk}),
        lambda: state.create_charge(good | {"attendee_id": junk}) if junk not in (0, None) else None,
        lambda: state.create_charge(good | {"amount": junk}),
        lambda: state.save_charge({"id": junk, "version": "0", "description": "x", "due_on": "2027-01-01"}),
        lambda: state.save_charge({"id": str(charge.id), "version": junk, "description": "x", "due_on": ""}),
        # (0 is the charge's real version: not junk for this call)
        lambda: (
            state.cancel_charge({"id": str(charge.id), "version": junk, "reason": "x"}) if junk != 0 else None
        ),
        lambda: state.cancel_charge({"id": junk, "version": "0", "reason": "x"}),
        lambda: state.create_discount({"family_id": str(novak.id), "name": "x", "kind": junk, "value": "5"}),
        lambda: state.end_discount(junk),
        lambda: state.delete_discount(junk),
        lambda: state.create_order(
            {"family_id": str(novak.id), "item1_kind": junk, "item1_description": "x"}
        ),
    ):
        if call() is None and state.error == "" and not state.field_errors:
            continue  # (a call skipped for this junk)
        assert state.error or state.field_errors
    team.rollback()
    assert team.exec(select(func.count()).select_from(Charge)).one() == count
    assert team.exec(select(func.count()).select_from(Discount)).one() == discounts
    assert team.exec(select(func.count()).select_from(AuditEntry)).one() == audits
