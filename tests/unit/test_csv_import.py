"""CSV import (services.people.csv_import): parsing (separators, BOM, dates, the header), the dry run (every row's
outcome, every error with its row and column, nothing written), the all-or-nothing import, re-importing the same
file, the uploads kept between dry run and import, and who may do it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import SQLModel, select

from client_profile.models import Attendee, Booking, Charge, Client, Family, ImportUpload, StaffMember
from client_profile.models.staff import AuditEntry
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError, Forbidden, NotFound
from client_profile.services.people import csv_import as imp
from client_profile.services.people.identity import StaffPrincipal
from tests.families_helpers import NOW, build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv_import"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def w(db):
    return build(db)


def table_counts(db) -> dict[str, int]:
    """Rows in every table, and every family's data version (a dry run bumps nothing either)."""
    db.expire_all()
    counts = {
        t.name: db.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one()
        for t in SQLModel.metadata.sorted_tables
    }
    counts["family.data_version"] = db.exec(select(func.sum(Family.data_version))).one()
    return counts


def by_row(plan: imp.ImportPlan) -> dict[int, imp.RowOutcome]:
    return {o.row: o for o in plan.rows}


def errors_at(plan: imp.ImportPlan) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in plan.errors}


# ------------------------------------------------------------------------------------------------ parsing


def test_semicolons_a_bom_and_crlf_read_like_commas():
    rows, errors = imp.parse(fixture("good.csv"))
    rows_sk, errors_sk = imp.parse(fixture("good_semicolon_bom.csv"))
    assert errors == errors_sk == []
    assert [(r.number, r.cells) for r in rows] == [(r.number, r.cells) for r in rows_sk]
    assert [r.number for r in rows] == [
        2,
        3,
        4,
        6,
    ]  # the spreadsheet's row numbers; the blank line is skipped
    assert rows[0].cells["phone"] == "+421 900 111 222"  # the template's apostrophe before + is taken off


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2019-05-01", date(2019, 5, 1)),
        ("1.5.2019", date(2019, 5, 1)),
        ("01.05.2019", date(2019, 5, 1)),
        ("1. 5. 2019", date(2019, 5, 1)),
        ("31.2.2019", None),
        ("2019-5-1", None),
        ("5/1/2019", None),
        ("=1+1", None),
        ("", None),
    ],
)
def test_dates_are_iso_or_day_month_year(cell, day):
    assert imp.parse_day(cell) == day


def test_a_missing_or_unknown_column_is_one_clear_error():
    rows, errors = imp.parse(fixture("missing_column.csv"))
    assert rows == [] and len(errors) == 1
    message = errors[0].message
    assert errors[0].row == 0
    assert "missing birth_date" in message and "unknown favourite_colour" in message
    assert "download the template" in message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\xff\xfe" + "family_name".encode("utf-16-le"), "UTF-8"),
        (b"family_name\n" * 10 + b"x" * imp.MAX_BYTES, "too large"),
        ((b"family_name,family_name\n"), "given twice"),
    ],
)
def test_unusable_files_say_why(data, words):
    rows, errors = imp.parse(data)
    assert rows == [] and words in errors[0].message


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imp, "MAX_ROWS", 3)
    head = ",".join(imp.COLUMNS) + "\n"
    body = "".join(f"F,a{i}@example.com,,,,,A,B,2019-01-01,,\n" for i in range(4))
    rows, errors = imp.parse(head + body)
    assert rows == [] and "more than 3 rows" in errors[0].message


def test_the_template_is_data_never_formulas(w, db):
    template = imp.template_csv(db, w.owner, now=NOW)
    assert template.startswith("\ufeff")
    cells = list(csv.reader(io.StringIO(template[1:]), delimiter=";"))
    assert tuple(cells[0]) == imp.COLUMNS
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in cells for cell in row)
    assert "'+421 900 123 456" in cells[1]
    assert imp.escape_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and imp.escape_cell("Ema") == "Ema"
    # the template itself is a good file: its dry run has no error
    assert imp.plan_import(db, w.owner, template.encode(), now=NOW).errors == []


# ------------------------------------------------------------------------------------------------ dry run


def test_dry_run_of_a_good_file_shows_every_row_and_writes_nothing(w, db):
    before = table_counts(db)
    plan = imp.plan_import(db, w.office, fixture("good.csv"), now=NOW)
    assert table_counts(db) == before
    assert plan.errors == [] and not plan.applied
    rows = by_row(plan)
    assert rows[2].status == "new"
    assert rows[2].outcome == (
        "New family, new second guardian, new attendee, enrolled in Swimming / Beginners - Tuesday 16:00 "
        "from 2027-03-16"
    )
    assert rows[3].outcome == "Family from row 2, new attendee"
    assert rows[4].outcome == (
        "Family exists, attendee exists, enrolled in Swimming Advanced / Advanced - Thursday 17:00 from 2027-03-18"
    )
    assert rows[6].outcome == "New family, new attendee"
    assert (plan.families, plan.clients, plan.attendees, plan.enrolments, plan.unchanged) == (2, 3, 3, 2, 0)


def test_the_import_dry_run_on_a_file_with_good_and_broken_rows_leaves_the_database_untouched(w, db):
    before = table_counts(db)
    audit_before = db.exec(select(func.count()).select_from(AuditEntry)).one()
    plan = imp.plan_import(db, w.owner, fixture("broken.csv"), now=NOW)
    db.commit()  # even committing the caller's transaction afterwards writes nothing
    assert table_counts(db) == before
    assert db.exec(select(func.count()).select_from(AuditEntry)).one() == audit_before
    assert errors_at(plan) == {
        (3, "client_email"),  # not-an-email
        (4, "birth_date"),  # 31.2.2017
        (5, "class"),  # Karate / Kids
        (6, ""),  # the same attendee and class as row 2
    }
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert (
        messages[(4, "birth_date")]
        == "Enter the date as YYYY-MM-DD or D.M.YYYY, e.g. 2019-05-01 or 1.5.2019."
    )
    assert "Karate / Kids" in messages[(5, "class")]
    assert messages[(6, "")] == "The same attendee and class as in row 2."
    rows = by_row(plan)
    assert [rows[n].status for n in (2, 3, 4, 5, 6, 7)] == ["new", "error", "error", "error", "error", "new"]
    assert rows[4].problems == (f"birth_date: {messages[(4, 'birth_date')]}",)


def test_the_services_own_rules_are_the_import_rules(w, db):
    """Errors come from the families and enrolment services: a taken e-mail, a bad phone, a future birth date,
    a full class (counting the rows before it), a start day the register can no longer take."""
    head = ",".join(imp.COLUMNS) + "\n"
    body = (
        "Other,ben@example.com,,,,,Max,Other,2019-01-01,,\n"  # ben is a client of the Carter family
        "A,a@example.com,,12,,,Ann,A,2019-01-01,,\n"  # phone
        "B,b@example.com,,,,,Bo,B,2030-01-01,,\n"  # in the future (the provider's today is 2027-03-10)
        "C,c@example.com,,,,,Cy,C,2019-01-01,Swimming / Beginners - Tuesday 16:00,2027-03-16\n"
        "D,d@example.com,,,,,Di,D,2019-01-01,Swimming / Beginners - Tuesday 16:00,2027-03-16\n"
        "E,e@example.com,,,,,Ed,E,2019-01-01,Swimming / Beginners - Tuesday 16:00,2027-03-16\n"  # capacity 2
        "F,f@example.com,,,,,Fe,F,2019-01-01,Swimming / Beginners - Tuesday 16:00,2027-01-05\n"  # too early
        ",g@example.com,,,,,,G,,,\n"  # no family name, no first name
    )
    plan = imp.plan_import(db, w.owner, head + body, now=NOW)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages[(2, "family_name")] == "ben@example.com is a client of the Carter family."
    assert messages[(3, "phone")].startswith("Enter the phone number")
    assert messages[(4, "birth_date")] == "The birth date cannot be in the future."
    assert (5, "class") not in messages and (6, "class") not in messages
    assert messages[(7, "class")] == "Beginners - Tuesday 16:00 is full (2 places)."
    assert messages[(8, "start_date")].startswith("An enrolment's first day can be at the earliest")
    assert messages[(9, "family_name")] == "Please enter the family name."
    assert messages[(9, "attendee_first_name")] == "Please enter the first name."


def test_one_email_with_two_family_names_and_a_lonely_guardian_name(w, db):
    head = ",".join(imp.COLUMNS) + "\n"
    body = "Horvat,eva@example.com,,,,,Tom,H,,,\nHorvath,eva@example.com,,,,Marek,Sara,H,,,\n"
    plan = imp.plan_import(db, w.owner, head + body, now=NOW)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages[(3, "family_name")] == "Row 2 gives eva@example.com the family 'Horvat'."
    assert messages[(3, "guardian2_email")].startswith("Enter the second guardian's e-mail")


# ------------------------------------------------------------------------------------------------ import


def test_import_then_reimport_changes_nothing(w, db):
    plan = imp.apply_import(db, w.office, fixture("good.csv"), filename="families.csv", now=NOW)
    db.commit()
    assert plan.applied and plan.errors == []
    horvat = db.exec(select(Family).where(Family.name == "Horvat")).one()
    assert {c.email for c in db.exec(select(Client).where(Client.family_id == horvat.id))} == {
        "eva.horvat@example.com",
        "marek.horvat@example.com",
    }
    eva = db.exec(select(Client).where(Client.email == "eva.horvat@example.com")).one()
    assert (eva.full_name, eva.phone) == ("Eva Horvat", "+421 900 111 222")
    sara = db.exec(select(Attendee).where(Attendee.first_name == "Sara")).one()
    assert sara.birth_date == date(2020, 9, 1) and sara.family_id == horvat.id
    tomas = db.exec(select(Attendee).where(Attendee.first_name == "Tomas")).one()
    booking = db.exec(select(Booking).where(Booking.attendee_id == tomas.id)).one()
    assert booking.class_id == w.beginners.id and booking.starts_on == date(2027, 3, 16)
    assert db.exec(select(Charge).where(Charge.booking_id == booking.id)).first() is not None  # the term fee
    ema_booking = db.exec(
        select(Booking).where(Booking.attendee_id == w.ema.id, Booking.class_id == w.advanced.id)
    ).one()
    assert ema_booking.starts_on == date(2027, 3, 18)
    imports = db.exec(select(AuditEntry).where(AuditEntry.action == "families.import")).all()
    assert len(imports) == 1 and imports[0].summary.startswith("Imported families.csv: 4 rows")
    assert {"family.create", "client.create", "attendee.create", "booking.create"} <= {
        a.action for a in db.exec(select(AuditEntry))
    }

    before = table_counts(db)
    again = imp.plan_import(db, w.office, fixture("good_semicolon_bom.csv"), now=NOW)
    assert [o.status for o in again.rows] == ["unchanged"] * 4 and again.errors == []
    assert by_row(again)[2].outcome == (
        "Family exists, attendee exists, already enrolled in Swimming / Beginners - Tuesday 16:00"
    )
    applied = imp.apply_import(db, w.office, fixture("good.csv"), now=NOW + timedelta(days=30))
    db.commit()
    assert applied.changes == 0 and applied.unchanged == 4
    assert table_counts(db) == before  # not even an audit row


def test_import_is_all_or_nothing(w, db):
    before = table_counts(db)
    with pytest.raises(imp.ImportRefused) as refused:
        imp.apply_import(db, w.owner, fixture("broken.csv"), now=NOW)
    assert str(refused.value) == "Nothing was imported: the file has 4 errors."
    assert len(refused.value.plan.errors) == 4
    db.commit()
    assert table_counts(db) == before


def test_an_import_checks_the_dry_run_it_was_shown(w, db):
    plan = imp.plan_import(db, w.owner, fixture("good.csv"), now=NOW)
    # Meanwhile someone adds Filip's family by hand: the plan is not the one shown any more.
    kral = Family(provider_id=w.provider.id, name="Kral")
    db.add(kral)
    db.flush()
    db.add(Client(provider_id=w.provider.id, email="peter.kral@example.com", family_id=kral.id))
    db.commit()
    before = table_counts(db)
    with pytest.raises(imp.ImportRefused) as refused:
        imp.apply_import(db, w.owner, fixture("good.csv"), expected=plan.fingerprint, now=NOW)
    assert "changed since the dry run" in str(refused.value)
    assert by_row(refused.value.plan)[6].outcome == "Family exists, new attendee"
    db.commit()
    assert table_counts(db) == before
    done = imp.apply_import(
        db, w.owner, fixture("good.csv"), expected=refused.value.plan.fingerprint, now=NOW
    )
    assert done.applied and done.families == 1


def test_only_the_people_right_may_import(w, db):
    for who in w.refused:
        with pytest.raises((Forbidden, NotFound)):
            imp.plan_import(db, who, fixture("good.csv"), now=NOW)
        with pytest.raises((Forbidden, NotFound)):
            imp.apply_import(db, who, fixture("good.csv"), now=NOW)
        with pytest.raises((Forbidden, NotFound)):
            imp.template_csv(db, who)


def test_classes_of_another_provider_are_unknown(w, db):
    head = ",".join(imp.COLUMNS) + "\n"
    plan = imp.plan_import(
        db, w.owner, head + f"A,a@example.com,,,,,Ann,A,,{w.other_class.id},2027-03-16\n", now=NOW
    )
    assert plan.errors[0].column == "class"
    assert plan.errors[0].message == f"There is no class with the id {w.other_class.id}."
    by_id = imp.plan_import(
        db, w.owner, head + f"A,a@example.com,,,,,Ann,A,,{w.beginners.id},2027-03-16\n", now=NOW
    )
    assert by_id.errors == [] and "enrolled in Swimming / Beginners" in by_id.rows[0].outcome


# ------------------------------------------------------------------------------------------------ uploads


def test_an_upload_belongs_to_its_staff_member_and_expires(w, db):
    token = imp.store_upload(db, w.owner, "C:\\Users\\me\\families.csv", fixture("good.csv"), now=NOW)
    db.commit()
    view, plan = imp.upload_plan(db, w.owner, token, now=NOW)
    assert view.filename == "families.csv" and not view.applied and plan.errors == []
    with pytest.raises(NotFound):
        imp.upload_plan(db, w.office, token, now=NOW)  # another staff member of the same provider
    for junk in ("", "x" * 10, token + "'", None, 5, "../" * 10):
        with pytest.raises(NotFound):
            imp.upload_plan(db, w.owner, junk, now=NOW)
    with pytest.raises(NotFound):
        imp.upload_plan(db, w.owner, token, now=NOW + timedelta(minutes=imp.UPLOAD_MINUTES + 1))
    with pytest.raises(DomainError):
        imp.apply_upload(db, w.owner, token, "not the fingerprint", now=NOW)
    db.rollback()
    done = imp.apply_upload(db, w.owner, token, plan.fingerprint, now=NOW)
    db.commit()
    assert done.applied
    view, again = imp.upload_plan(db, w.owner, token, now=NOW)
    assert view.applied and view.summary.startswith("4 rows") and again.rows == []  # no plan once imported
    with pytest.raises(DomainError, match="imported already"):
        imp.apply_upload(db, w.owner, token, done.fingerprint, now=NOW)
    # A later upload clears the expired ones of the provider.
    imp.store_upload(db, w.owner, "b.csv", b"x", now=NOW + timedelta(days=1))
    db.commit()
    assert db.exec(select(func.count()).select_from(ImportUpload)).one() == 1


def test_uploads_are_capped_and_need_a_file(w, db):
    with pytest.raises(DomainError, match="too large"):
        imp.store_upload(db, w.owner, "big.csv", b"x" * (imp.MAX_BYTES + 1), now=NOW)
    with pytest.raises(DomainError, match="Choose a CSV file"):
        imp.store_upload(db, w.owner, "empty.csv", b"", now=NOW)
    with pytest.raises(Forbidden):
        imp.store_upload(db, w.instructor, "a.csv", b"x", now=NOW)


def test_a_row_longer_than_the_header_and_a_start_date_without_a_class(w, db):
    head = ",".join(imp.COLUMNS) + "\n"
    body = "A,a@example.com,,,,,Ann,A,,,,extra\nB,b@example.com,,,,,Bo,B,,,16.3.2027\n"
    plan = imp.plan_import(db, w.owner, head + body, now=NOW)
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages == {
        (2, ""): "The row has 12 cells, the header 11.",
        (3, "class"): "Name the class this start date is for (or leave the start date empty).",
    }


def test_the_demo_reset_deletes_its_providers_uploads(demo):
    owner = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    as_owner = StaffPrincipal(owner.id, owner.provider_id, 0, owner.email, "", "owner")
    imp.store_upload(demo, as_owner, "a.csv", fixture("good.csv"))
    demo.commit()
    load_demo(demo, reset=True)
    demo.commit()
    assert demo.exec(select(func.count()).select_from(ImportUpload)).one() == 0
