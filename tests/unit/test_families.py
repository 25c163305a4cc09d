"""Families in the console (services.people.families): who may use each function, search by every key, the
family page, creating and editing families, clients and attendees (per-field messages, nothing written on bad
input, stale forms refused, audit rows), photo uploads, shares and "view as client"."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import event
from sqlmodel import func, select

from client_profile.models import (
    Attendee,
    Booking,
    BookingShare,
    Client,
    Family,
)
from client_profile.models.staff import AuditEntry, StaffMember, StaffRole
from client_profile.services.errors import FieldErrors, Forbidden, NotFound, StaleEdit
from client_profile.services.people import families as fam
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule import enrolment
from tests.families_helpers import NOW, build


@pytest.fixture
def w(db):
    return build(db)


def count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def audits(db, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.exec(query).all())


def picture(fmt: str = "PNG", size: tuple[int, int] = (300, 200), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, (13, 148, 136))
    if exif is not None:
        img.save(out, format=fmt, exif=exif)
    else:
        img.save(out, format=fmt)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 8.0, 0.0)}  # GPS: where the picture was taken
    return exif.tobytes()


def everything(db) -> tuple:
    """What a refused call must leave as it was."""
    db.expire_all()
    return (
        sorted((f.id, f.name, f.version, f.data_version) for f in db.exec(select(Family))),
        sorted(
            (c.id, c.email, c.full_name, c.phone, c.version, c.session_epoch) for c in db.exec(select(Client))
        ),
        sorted(
            (a.id, a.first_name, a.last_name, a.birth_date, a.version, a.photo_jpeg is not None)
            for a in db.exec(select(Attendee))
        ),
        sorted((s.id, s.grantee_email, s.revoked_at) for s in db.exec(select(BookingShare))),
        count(db, AuditEntry),
    )


# ------------------------------------------------------------------------------------------------ rights

# Each console function with arguments that would succeed for owner and office.
CALLS = {
    "search_families": lambda db, who, w: fam.search_families(db, who, "novak", now=NOW),
    "family_detail": lambda db, who, w: fam.family_detail(db, who, w.novak.id, now=NOW),
    "create_family": lambda db, who, w: fam.create_family(db, who, "Horvath", email=f"h-{who.email}"),
    "update_family": lambda db, who, w: fam.update_family(
        db, who, w.novak.id, w.novak.version, name="Novakovci"
    ),
    "add_client": lambda db, who, w: fam.add_client(db, who, w.novak.id, email=f"x-{who.email}"),
    "update_client": lambda db, who, w: fam.update_client(
        db,
        who,
        w.anna.id,
        w.anna.version,
        email=w.anna.email,
        full_name="Anna N.",
        phone="",
        reminders_opt_out=True,
    ),
    "add_attendee": lambda db, who, w: fam.add_attendee(db, who, w.novak.id, first_name="Mia", now=NOW),
    "update_attendee": lambda db, who, w: fam.update_attendee(
        db,
        who,
        w.ema.id,
        w.ema.version,
        first_name="Ema",
        last_name="Novakova",
        birth_date="2019-06-01",
        now=NOW,
    ),
    "set_attendee_photo": lambda db, who, w: fam.set_attendee_photo(
        db, who, w.ema.id, w.ema.version, picture()
    ),
    "remove_attendee_photo": lambda db, who, w: fam.remove_attendee_photo(db, who, w.ema.id, w.ema.version),
    "grant_share": lambda db, who, w: fam.grant_share(db, who, w.booking_id, "peter@example.com"),
    "revoke_share": lambda db, who, w: fam.revoke_share(db, who, w.booking_id, "peter@example.com"),
    "view_as_client": lambda db, who, w: fam.view_as_client(db, who, w.novak.id, now=NOW),
}


def enrolled(db, w) -> int:
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    db.commit()
    return booking.id


def shared(db, w) -> int:
    booking_id = enrolled(db, w)
    fam.grant_share(db, w.owner, booking_id, "peter@example.com")
    db.commit()
    return booking_id


PREPARE = {"grant_share": enrolled, "revoke_share": shared}


def prepare(db, w, name):
    w.booking_id = PREPARE[name](db, w) if name in PREPARE else None


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("role", ["owner", "office"])
def test_owner_and_office_may(db, w, name, role):
    prepare(db, w, name)
    CALLS[name](db, getattr(w, role), w)
    db.commit()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_instructor_and_client_are_refused(db, w, name):
    prepare(db, w, name)
    before = everything(db)
    with pytest.raises(Forbidden):
        CALLS[name](db, w.instructor, w)
    db.rollback()
    with pytest.raises(NotFound):  # a client never learns what the console has
        CALLS[name](db, w.client, w)
    db.rollback()
    assert everything(db) == before


def test_every_public_function_is_in_the_rights_table():
    public = {
        n
        for n, f in vars(fam).items()
        if callable(f) and not n.startswith("_") and getattr(f, "__module__", "") == fam.__name__
    }
    public -= {
        "FamilyRow",
        "FamilyPage",
        "ClientItem",
        "AttendeeItem",
        "ShareItem",
        "BookingItem",
        "FamilyDetail",
    }
    public -= {"ClientView"}
    assert public == set(CALLS)


def test_another_providers_staff_see_nothing_of_ours(db, w):
    member = StaffMember(provider_id=w.other_provider.id, email="boss@sharks.example", role=StaffRole.owner)
    db.add(member)
    db.commit()
    boss = StaffPrincipal(member.id, w.other_provider.id, 1, member.email, "", "owner")
    assert [r.name for r in fam.search_families(db, boss, "", now=NOW).rows] == ["Novakova"]
    with pytest.raises(NotFound):
        fam.family_detail(db, boss, w.novak.id)
    with pytest.raises(NotFound):
        fam.update_family(db, boss, w.novak.id, 0, name="Mine")
    with pytest.raises(NotFound):
        fam.update_attendee(db, boss, w.ema.id, 0, first_name="X", last_name="", birth_date=None, now=NOW)
    with pytest.raises(NotFound):
        fam.update_client(
            db, boss, w.anna.id, 0, email="a@b.example", full_name="", phone="", reminders_opt_out=False
        )
    with pytest.raises(NotFound):
        fam.view_as_client(db, boss, w.novak.id, now=NOW)


# ------------------------------------------------------------------------------------------------ search


@pytest.mark.parametrize(
    "query",
    [
        "novak",
        "NOVAK",
        "anna@EXAMPLE",
        "Anna Nov",
        "900 123",
        "900123456",
        "+421900",
        "ema",
        "Jakub Novak",
        "kub nov",
    ],
)
def test_search_by_each_key(db, w, query):
    rows = fam.search_families(db, w.office, query, now=NOW).rows
    assert [r.name for r in rows] == ["Novak"]


def test_search_by_attendee_and_email_of_the_other_family(db, w):
    assert [r.name for r in fam.search_families(db, w.office, "lily", now=NOW).rows] == ["Carter"]
    assert [r.name for r in fam.search_families(db, w.office, "ben@", now=NOW).rows] == ["Carter"]
    assert fam.search_families(db, w.office, "zora", now=NOW).rows == []  # another provider's client
    assert fam.search_families(db, w.office, "%", now=NOW).rows == []  # a wildcard is a plain character


def test_search_row_and_empty_query(db, w):
    enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    enrolment.enrol(db, w.owner, w.jakub.id, w.advanced.id, "2027-03-10", now=NOW)
    db.commit()
    page = fam.search_families(db, w.office, "  ", now=NOW)
    assert [r.name for r in page.rows] == ["Carter", "Novak"]
    novak = page.rows[1]
    assert novak.emails == ("anna@example.com",)
    assert novak.attendees == ("Ema Novak", "Jakub Novak")
    assert novak.active_bookings == 2
    assert page.rows[0].active_bookings == 0


def test_search_pages_with_a_constant_number_of_queries(db, w, engine):
    for i in range(30):
        f = Family(provider_id=w.provider.id, name=f"Family {i:02d}")
        db.add(f)
        db.flush()
        db.add(Client(provider_id=w.provider.id, email=f"p{i}@example.com", family_id=f.id))
        db.add(Attendee(family_id=f.id, first_name=f"Kid{i}"))
    db.commit()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    db.expire_all()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        first = fam.search_families(db, w.office, "family", page_size=10, now=NOW)
        small = len(statements)
        statements.clear()
        db.expire_all()
        last = fam.search_families(db, w.office, "", page=3, page_size=10, now=NOW)
        large = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [r.name for r in first.rows][:2] == ["Family 00", "Family 01"] and first.has_more
    assert [r.name for r in last.rows] == [
        "Family 29",
        "Novak",
    ] and not last.has_more  # 32: the 4th page of 10
    assert small == large <= 5


def test_search_ignores_junk(db, w):
    assert [r.name for r in fam.search_families(db, w.office, None, page="x", now=NOW).rows] == [
        "Carter",
        "Novak",
    ]
    assert fam.search_families(db, w.office, "novak", page=-1, now=NOW).page == 0


# ------------------------------------------------------------------------------------------------ detail


def test_family_detail(db, w):
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, "2027-03-10", now=NOW)
    fam.grant_share(db, w.owner, booking.id, "peter@example.com", can_pay=True)
    db.commit()
    detail = fam.family_detail(db, w.office, w.novak.id, now=NOW)
    assert (detail.name, detail.version) == ("Novak", 0)
    assert [(c.email, c.phone) for c in detail.clients] == [("anna@example.com", "+421 900 123 456")]
    assert [(a.full_name, a.birth_date, a.age) for a in detail.attendees] == [
        ("Ema Novak", "2019-06-01", 7),
        ("Jakub Novak", "2016-02-03", 11),
    ]
    [b] = detail.bookings
    assert (b.attendee, b.programme, b.class_name, b.schedule, b.status, b.is_active) == (
        "Ema Novak",
        "Swimming",
        "Beginners - Tuesday 16:00",
        "Tuesdays 16:00",
        "active",
        True,
    )
    assert (b.starts_on, b.ends_on, b.price) == ("2027-03-10", "2027-04-30", "EUR 120.00")
    assert [(s.email, s.can_pay, s.can_manage) for s in b.shares] == [("peter@example.com", True, False)]
    with pytest.raises(NotFound):
        fam.family_detail(db, w.office, w.other_family.id)
    with pytest.raises(NotFound):
        fam.family_detail(db, w.office, "1")
    with pytest.raises(NotFound):  # beyond PostgreSQL's INTEGER: "not found", not a driver error
        fam.family_detail(db, w.office, 2**40)


# ------------------------------------------------------------------------------------------------ families


def test_create_family_with_its_first_client(db, w):
    family = fam.create_family(
        db,
        w.office,
        "  Horvath  ",
        email=" Dana@Example.COM ",
        full_name="Dana Horvath",
        phone="0905 111 222",
    )
    db.commit()
    client = db.exec(select(Client).where(Client.family_id == family.id)).one()
    assert (family.name, client.email, client.full_name, client.phone) == (
        "Horvath",
        "dana@example.com",
        "Dana Horvath",
        "0905 111 222",
    )
    created = audits(db)
    assert [(a.action, a.family_id, a.staff_id) for a in created] == [
        ("family.create", family.id, w.office.staff_id),
        ("client.create", family.id, w.office.staff_id),
    ]
    assert json.loads(created[1].after_json)["email"] == "dana@example.com"


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "x" * 201}, {"name"}),
        ({"name": "A\x00B"}, {"name"}),
        ({"name": 7}, {"name"}),
        ({"name": "Horvath", "email": "not an address"}, {"email"}),
        ({"name": "", "email": "d@example.com", "phone": "call me"}, {"name", "phone"}),
        ({"name": "Horvath", "email": "d@example.com", "reminders_opt_out": "yes"}, {"reminders_opt_out"}),
        ({"name": "Horvath", "email": "ANNA@example.com"}, {"email"}),
    ],
)
def test_create_family_refuses_bad_input_and_writes_nothing(db, w, kwargs, fields):
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        fam.create_family(db, w.office, **kwargs)
    assert set(err.value.fields) == fields
    db.rollback()
    assert everything(db) == before


def test_duplicate_email_names_the_family(db, w):
    with pytest.raises(FieldErrors) as err:
        fam.add_client(db, w.office, w.carter.id, email="Anna@Example.com")
    assert err.value.fields == {"email": "anna@example.com is already a client of the Novak family."}


def test_update_family_version_audit_and_data_version(db, w):
    fam.update_family(db, w.office, w.novak.id, 0, name="Novakovci")
    db.commit()
    db.refresh(w.novak)
    assert (w.novak.name, w.novak.version, w.novak.data_version) == ("Novakovci", 1, 1)
    [entry] = audits(db, "family.update")
    assert (json.loads(entry.before_json), json.loads(entry.after_json)) == (
        {"name": "Novak"},
        {"name": "Novakovci"},
    )
    assert entry.family_id == w.novak.id
    before = everything(db)
    with pytest.raises(StaleEdit):  # a second form opened at version 0
        fam.update_family(db, w.owner, w.novak.id, 0, name="Novak again")
    db.rollback()
    assert everything(db) == before
    for crafted in (2**63, 2**31, -1, "1", 1.0, True, None):  # no row has it (2**63 overflowed the database)
        with pytest.raises(StaleEdit):
            fam.update_family(db, w.owner, w.novak.id, crafted, name="Novak again")
        db.rollback()
    assert everything(db) == before


# ------------------------------------------------------------------------------------------------ clients


def test_add_and_update_client(db, w):
    client = fam.add_client(
        db,
        w.office,
        w.novak.id,
        email="  Martin@Example.com",
        full_name="Martin Novak",
        reminders_opt_out=True,
    )
    db.commit()
    assert (client.email, client.family_id, client.reminders_opt_out) == (
        "martin@example.com",
        w.novak.id,
        True,
    )
    fam.update_client(
        db,
        w.office,
        client.id,
        0,
        email="martin.novak@example.com",
        full_name="Martin",
        phone="",
        reminders_opt_out=False,
    )
    db.commit()
    db.refresh(client)
    assert (client.email, client.version, client.session_epoch, client.reminders_opt_out) == (
        "martin.novak@example.com",
        1,
        1,  # a new address: the old address's sessions are logged out
        False,
    )
    [entry] = audits(db, "client.update")
    assert json.loads(entry.before_json)["email"] == "martin@example.com"
    # the same address again does not log anybody out
    fam.update_client(
        db,
        w.office,
        client.id,
        1,
        email="martin.novak@example.com",
        full_name="M",
        phone="",
        reminders_opt_out=False,
    )
    db.commit()
    db.refresh(client)
    assert client.session_epoch == 1


def test_update_client_refuses_stale_taken_and_bad_input(db, w):
    before = everything(db)
    with pytest.raises(StaleEdit):
        fam.update_client(
            db,
            w.office,
            w.anna.id,
            5,
            email="anna@example.com",
            full_name="",
            phone="",
            reminders_opt_out=False,
        )
    db.rollback()
    with pytest.raises(FieldErrors) as err:
        fam.update_client(
            db,
            w.office,
            w.anna.id,
            0,
            email="ben@example.com",
            full_name="",
            phone="",
            reminders_opt_out=False,
        )
    assert "Carter" in err.value.fields["email"]
    db.rollback()
    with pytest.raises(FieldErrors) as err:
        fam.update_client(
            db, w.office, w.anna.id, 0, email="", full_name="", phone="1", reminders_opt_out=None
        )
    assert set(err.value.fields) == {"email", "phone", "reminders_opt_out"}
    db.rollback()
    assert everything(db) == before


def test_a_shared_access_only_person_is_not_a_family_client(db, w):
    booking_id = enrolled(db, w)
    fam.grant_share(db, w.owner, booking_id, "peter@example.com")
    db.commit()
    with pytest.raises(FieldErrors) as err:
        fam.add_client(db, w.office, w.carter.id, email="peter@example.com")
    assert "shared access" in err.value.fields["email"]


# ------------------------------------------------------------------------------------------------ attendees


def test_add_and_update_attendee(db, w):
    mia = fam.add_attendee(
        db, w.office, w.novak.id, first_name=" Mia ", last_name="Novak", birth_date="2024-01-05", now=NOW
    )
    db.commit()
    assert (mia.first_name, mia.birth_date, mia.family_id) == ("Mia", date(2024, 1, 5), w.novak.id)
    db.refresh(w.novak)
    assert w.novak.data_version == 1  # the family's open pages show the new member
    fam.update_attendee(
        db, w.owner, mia.id, 0, first_name="Mia", last_name="Novakova", birth_date=None, now=NOW
    )
    db.commit()
    db.refresh(mia)
    assert (mia.last_name, mia.birth_date, mia.version) == ("Novakova", None, 1)
    entry = audits(db, "attendee.update")[0]
    assert json.loads(entry.after_json) == {"last_name": "Novakova", "birth_date": None}
    assert entry.family_id == w.novak.id


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        ("2027-03-11", "The birth date cannot be in the future."),  # tomorrow in Bratislava
        ("11.3.2020", "Enter the birth date as a date, e.g. 2019-05-01."),
        ("1850-01-01", "Check the birth date: the year is too far back."),
        (12, "Enter the birth date as a date, e.g. 2019-05-01."),
    ],
)
def test_attendee_birth_date_rules(db, w, birth_date, message):
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        fam.add_attendee(db, w.office, w.novak.id, first_name="Mia", birth_date=birth_date, now=NOW)
    assert err.value.fields == {"birth_date": message}
    with pytest.raises(FieldErrors):
        fam.update_attendee(
            db, w.office, w.ema.id, 0, first_name="", last_name="", birth_date=birth_date, now=NOW
        )
    db.rollback()
    assert everything(db) == before


def test_born_today_is_fine(db, w):
    fam.add_attendee(db, w.office, w.novak.id, first_name="Baby", birth_date=date(2027, 3, 10), now=NOW)


def test_update_attendee_stale(db, w):
    fam.update_attendee(
        db, w.office, w.ema.id, 0, first_name="Emma", last_name="Novak", birth_date=None, now=NOW
    )
    db.commit()
    with pytest.raises(StaleEdit):
        fam.update_attendee(
            db, w.owner, w.ema.id, 0, first_name="Ema", last_name="Novak", birth_date=None, now=NOW
        )


# ------------------------------------------------------------------------------------------------ photos


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_photo_upload_is_a_square_jpeg_without_exif(db, w, kind):
    data = picture(kind, (640, 480), exif=gps_exif() if kind == "JPEG" else None)
    if kind == "JPEG":
        with Image.open(io.BytesIO(data)) as original:
            assert original.getexif().get(0x010F) == "PhoneMaker"
    attendee = fam.set_attendee_photo(db, w.office, w.ema.id, 0, data)
    db.commit()
    with Image.open(io.BytesIO(attendee.photo_jpeg)) as img:
        assert (img.format, img.size) == ("JPEG", (256, 256))
        assert not img.info.get("exif") and not dict(img.getexif())
    assert attendee.version == 1
    [entry] = audits(db, "attendee.photo")
    assert (json.loads(entry.after_json), entry.family_id) == ({"has_photo": True}, w.novak.id)
    fam.remove_attendee_photo(db, w.office, w.ema.id, 1)
    db.commit()
    assert db.get(Attendee, w.ema.id).photo_jpeg is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (picture("GIF"), "Use a picture in one of these formats: JPEG, PNG, WebP."),
        (picture("BMP"), "Use a picture in one of these formats: JPEG, PNG, WebP."),
        (picture("PNG", (40, 300)), "The picture is too small: at least 64 x 64 pixels, please."),
        (b"", "The file is empty."),
        (b"<svg/>", "This file is not a picture we can read (use JPEG or PNG)."),
        (b"\xff\xd8" + b"\x00" * (11 * 1024 * 1024), "The picture is larger than 10 MB."),
        ("a string", "Choose a picture to upload."),
    ],
)
def test_photo_upload_refuses_bad_files(db, w, data, message):
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        fam.set_attendee_photo(db, w.office, w.ema.id, 0, data)
    assert err.value.fields == {"photo": message}
    db.rollback()
    assert everything(db) == before


def test_photo_too_many_pixels(db, w):
    data = picture("PNG", (13_000, 64))
    with pytest.raises(FieldErrors) as err:
        fam.set_attendee_photo(db, w.office, w.ema.id, 0, data)
    assert err.value.fields == {"photo": "The picture has too many pixels."}


def test_photo_on_a_stale_form_is_refused(db, w):
    fam.update_attendee(db, w.office, w.ema.id, 0, first_name="Ema", last_name="N", birth_date=None, now=NOW)
    db.commit()
    before = everything(db)
    with pytest.raises(StaleEdit):
        fam.set_attendee_photo(db, w.owner, w.ema.id, 0, picture())
    db.rollback()
    assert everything(db) == before


# ------------------------------------------------------------------------------------------------ shares


def test_grant_and_revoke_share_are_audited(db, w):
    booking_id = enrolled(db, w)
    share = fam.grant_share(db, w.office, booking_id, " Peter@Example.com ", can_manage=True)
    db.commit()
    assert (share.grantee_email, share.can_manage, share.created_by_client_id) == (
        "peter@example.com",
        True,
        None,
    )
    grantee = db.exec(select(Client).where(Client.email == "peter@example.com")).one()
    assert grantee.family_id is None  # a login for the grandparent, as the CLI does
    fam.grant_share(db, w.office, booking_id, "peter@example.com", can_pay=True)  # a new scope
    fam.revoke_share(db, w.owner, booking_id, "peter@example.com")
    db.commit()
    entries = [e for e in audits(db) if e.entity == "booking_share"]
    assert [(e.action, e.family_id, e.class_id) for e in entries] == [
        ("share.grant", w.novak.id, w.beginners.id),
        ("share.grant", w.novak.id, w.beginners.id),
        ("share.revoke", w.novak.id, w.beginners.id),
    ]
    assert json.loads(entries[1].before_json) == {"can_manage": True, "can_pay": False}
    assert db.get(BookingShare, share.id).revoked_at is not None


def test_share_refusals(db, w):
    booking_id = enrolled(db, w)
    before = everything(db)
    with pytest.raises(FieldErrors) as err:
        fam.grant_share(db, w.office, booking_id, "anna@example.com")  # her own family's booking
    assert "already sees it" in err.value.fields["email"]
    db.rollback()
    with pytest.raises(FieldErrors) as err:
        fam.grant_share(db, w.office, booking_id, "peter@", notify="yes")
    assert set(err.value.fields) == {"email", "notify"}
    with pytest.raises(NotFound):
        fam.revoke_share(db, w.office, booking_id, "nobody@example.com")
    db.rollback()
    assert everything(db) == before
    other = Booking(provider_id=w.other_provider.id, attendee_id=w.other_child.id, class_id=w.other_class.id)
    db.add(other)
    db.commit()
    with pytest.raises(NotFound):
        fam.grant_share(db, w.office, other.id, "peter@example.com")


# ------------------------------------------------------------------------------------------------ view as client


def test_view_as_client_is_the_familys_home_and_is_audited(db, w):
    enrolled(db, w)
    view = fam.view_as_client(db, w.office, w.novak.id, now=NOW)
    db.commit()
    assert (view.family_name, view.client_email) == ("Novak", "anna@example.com")
    assert view.home.client_name == "Anna Novak"
    assert [m.first_name for m in view.home.members] == ["Ema", "Jakub"]
    assert [(b.class_name, b.is_active) for b in view.home.bookings] == [("Beginners - Tuesday 16:00", True)]
    assert [u.amount for u in view.home.unpaid] == ["EUR 120.00"]
    [entry] = audits(db, "family.view_as_client")
    assert (entry.family_id, entry.staff_id, entry.entity_id) == (w.novak.id, w.office.staff_id, w.novak.id)
    assert "anna@example.com" in entry.summary


def test_view_as_client_of_a_family_without_a_login(db, w):
    family = fam.create_family(db, w.office, "Horvath")
    fam.add_attendee(db, w.office, family.id, first_name="Adam", now=NOW)
    db.commit()
    view = fam.view_as_client(db, w.office, family.id, now=NOW)
    assert (view.client_email, view.home.client_name) == ("", "Horvath")
    assert [m.first_name for m in view.home.members] == ["Adam"]
    assert view.home.bookings == []


def test_a_client_may_have_their_own_language(db, w):
    from client_profile.services.errors import FieldErrors
    from client_profile.services.people import families

    client = families.add_client(db, w.owner, w.carter.id, email="jo@example.com", language="sk")
    db.commit()
    assert client.language == "sk"
    with pytest.raises(FieldErrors) as err:
        families.add_client(db, w.owner, w.carter.id, email="jay@example.com", language="Slovak!")
    assert set(err.value.fields) == {"language"}
    db.rollback()
    same = families.update_client(
        db,
        w.owner,
        client.id,
        client.version,
        email=client.email,
        full_name="Jo",
        phone="",
        reminders_opt_out=False,
    )
    assert same.language == "sk"  # not given: kept
    db.commit()
    cleared = families.update_client(
        db,
        w.owner,
        client.id,
        same.version,
        email=client.email,
        full_name="Jo",
        phone="",
        reminders_opt_out=False,
        language="",
    )
    assert cleared.language == ""
    detail = families.family_detail(db, w.owner, w.carter.id)
    assert {c.email: c.language for c in detail.clients}["jo@example.com"] == ""
