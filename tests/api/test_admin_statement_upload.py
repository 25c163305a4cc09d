"""POST /admin/money/statements/upload: the staff cookie of the request itself, the money right, the Origin,
a size cap before reading, and a clear page for a file that is not a statement; nothing stored when refused."""

from __future__ import annotations

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from client_profile.models import AuditEntry, BankStatement, BankStatementLine, Client, StaffMember
from client_profile.services.money.statements import MAX_BYTES, UPLOAD_PATH
from client_profile.services.people import auth
from tests.statement_helpers import a_day, camt053, euros, unpaid_of

ORIGIN = {"Origin": "http://localhost:3000"}


def _cookie(db, email: str, area=auth.STAFF) -> dict[str, str]:
    model = StaffMember if area is auth.STAFF else Client
    row = db.exec(select(model).where(model.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=area)
    db.commit()
    return {auth.session_cookie_name(area): token}


def _post(api, cookies=None, headers=None, files=None, content=None):
    with TestClient(api, base_url="http://localhost:3000", cookies=cookies or {}) as c:
        if content is not None:
            return c.post(UPLOAD_PATH, headers=headers or {}, content=content, follow_redirects=False)
        return c.post(UPLOAD_PATH, headers=headers or {}, files=files, follow_redirects=False)


def _stored(db) -> tuple[int, int, int]:
    db.rollback()
    return (
        db.exec(select(func.count()).select_from(BankStatement)).one(),
        db.exec(select(func.count()).select_from(BankStatementLine)).one(),
        db.exec(select(func.count()).select_from(AuditEntry)).one(),
    )


def _a_statement(db) -> bytes:
    charge = unpaid_of(db, "Novak")[0]
    return camt053(("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna Novak"))


def test_the_office_uploads_and_lands_on_the_statement_and_again_on_the_same_one(api, demo):
    data = _a_statement(demo)
    files = {"file": ("november.xml", data, "application/xml")}
    r = _post(api, _cookie(demo, "office@example.com"), ORIGIN, files)
    statement = demo.exec(select(BankStatement)).one()
    assert r.status_code == 303 and r.headers["location"] == f"/admin/money/statements/{statement.id}"
    assert statement.file_name == "november.xml"
    assert _stored(demo) == (1, 1, 1)
    again = _post(api, _cookie(demo, "office@example.com"), ORIGIN, files)
    assert again.status_code == 303
    assert again.headers["location"] == f"/admin/money/statements/{statement.id}?again=1"
    assert _stored(demo)[:2] == (1, 1)


def test_no_staff_cookie_goes_to_the_console_login_and_stores_nothing(api, demo):
    files = {"file": ("s.xml", _a_statement(demo), "application/xml")}
    before = _stored(demo)
    for cookies in ({}, _cookie(demo, "anna@example.com", area=auth.CLIENT)):
        r = _post(api, cookies, ORIGIN, files)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert _stored(demo) == before


def test_an_instructor_is_refused(api, demo):
    files = {"file": ("s.xml", _a_statement(demo), "application/xml")}
    before = _stored(demo)
    r = _post(api, _cookie(demo, "martina@example.com"), ORIGIN, files)
    assert r.status_code == 403 and "does not allow you to see or change money" in r.text
    assert _stored(demo) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_cross_site_post_is_refused(api, demo, headers):
    files = {"file": ("s.xml", _a_statement(demo), "application/xml")}
    before = _stored(demo)
    r = _post(api, _cookie(demo, "office@example.com"), headers, files)
    assert r.status_code == 403 and "another site" in r.text
    assert _stored(demo) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00junk", "neither a CSV"),
        (b"<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><Document>&x;</Document>", "was refused"),
        (b"date,amount\n2026-01-05,lots\n", "Row 2: The amount"),
    ],
)
def test_junk_gets_a_clear_page_and_stores_nothing(api, demo, data, words):
    before = _stored(demo)
    r = _post(api, _cookie(demo, "office@example.com"), ORIGIN, {"file": ("junk.xml", data, "text/xml")})
    assert r.status_code == 422 and words in r.text
    assert "Back to the statements" in r.text and r.headers["cache-control"] == "no-store"
    assert _stored(demo) == before


def test_no_file_and_a_broken_form_are_refused(api, demo):
    cookies = _cookie(demo, "office@example.com")
    with TestClient(api, base_url="http://localhost:3000", cookies=cookies) as c:
        r = c.post(UPLOAD_PATH, headers=ORIGIN, data={"x": "1"}, follow_redirects=False)
    assert r.status_code == 422 and "Choose a statement file" in r.text
    r = _post(
        api, cookies, {**ORIGIN, "Content-Type": "multipart/form-data; boundary=zz"}, content=b"--zz\r\nbad"
    )
    assert r.status_code in (400, 422)
    assert _stored(demo) == (0, 0, 0)


def test_an_oversized_upload_is_refused_before_it_is_read(api, demo):
    cookies = _cookie(demo, "office@example.com")
    big = b"date,amount\n" + b"2026-01-05,1.00\n" * (MAX_BYTES // 16 + 10)
    r = _post(api, cookies, ORIGIN, {"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and "larger than 2 MB" in r.text
    # A declared length over the cap is refused without reading the body.
    headers = {
        **ORIGIN,
        "Content-Type": "multipart/form-data; boundary=zz",
        "Content-Length": str(10 * MAX_BYTES),
    }
    r = _post(api, cookies, headers, content=b"--zz--")
    assert r.status_code == 413
    assert _stored(demo) == (0, 0, 0)
