"""Benefits in the console through its state, as the office uses it on the demo: open the Novaks' benefits, grant
Ema a make-up credit and extend the family's pass; anna's /benefits state then shows both with their history
(without the staff member's name). A stale form, a refused field and junk ids change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from client_profile import clock
from client_profile.models import AuditEntry, BenefitEvent, EntryPass, MakeupCredit
from client_profile.state.admin.benefits import AdminBenefitsState
from tests.state.test_admin_handlers import (
    TZ,
    _cookie,
    _ema_booking,
    _novak,
    _novak_pass,
    _pass_expiry_plus,
    _state,
    team,  # noqa: F401 (the fixture)
)
from tests.state.test_handlers import cookie_for, snapshot, states


def _page(db, who: str = "office", family_id: object = None) -> AdminBenefitsState:
    family_id = _novak(db).id if family_id is None else family_id
    state = _state(AdminBenefitsState, _cookie(db, who), f"/admin/families/{family_id}/benefits")
    db.rollback()
    assert state.load_admin_benefits() is None
    return state


def _counts(db) -> tuple:
    db.rollback()
    return tuple(
        db.exec(select(func.count()).select_from(model)).one()
        for model in (MakeupCredit, BenefitEvent, AuditEntry)
    ) + (tuple((p.id, p.entries_total, p.expires_at, p.version) for p in db.exec(select(EntryPass))),)


def _book_by(days: int) -> str:
    return (clock.today(TZ) + timedelta(days=days)).isoformat()


def test_the_office_grants_and_extends_and_anna_reads_the_history(team):  # noqa: F811
    annas = cookie_for(team, "anna@example.com")
    page = _page(team)
    assert page.error == "" and page.family_name == "Novak"
    assert "Open Swim 10 entries" in [p.name for p in page.passes]
    assert any(c.attendee == "Ema" for c in page.credits)
    booking, entry_pass = _ema_booking(team), _novak_pass(team)
    until = _pass_expiry_plus(team, 30)
    team.rollback()
    page.grant_makeup({"booking_id": str(booking.id), "book_by": _book_by(20), "reason": "Coach ill"})
    assert page.error == "" and page.message.startswith("Granted a make-up credit")
    assert page.form_key == "grant"
    granted = next(c for c in page.credits if c.origin == "Granted: Coach ill")
    assert granted.status == "available" and granted.can_withdraw and granted.can_extend
    page.extend_entry_pass({"id": str(entry_pass.id), "version": str(entry_pass.version), "until": until})
    assert page.error == "", page.error
    shown = next(p for p in page.passes if p.id == entry_pass.id)
    assert shown.expires_iso == until and shown.history[0].by == "Dana Desk"

    team.rollback()
    _root, s = states(annas, "/benefits")
    s["BenefitsState"].load_benefits()
    history = s["BenefitsState"].history
    texts = [h.text for h in history]
    assert texts[0].startswith("Expiry extended by the provider to ")
    assert texts[1].startswith("Make-up credit granted by the provider: Coach ill. Book by ")
    assert [h.subject for h in history[:2]] == ["Open Swim 10 entries", "Make-up credit · Ema"]
    text = snapshot(s["BenefitsState"])
    assert "Dana" not in text and "desk@example.com" not in text
    assert any(
        m.earned_from.endswith("Coach ill") and m.status == "available" for m in s["BenefitsState"].makeups
    )


def test_a_stale_form_a_refused_field_and_junk_change_nothing(team):  # noqa: F811
    page = _page(team)
    entry_pass = _novak_pass(team)
    before = _counts(team)
    page.add_bonus_entries(
        {"id": str(entry_pass.id), "version": str(entry_pass.version + 5), "count": "2", "reason": "x"}
    )
    assert "changed by someone else" in page.error
    page.grant_makeup({"booking_id": str(_ema_booking(team).id), "book_by": _book_by(20), "reason": " "})
    assert page.form_key == "grant" and set(page.field_errors) == {"reason"} and page.error == ""
    for junk in ("1 OR 1=1", None, [], {}, "99999999", True, -1):
        page.withdraw_makeup({"id": junk, "version": "0", "reason": "duplicate"})
        assert page.error
        page.extend_makeup({"id": junk, "version": "0", "book_by": _book_by(9)})
        assert page.error
        page.add_bonus_entries({"id": junk, "version": "0", "count": "1", "reason": "x"})
        assert page.error
        page.create_entry_pass({"family_id": junk, "name": "P", "entries": "1", "valid_until": _book_by(9)})
        assert page.error
    page.create_entry_pass("not a form")
    assert page.error or page.field_errors
    assert _counts(team) == before


@pytest.mark.parametrize("family_id", ["0", "abc", "99999999"])
def test_a_family_that_is_not_there_shows_not_found(team, family_id):  # noqa: F811
    page = _page(team, family_id=family_id)
    assert page.not_found and page.passes == [] and page.credits == []


def test_an_instructor_sees_only_the_refusal(team):  # noqa: F811
    page = _page(team, "instructor")
    assert page.refused and "does not allow" in page.error and page.passes == []


def test_the_grant_form_sent_twice_grants_once(team):  # noqa: F811
    page = _page(team)
    form = {
        "booking_id": str(_ema_booking(team).id),
        "book_by": _book_by(20),
        "reason": "Coach ill",
        "seen": str(page.last_event),
    }
    before = _counts(team)
    page.grant_makeup(form)
    assert page.error == "" and page.last_event > int(form["seen"])
    page.grant_makeup(form)
    assert "changed by someone else" in page.error
    after = _counts(team)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1
