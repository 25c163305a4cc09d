"""The console's families pages through their states, as the office uses them on the demo: find ben's family,
enrol Lily in another class (the booking and its fee appear), a stale edit is refused and the form shows what is
stored, junk ids change nothing, a photo upload follows its Photo button only, and view as client is read-only."""

from __future__ import annotations

from sqlmodel import select

from client_profile.models import Attendee, AuditEntry, Booking, Charge, Client, Family
from client_profile.services.people import families
from client_profile.services.people.identity import StaffPrincipal
from client_profile.state.admin.families import AdminFamiliesState, AdminFamilyState
from tests.state.test_admin_handlers import (
    _ben,
    _call,
    _carter,
    _class,
    _cookie,
    _lily,
    _state,
    _today,
    photo_files,
    team,  # noqa: F401 (the fixture)
)


def _owner(db) -> StaffPrincipal:
    from client_profile.services.people.auth import staff_principal_from_cookie_header

    return staff_principal_from_cookie_header(db, _cookie(db, "owner"))


def _family_page(db, who: str = "owner") -> AdminFamilyState:
    state = _state(AdminFamilyState, _cookie(db, who), f"/admin/families/{_carter(db).id}")
    db.rollback()
    assert state.load_admin_family() is None
    return state


def everything(db) -> tuple:
    db.rollback()
    db.expire_all()
    return (
        sorted((b.id, b.status, b.starts_on, b.ends_on, b.version) for b in db.exec(select(Booking))),
        sorted((c.id, c.amount_minor, c.status) for c in db.exec(select(Charge))),
        sorted((c.id, c.email, c.full_name, c.phone, c.version) for c in db.exec(select(Client))),
        sorted(
            (a.id, a.first_name, a.birth_date, a.photo_jpeg is not None) for a in db.exec(select(Attendee))
        ),
        sorted((f.id, f.name, f.version) for f in db.exec(select(Family))),
        len(db.exec(select(AuditEntry)).all()),
    )


def test_the_office_finds_ben_and_enrols_lily_in_chess(team):  # noqa: F811
    search = _state(AdminFamiliesState, _cookie(team, "office"))
    team.rollback()
    assert search.load_admin_families() is None
    assert {"Carter", "Novak"} <= {r.name for r in search.rows}
    search.search({"q": "BEN@example"})
    assert [r.name for r in search.rows] == ["Carter"]
    assert search.rows[0].attendees == ("Lily Carter",) and search.rows[0].active_bookings == 1
    search.search({"q": "907 333"})  # his phone, as it is written
    assert [r.name for r in search.rows] == ["Carter"]

    page = _family_page(team, "office")
    assert page.family_name == "Carter" and [c.email for c in page.clients] == ["ben@example.com"]
    assert [b.programme for b in page.bookings] == ["Swimming - Beginners"]
    chess = _class(team, "Chess Online - Thursday 17:00")
    assert chess.id in {o.id for o in page.class_choices}
    assert page.today_iso == _today(team)
    lily = _lily(team)
    team.rollback()
    page.enrol({"attendee_id": str(lily.id), "class_id": str(chess.id), "from_date": page.today_iso})
    assert page.error == "", page.error
    assert page.form_key == "enrol" and page.message.startswith("Enrolled from")
    assert {b.programme for b in page.bookings} == {"Swimming - Beginners", "Chess Online"}
    new = next(b for b in page.bookings if b.programme == "Chess Online")
    assert new.is_active and new.starts_on == page.today_iso and new.price == "EUR 60.00"
    team.rollback()
    fee = team.exec(select(Charge).where(Charge.booking_id == new.id)).one()
    assert fee.amount_minor == 6000
    # The family sees it: its home page, as the console shows it (read-only, audited).
    page.view_as_client(page.family_key)
    assert page.viewing and page.seen_as == "ben@example.com"
    assert "Chess Online" in {b.programme for b in page.seen_bookings}
    assert any("Chess Online" in u.description for u in page.seen_unpaid)
    team.rollback()
    assert team.exec(select(AuditEntry).where(AuditEntry.action == "family.view_as_client")).first()
    # Enrolling her again in the same class is refused next to the class field.
    page.enrol({"attendee_id": str(lily.id), "class_id": str(chess.id), "from_date": page.today_iso})
    assert "already enrolled" in page.field_errors["class_id"] and not page.viewing


def test_a_stale_edit_is_refused_and_the_form_then_shows_what_is_stored(team):  # noqa: F811
    page = _family_page(team)
    opened = page.clients[0]
    # Someone else changes ben's phone after the page was opened.
    families.update_client(
        team,
        _owner(team),
        opened.id,
        opened.version,
        email=opened.email,
        full_name=opened.full_name,
        phone="+421 900 000 001",
        reminders_opt_out=False,
    )
    team.commit()
    before = everything(team)
    page.save_client(
        {
            "id": str(opened.id),
            "version": str(opened.version),
            "email": opened.email,
            "full_name": "Benjamin Carter",
            "phone": opened.phone,
        }
    )
    assert "changed by someone else" in page.error and page.form_key == f"client-{opened.id}"
    assert everything(team) == before
    # The reload shows their change, with the version a new form is keyed on.
    assert page.clients[0].phone == "+421 900 000 001" and page.clients[0].version == opened.version + 1
    team.rollback()
    page.save_client(
        {
            "id": str(opened.id),
            "version": str(page.clients[0].version),
            "email": opened.email,
            "full_name": "Benjamin Carter",
            "phone": page.clients[0].phone,
        }
    )
    assert page.error == "" and page.clients[0].full_name == "Benjamin Carter"


def test_field_messages_name_the_form_they_belong_to(team):  # noqa: F811
    page = _family_page(team)
    page.add_client({"family_id": str(page.family_key), "email": "anna@example.com"})
    assert page.form_key == "add-client" and "Novak family" in page.field_errors["email"]
    page.add_attendee({"family_id": str(page.family_key), "first_name": "", "birth_date": "3000-01-01"})
    assert page.form_key == "add-attendee"
    assert set(page.field_errors) == {"first_name", "birth_date"}
    page.add_attendee({"family_id": str(page.family_key), "first_name": "Max", "birth_date": ""})
    assert page.field_errors == {} and page.error == ""
    assert [a.first_name for a in page.attendees] == ["Lily", "Max"]
    page.add_client({"family_id": str(page.family_key), "email": "jo@example.com", "language": "Slovak"})
    assert page.form_key == "add-client" and list(page.field_errors) == ["language"]
    page.add_client({"family_id": str(page.family_key), "email": "jo@example.com", "language": "sk"})
    assert page.field_errors == {} and {c.email: c.language for c in page.clients}["jo@example.com"] == "sk"


JUNK = [0, -1, 2**63, "1 OR 1=1", "../1", None, [], {}, 1.5, True, "x" * 5000]


def _junk_calls(page, junk, lily_id: int, ben_id: int, booking) -> list:
    """Every family-page action with ``junk`` where an id, a version, a date or a whole form goes."""
    version = -5 if junk == 0 else junk  # 0 is the real version of a record never edited
    today = page.today_iso
    return [
        lambda: page.enrol({"attendee_id": junk, "class_id": junk, "from_date": today}),
        lambda: page.enrol({"attendee_id": str(lily_id), "class_id": junk, "from_date": junk}),
        lambda: page.end_enrolment({"id": junk, "version": junk, "from_date": today}),
        lambda: page.end_enrolment({"id": str(booking.id), "version": version, "from_date": today}),
        lambda: page.move_enrolment(
            {"id": str(booking.id), "version": str(booking.version), "class_id": junk, "from_date": junk}
        ),
        lambda: page.save_client({"id": junk, "version": "0", "email": "x@example.com"}),
        lambda: page.save_client({"id": str(ben_id), "version": version, "email": "x@example.com"}),
        lambda: page.save_attendee({"id": junk, "version": "0", "first_name": "X"}),
        lambda: page.rename_family({"id": junk, "version": "0", "name": "X"}),
        lambda: page.add_client({"family_id": junk, "email": "new@example.com"}),
        lambda: page.add_attendee({"family_id": junk, "first_name": "X"}),
        lambda: page.grant_share({"booking_id": junk, "email": "g@example.com"}),
        lambda: page.revoke_share(junk, "g@example.com"),
        lambda: page.remove_photo(junk, 0),
        lambda: page.view_as_client(junk),
        lambda: page.enrol(junk),
        lambda: page.save_client(junk),
    ]


def test_junk_ids_change_nothing(team):  # noqa: F811
    page = _family_page(team)
    lily, ben = _lily(team), _ben(team)
    booking = page.bookings[0]
    team.rollback()
    before = everything(team)
    for junk in JUNK:
        for n, call in enumerate(_junk_calls(page, junk, lily.id, ben.id, booking)):
            call()
            assert page.error or page.field_errors, (n, junk)  # a refused field shows under it
        assert everything(team) == before, junk
    # The page still shows the family it was opened for.
    assert page.family_name == "Carter" and not page.viewing


def test_another_family_id_in_the_address_is_not_found(team):  # noqa: F811
    state = _state(AdminFamilyState, _cookie(team, "owner"), "/admin/families/999999")
    team.rollback()
    state.load_admin_family()
    assert state.not_found and state.clients == [] and state.family_key == 0


def test_a_photo_follows_its_photo_button_only(team):  # noqa: F811
    page = _family_page(team)
    lily = page.attendees[0]
    before = everything(team)
    _call(page, "upload_photo", photo_files())  # no Photo button chosen: nothing armed
    assert "photo" in page.field_errors and everything(team) == before
    page.open_photo(lily.id, lily.version)
    assert page.photo_for == lily.id and page.photo_name == "Lily Carter"
    _call(page, "upload_photo", photo_files(b"not a picture"))
    assert page.form_key == f"photo-{lily.id}" and page.field_errors.get("photo")
    assert everything(team) == before
    _call(page, "upload_photo", photo_files())
    assert (
        page.error == "" and page.message == "New photo for Lily." and page.form_key == f"attendee-{lily.id}"
    )
    assert page.photo_for == 0 and page.attendees[0].has_photo
    team.rollback()
    assert team.get(Attendee, lily.id).photo_jpeg is not None
    # The upload is used once: another file needs the Photo button again.
    _call(page, "upload_photo", photo_files())
    assert "photo" in page.field_errors
    page.remove_photo(lily.id, page.attendees[0].version)
    assert page.error == "" and not page.attendees[0].has_photo


def test_view_as_client_holds_no_client_identity(team):  # noqa: F811
    page = _family_page(team)
    page.view_as_client(page.family_key)
    assert page.viewing and [m.first_name for m in page.seen_members] == ["Lily"]
    # The state keeps views only: nothing in it is a login or a handle to act as the family.
    assert not any(
        isinstance(value, Client | Family) or type(value).__name__ in ("Principal", "StaffPrincipal")
        for value in vars(page).values()
    )
    page.close_view()
    assert not page.viewing and page.seen_bookings == []
