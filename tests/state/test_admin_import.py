"""/admin/import's state (state/admin/imports.py) over the demo: the dry run of an uploaded file on its page, the
import from it (only the dry run shown, only once), and another staff member's upload looking like a missing one."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from client_profile.models import Family, StaffMember
from client_profile.services.people import csv_import, staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.state.admin.imports import AdminImportState
from tests.state.test_admin_handlers import _cookie, _state, team  # noqa: F401  (the fixture)

HEAD = ",".join(csv_import.COLUMNS) + "\n"
GOOD = (
    HEAD
    + "Horvat,eva@example.com,,,,,Tomas,Horvat,2018-04-12,,\nKral,kral.family@example.com,,,,,Filip,Kral,1.2.2017,,\n"
)
BROKEN = GOOD + "Bielik,not-an-email,,,,,Adam,Bielik,2017-31-01,,\n"


def _as(db, email: str) -> StaffPrincipal:
    member = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    return StaffPrincipal(member.id, member.provider_id, 0, member.email, "", member.role.value)


def _upload(db, email: str, text: str) -> str:
    key = csv_import.store_upload(db, _as(db, email), "families.csv", text.encode())
    db.commit()
    return key


def _families(db) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(Family)).one()


def test_the_dry_run_page_and_the_import(team):  # noqa: F811
    key = _upload(team, "desk@example.com", GOOD)
    state = _state(AdminImportState, _cookie(team, "office"), f"/admin/import/{key}")
    before = _families(team)
    assert state.load_admin_import() is None and state.error == ""
    assert (state.upload_key, state.filename, state.applied) == (key, "families.csv", False)
    assert [r.status for r in state.rows] == ["new", "new"] and state.problems == []
    assert (state.total_rows, state.new_families, state.new_attendees) == (2, 2, 2)
    assert state.class_list and all(c.label.count(" / ") >= 1 for c in state.class_list)
    assert _families(team) == before  # the dry run wrote nothing
    state.import_rows("an older dry run")
    assert state.error.startswith("Nothing was imported: the data changed since the dry run")
    assert _families(team) == before
    state.import_rows(state.fingerprint)
    assert state.error == "" and state.message.startswith("Imported: 2 rows: 2 new families")
    assert state.applied and [r.status for r in state.rows] == ["new", "new"]
    assert _families(team) == before + 2
    state.import_rows(state.fingerprint)
    assert state.error == "This file was imported already." and _families(team) == before + 2
    again = _state(AdminImportState, _cookie(team, "office"), f"/admin/import/{key}")
    again.load_admin_import()
    assert again.applied and again.applied_summary.startswith("2 rows: 2 new families")


def test_a_file_with_errors_cannot_be_imported(team):  # noqa: F811
    key = _upload(team, "office@example.com", BROKEN)
    state = _state(AdminImportState, _cookie(team, "owner"), f"/admin/import/{key}")
    state.load_admin_import()
    assert {(e.row, e.column) for e in state.problems} == {(4, "client_email"), (4, "birth_date")}
    assert [r.status for r in state.rows] == ["new", "new", "error"]
    before = _families(team)
    state.import_rows(state.fingerprint)
    assert state.error == "Nothing was imported: the file has 2 errors."
    assert _families(team) == before and not state.applied


def test_another_staff_members_upload_is_not_found(team):  # noqa: F811
    staff.add_staff(team, "desk2@example.com", "office", "Second Desk")
    team.commit()
    key = _upload(team, "office@example.com", GOOD)
    state = _state(AdminImportState, _cookie(team, "office"), f"/admin/import/{key}")
    state.load_admin_import()
    assert state.error == "This import was not found." and state.rows == []
    before = _families(team)
    state.import_rows("x")
    assert state.error == "This import was not found." and _families(team) == before


def test_the_start_page_and_a_missing_file(team):  # noqa: F811
    state = _state(AdminImportState, _cookie(team, "owner"), "/admin/import?missing=1")
    state.load_admin_import()
    assert state.error == "" and state.missing_file and state.upload_key == "" and state.rows == []


def test_junk_import_arguments_change_nothing(team):  # noqa: F811
    key = _upload(team, "office@example.com", GOOD)
    state = _state(AdminImportState, _cookie(team, "owner"), f"/admin/import/{key}")
    state.load_admin_import()
    before = _families(team)
    for junk in (None, 5, [], {}, True, "x" * 10_000, "' OR 1=1 --"):
        state.import_rows(junk)
        assert state.error and not state.applied
    assert _families(team) == before
