"""The CSV import's routes (api/admin/imports.py): the template download and the upload form POST. Only a staff
session with the people right gets the template or stores a file; the upload refuses foreign origins, bodies over
the cap (before reading them) and junk, and answers 303 to the dry run's page."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import Client, ImportUpload, StaffMember
from client_profile.services.people import auth, csv_import, staff

TEMPLATE = "/admin/import-files/template.csv"
UPLOAD = "/admin/import-files"
GOOD = (",".join(csv_import.COLUMNS) + "\nHorvat,eva@example.com,,,,,Tomas,Horvat,2018-04-12,,\n").encode()


@pytest.fixture
def team(demo):
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return demo


def _cookies(db, who: str) -> dict[str, str]:
    if who == "nobody":
        return {}
    if who == "client":
        row = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
        token, _ = auth.create_session(db, row.id, row.session_epoch)
        db.commit()
        return {auth.session_cookie_name(): token}
    email = {
        "owner": "office@example.com",
        "office": "desk@example.com",
        "instructor": "martina@example.com",
    }[who]
    row = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=auth.STAFF)
    db.commit()
    return {auth.session_cookie_name(auth.STAFF): token}


def _client(api, cookies) -> TestClient:
    return TestClient(api, base_url="http://localhost:3000", cookies=cookies)


def _uploads(db) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(ImportUpload)).one()


def _post(api, cookies, *, data: bytes = GOOD, headers=None, files=None):
    with _client(api, cookies) as c:
        return c.post(
            UPLOAD,
            files=files if files is not None else {"file": ("families.csv", data, "text/csv")},
            headers={"Origin": "http://localhost:3000", **(headers or {})},
            follow_redirects=False,
        )


@pytest.mark.parametrize("who", ["owner", "office"])
def test_the_office_downloads_the_template_and_uploads_a_file(api, team, who):
    cookies = _cookies(team, who)
    with _client(api, cookies) as c:
        r = c.get(TEMPLATE, follow_redirects=False)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="families-import-template.csv"'
    assert r.headers["cache-control"] == "private, no-store"
    text = r.content.decode("utf-8-sig")
    assert tuple(next(csv.reader(io.StringIO(text), delimiter=";"))) == csv_import.COLUMNS
    r = _post(api, cookies)
    assert r.status_code == 303
    token = r.headers["location"].removeprefix("/admin/import/")
    assert r.headers["location"].startswith("/admin/import/") and len(token) >= 32
    team.rollback()
    row = team.exec(select(ImportUpload)).one()
    assert (row.token, row.filename, row.content) == (token, "families.csv", GOOD)
    member = team.exec(select(StaffMember).where(StaffMember.id == row.staff_id)).one()
    assert member.email == {"owner": "office@example.com", "office": "desk@example.com"}[who]


@pytest.mark.parametrize("who", ["nobody", "client", "instructor"])
def test_no_staff_session_or_right_gets_nothing_and_stores_nothing(api, team, who):
    cookies = _cookies(team, who)
    with _client(api, cookies) as c:
        template = c.get(TEMPLATE, follow_redirects=False)
    r = _post(api, cookies)
    if who == "instructor":
        assert template.status_code == 403 and r.status_code == 403
        assert "does not allow" in r.text
    else:  # no staff session (a client's cookie is none): the template is not there, the upload goes to login
        assert template.status_code == 404
        assert r.status_code == 303 and r.headers["location"] == "/admin/login?next=%2Fadmin%2Fimport"
    assert b"family_name" not in template.content
    assert _uploads(team) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "", "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_cross_origin_upload_is_refused(api, team, headers):
    r = _post(api, _cookies(team, "owner"), headers=headers)
    assert r.status_code == 403
    assert _uploads(team) == 0


def test_an_oversized_upload_is_refused_before_reading(api, team):
    cookies = _cookies(team, "owner")
    big = b"x" * (csv_import.MAX_BYTES + 20_000)
    r = _post(api, cookies, data=big)
    assert r.status_code == 413 and "too large" in r.text
    # A lying Content-Length is refused before the body is read at all.
    with _client(api, cookies) as c:
        r = c.post(
            UPLOAD,
            content=b"x" * 10,
            headers={
                "Origin": "http://localhost:3000",
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(csv_import.MAX_BYTES * 5),
            },
            follow_redirects=False,
        )
    assert r.status_code in (400, 413)  # the test client may recount; either way nothing is read or stored
    assert _uploads(team) == 0


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("no file field", {"other": ("a.csv", GOOD, "text/csv")}),
        ("empty file", {"file": ("a.csv", b"", "text/csv")}),
    ],
)
def test_a_form_without_a_file_goes_back_to_the_page(api, team, kind, body):
    r = _post(api, _cookies(team, "owner"), files=body)
    assert r.status_code == 303 and r.headers["location"] == "/admin/import?missing=1", kind
    assert _uploads(team) == 0


def test_junk_bodies_are_refused_cleanly(api, team):
    cookies = _cookies(team, "owner")
    with _client(api, cookies) as c:
        for content_type, content in (
            ("multipart/form-data; boundary=zzz", b"--zzz\r\nnonsense"),
            ("application/json", b'{"file": "x"}'),
            ("text/plain", b"\x00\xff" * 100),
        ):
            r = c.post(
                UPLOAD,
                content=content,
                headers={"Origin": "http://localhost:3000", "Content-Type": content_type},
                follow_redirects=False,
            )
            assert r.status_code == 303 and r.headers["location"] == "/admin/import?missing=1"
    # A junk file is stored as it is: its dry run says what is wrong with it.
    r = _post(api, cookies, data=b"\xff\xfe\x00junk")
    assert r.status_code == 303
    assert _uploads(team) == 1
