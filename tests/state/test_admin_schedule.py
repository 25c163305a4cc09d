"""The schedule pages' states, driven as the browser drives them: the owner creates a programme and a weekly
class on /admin/schedule, opens the class's page, moves and cancels sessions; bad input is shown next to its
field; an edit from a form opened before someone else's change is refused; an instructor sees only the refusal.

The clock is frozen at a Thursday before the autumn term (the demo provider: Europe/Bratislava)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlmodel import select

from client_profile.models import ClassGroup
from client_profile.services.demo import load_demo
from client_profile.services.people import staff
from client_profile.state.admin.schedule import AdminClassState, AdminScheduleState
from tests.state.test_admin_handlers import _cookie, _state

NOW = datetime(2026, 8, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def team(db):
    with time_machine.travel(NOW, tick=False):
        load_demo(db)
        staff.add_staff(db, "desk@example.com", "office", "Dana Desk")
        db.commit()
        yield db


def _class_page(db, who: str, class_id: int) -> AdminClassState:
    return _state(AdminClassState, _cookie(db, who), f"/admin/classes/{class_id}")


def _which(session) -> dict:
    """A session form's hidden fields, as the browser sends them."""
    return {"session_id": str(session.id), "version": str(session.version)}


def test_the_owner_builds_a_class_and_changes_its_sessions(team):
    page = _state(AdminScheduleState, _cookie(team, "owner"))
    assert page.load_admin_schedule() is None
    assert "Swimming - Beginners" in [b.programme.name for b in page.programmes]
    assert {i.name for i in page.instructors} >= {"Martina Kovacova"}

    # A bad field is shown next to it; nothing is made.
    page.create_programme({"name": "Diving", "kind": "course", "price": "12.345", "makeups_enabled": "yes"})
    assert page.error == "" and list(page.field_errors) == ["price"]
    assert page.form_key == "programme"
    assert "Diving" not in [b.programme.name for b in page.programmes]

    page.create_programme(
        {"name": "Diving", "kind": "course", "price": "90.00", "makeups_enabled": "yes", "level": "Adults"}
    )
    assert page.field_errors == {} and page.form_key == "programme"
    assert page.message.startswith("Programme Diving created")
    assert page.form_round == 1
    diving = next(b.programme for b in page.programmes if b.programme.name == "Diving")
    assert (diving.price, diving.classes, diving.level) == ("EUR 90.00", 0, "Adults")
    # Its "Edit": a new name and level; the same form again is a stale edit.
    edit = {
        "id": str(diving.id),
        "version": str(diving.version),
        "name": "Diving for adults",
        "kind": "course",
    }
    page.save_programme(edit | {"level": "Adults 18+", "price": "90.00", "makeups_enabled": "yes"})
    assert page.error == "" and page.form_key == f"programme-{diving.id}"
    assert page.message == "Programme Diving for adults saved."
    page.save_programme(edit | {"level": "Teens", "price": "90.00", "makeups_enabled": "yes"})
    assert "changed by someone else" in page.error
    diving = next(b.programme for b in page.programmes if b.programme.id == diving.id)
    assert (diving.name, diving.level) == ("Diving for adults", "Adults 18+")

    form = {
        "programme_id": str(diving.id),
        "name": "Diving - Tuesday 18:00",
        "weekday": "1",
        "start_time": "18:60",
        "duration_minutes": "50",
        "starts_on": "2026-09-01",
        "ends_on": "2026-10-27",
        "venue": "City pool",
        "is_online": "no",
        "online_link": "",
        "instructor_id": str(next(i.id for i in page.instructors if i.name == "Martina Kovacova")),
        "capacity": "6",
        "extra_makeup_capacity": "1",
        "extra_makeup_mode": "add",
        "makeup_group": "Divers",
        "dates": "",
    }
    page.create_class(form)
    assert page.error == "" and list(page.field_errors) == ["start_time"] and page.form_key == "class"
    assert "HH:MM" in page.field_errors["start_time"]
    page.create_class({**form, "programme_id": ""})
    assert list(page.field_errors) == ["programme_id"]

    page.create_class({**form, "start_time": "18:00"})
    # Nine Tuesdays from 1 Sep to 27 Oct (the demo has no holidays).
    assert page.message == "Class Diving - Tuesday 18:00 created. Sessions: 9 new."
    block = next(b for b in page.programmes if b.programme.id == diving.id)
    [row] = block.rows
    assert (row.schedule, row.term, row.venue, row.instructor) == (
        "Tuesdays 18:00, 50 min",
        "2026-09-01 - 2026-10-27",
        "City pool",
        "Martina Kovacova",
    )
    assert (row.capacity, row.booked, row.price) == (
        6,
        0,
        "EUR 90.00",
    )  # no price of its own: the programme's

    # The class's page: its sessions in local time.
    cls = _class_page(team, "owner", row.id)
    assert cls.load_admin_class() is None
    assert cls.detail.name == "Diving - Tuesday 18:00" and cls.error == ""
    assert [s.day for s in cls.sessions][:3] == ["2026-09-01", "2026-09-08", "2026-09-15"]
    assert {s.start_time for s in cls.sessions} == {"18:00"}  # on both sides of the DST change (25 Oct)
    first, second = cls.sessions[0], cls.sessions[1]

    # Its own price, from the edit form.
    cls.save_class({"name": "Diving - Tuesday 18:00", "price": "75.50"}, cls.detail.version)
    assert cls.error == "" and cls.field_errors == {}
    assert (cls.detail.price, cls.detail.price_text) == ("EUR 75.50", "75.50")
    cls.save_class({"name": "Diving - Tuesday 18:00", "price": "seventy"}, cls.detail.version)
    assert list(cls.field_errors) == ["price"] and cls.detail.price == "EUR 75.50"

    # Move the first one a day later, to another venue.
    cls.move_session(_which(first) | {"day": "2026-09-02", "start_time": "17:30", "venue": "Lido"})
    assert cls.error == "" and cls.form_key == f"session-{first.id}"
    assert cls.message == "The session was moved; the families with a place get an e-mail."
    moved = next(s for s in cls.sessions if s.id == first.id)
    assert (moved.day, moved.start_time, moved.effective_venue, moved.pinned) == (
        "2026-09-02",
        "17:30",
        "Lido",
        True,
    )
    # The form that still had the old version is refused in that session's card.
    cls.move_session(_which(first) | {"day": "2026-09-03", "start_time": "17:30", "venue": ""})
    assert cls.form_key == f"session-{first.id}" and "changed by someone else" in cls.error

    # Cancel the second, then restore it.
    cls.cancel_session(_which(second) | {"note": "Pool maintenance"})
    cancelled = next(s for s in cls.sessions if s.id == second.id)
    assert (cancelled.status, cancelled.note) == ("cancelled", "Pool maintenance")
    cls.restore_session(cancelled.id, cancelled.version)
    assert next(s for s in cls.sessions if s.id == second.id).status == "scheduled"

    # A one-off session; a bad day is shown next to its field.
    cls.add_session({"day": "2026-13-01", "start_time": "10:00", "duration_minutes": "", "venue": ""})
    assert list(cls.field_errors) == ["day"] and cls.error == "" and cls.form_key == "add"
    drawn = cls.form_round
    cls.add_session({"day": "2026-11-07", "start_time": "10:00", "duration_minutes": "90", "venue": ""})
    assert cls.message.startswith("The one-off session was added") and cls.form_round == drawn + 1
    assert any(s.day == "2026-11-07" and s.duration_minutes == 90 for s in cls.sessions)

    # Two forms opened on the same version: the second save is refused, nothing of it is written.
    other = _class_page(team, "office", row.id)
    other.load_admin_class()
    opened = cls.detail.version
    assert other.detail.version == opened
    other.save_class({"name": "Diving - Tuesday 18:00", "capacity": "8"}, opened)
    assert other.error == "" and other.message.startswith("Class Diving - Tuesday 18:00 saved.")
    cls.save_class({"name": "Diving - Tuesday", "capacity": "7"}, opened)
    assert "changed by someone else" in cls.error and cls.message == ""
    assert (cls.detail.name, cls.detail.capacity) == ("Diving - Tuesday 18:00", 8)  # reloaded: what is true

    # A new time: the sessions follow it, the moved one stays where it was moved to.
    cls.save_class({"start_time": "18:15"}, cls.detail.version)
    assert cls.message == "Class Diving - Tuesday 18:00 saved. Sessions: 8 new time."
    assert next(s for s in cls.sessions if s.id == first.id).start_time == "17:30"
    # A new weekday: the eight Thursdays of the term are made, the eight Tuesdays left (nobody booked) are
    # removed; the moved and the one-off session stay.
    cls.save_class({"weekday": "3"}, cls.detail.version)
    assert cls.message == "Class Diving - Tuesday 18:00 saved. Sessions: 8 new, 8 removed."
    assert {s.day for s in cls.sessions} >= {"2026-09-02", "2026-09-03", "2026-11-07"}
    cls.save_class({"capacity": "0"}, cls.detail.version)
    assert list(cls.field_errors) == ["capacity"]

    cls.update_sessions(cls.detail.version)
    assert cls.error == "" and cls.message == "Sessions: no change."
    team.rollback()
    assert team.exec(select(ClassGroup).where(ClassGroup.id == row.id)).one().weekday == 3


def test_an_instructor_sees_only_the_refusal(team):
    beginners = team.exec(select(ClassGroup).where(ClassGroup.name == "Beginners - Tuesday 16:00")).one()
    page = _state(AdminScheduleState, _cookie(team, "instructor"))
    page.load_admin_schedule()
    assert "does not allow" in page.error and page.programmes == [] and page.refused
    cls = _class_page(team, "instructor", beginners.id)
    cls.load_admin_class()
    assert "does not allow" in cls.error and cls.sessions == [] and cls.detail.id == 0


def test_another_class_id_or_junk_in_the_route_is_not_found(team):
    for path_id in ("999999", "abc", "0"):
        cls = _class_page(team, "owner", path_id)
        cls.load_admin_class()
        assert cls.error and cls.sessions == [] and cls.refused
