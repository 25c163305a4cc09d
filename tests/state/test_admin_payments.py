"""The console's charge and credit pages (state/admin/payments.py) as the office uses them: record a payment, see
the documents, refund with a refused field first, the credit page, and ids from another place or junk."""

from __future__ import annotations

import pytest
from sqlmodel import select

from client_profile.models import AuditEntry, Charge, ChargeStatus, Payment, Refund
from client_profile.services.people import staff
from client_profile.state.admin.payments import AdminChargeState, AdminCreditState
from tests.state.test_admin_handlers import _annas_unpaid, _cookie, _novak, _state, _today


@pytest.fixture
def team(demo):
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")  # the "office" of _cookie
    demo.commit()
    return demo


def _round(state) -> str:
    """The round the page's form was drawn in (its hidden field)."""
    return str(state.form_round)


def test_the_office_records_cash_and_refunds_part_of_it(team):
    charge = _annas_unpaid(team)
    today = _today(team)
    team.rollback()
    state = _state(AdminChargeState, _cookie(team, "office"), f"/admin/charges/{charge.id}")
    assert state.load_admin_charge() is None and state.error == ""
    assert state.status == "unpaid" and state.family_name == "Novak" and state.charge_payments == []
    state.record_payment({"charge_id": str(charge.id), "method": "cash", "received_on": "not a day"})
    assert state.form_key == "record" and set(state.field_errors) == {"received_on"} and state.error == ""
    state.record_payment({"charge_id": str(charge.id), "method": "cash", "received_on": today})
    assert state.error == "" and state.message.startswith("Cash payment of EUR")
    assert state.status == "paid" and [p.method for p in state.charge_payments] == ["Cash"]
    assert {d.title for d in state.documents} == {"Invoice", "Receipt"}
    payment = state.charge_payments[0]
    key = f"refund-{payment.id}"
    state.refund_payment(
        {"payment_id": str(payment.id), "amount": "9999.00", "reason": "Too much", "round": _round(state)}
    )
    assert state.form_key == key and "can still be refunded" in state.field_errors["amount"]
    sent = {
        "payment_id": str(payment.id),
        "amount": "8.00",
        "reason": "Missed a week",
        "round": _round(state),
    }
    state.refund_payment(sent)
    assert state.error == "" and "credit note CN-" in state.message
    state.refund_payment(sent)  # a double click: the same form again
    assert "sent already" in state.error and len(state.charge_refunds) == 1
    assert state.charge_refunds[0].amount == "EUR 8.00" and state.charge_refunds[0].credit_note_url
    assert state.charge_payments[0].refunded == "EUR 8.00"
    assert any(d.title == "Credit note" for d in state.documents)


def test_the_credit_page_tops_up_and_corrects(team):
    fam = _novak(team).id
    team.rollback()
    state = _state(AdminCreditState, _cookie(team, "owner"), f"/admin/families/{fam}/credit")
    state.load_admin_credit()
    before = state.balance
    sent = {"family_id": str(fam), "amount": "20", "method": "card", "received_on": _today(team)}
    state.top_up_credit(sent | {"round": _round(state)})
    assert state.error == "" and state.message.startswith("EUR 20.00 added")
    state.top_up_credit(sent | {"round": str(state.form_round - 1)})  # a double click
    assert "sent already" in state.error
    assert [e.kind for e in state.ledger].count("top_up") == 2  # the demo's and this one
    assert state.ledger[0].kind == "top_up" and state.ledger[0].receipt_number.startswith("R-")
    state.adjust_credit({"family_id": str(fam), "amount": "-999999", "reason": "x", "round": _round(state)})
    assert state.form_key == "adjust" and "below zero" in state.field_errors["amount"]
    state.adjust_credit(
        {"family_id": str(fam), "amount": "-20.00", "reason": "Paid back in cash", "round": _round(state)}
    )
    assert state.error == "" and state.balance == before and state.ledger[0].kind == "adjustment"


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True, "999999"])
def test_junk_ids_change_nothing(team, junk):
    charge = _annas_unpaid(team)
    audit_before = len(team.exec(select(AuditEntry)).all())
    team.rollback()
    state = _state(AdminChargeState, _cookie(team, "office"), f"/admin/charges/{charge.id}")
    state.load_admin_charge()
    for call in (
        lambda: state.record_payment({"charge_id": junk, "method": "cash", "received_on": _today(team)}),
        lambda: state.refund_payment({"payment_id": junk, "amount": "1.00", "reason": "x", "round": "0"}),
        lambda: state.record_payment(junk),
        lambda: state.refund_payment(junk),
    ):
        call()
        assert state.error or state.field_errors
    credit = _state(AdminCreditState, _cookie(team, "office"), f"/admin/families/{_novak(team).id}/credit")
    for call in (
        lambda: credit.top_up_credit(
            {"family_id": junk, "amount": "1", "method": "cash", "received_on": "x"}
        ),
        lambda: credit.adjust_credit({"family_id": junk, "amount": "1", "reason": "x"}),
    ):
        call()
        assert credit.error or credit.field_errors
    team.rollback()
    assert len(team.exec(select(AuditEntry)).all()) == audit_before
    assert team.get(Charge, charge.id).status == ChargeStatus.unpaid
    assert team.exec(select(Refund)).all() == []
    assert len(team.exec(select(Payment).where(Payment.charge_id == charge.id)).all()) == 0


@pytest.mark.parametrize(
    "path", ["/admin/charges/999999", "/admin/charges/abc", "/admin/families/999999/credit"]
)
def test_a_missing_charge_or_family_shows_not_found(team, path):
    cls = AdminCreditState if path.endswith("/credit") else AdminChargeState
    state = _state(cls, _cookie(team, "owner"), path)
    getattr(state, "load_admin_credit" if cls is AdminCreditState else "load_admin_charge")()
    assert state.not_found and state.error == ""
    assert (
        state.family_key == 0 and getattr(state, "ledger", []) == [] and getattr(state, "documents", []) == []
    )
