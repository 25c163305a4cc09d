"""The console's HTTP side: its login routes (/admin/login, /admin/auth/...), its page guard, and that a client
session and a staff session never stand in for each other."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import AuthSession, Client, StaffMember
from client_profile.services.demo import load_demo
from client_profile.services.notifications import outbox
from client_profile.services.people import auth
from tests.login_helpers import http_client, newest_dev_mail, override_env

_LINK = re.compile(r"/admin/auth/link/([A-Za-z0-9_-]{43})")
_CODE = re.compile(r"^\s+(\d{3}) (\d{3})\s*$", re.M)


@pytest.fixture
def mailbox(tmp_path):
    with override_env(DEV_MAILBOX_DIR=str(tmp_path / "mailbox")):
        yield tmp_path / "mailbox"


@pytest.fixture
def staffed(db):
    load_demo(db)
    db.commit()
    return db


def _cookie(db, email: str, area) -> dict[str, str]:
    model = StaffMember if area is auth.STAFF else Client
    row = db.exec(select(model).where(model.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=area)
    db.commit()
    return {auth.session_cookie_name(area): token}


def test_martina_logs_in_to_the_console_with_the_code_and_lands_on_admin(staffed, mailbox):
    c = http_client()
    page = c.get("/admin/login")
    assert page.status_code == 200 and "Log in to the console" in page.text
    assert 'action="/admin/auth/request"' in page.text
    r = c.post("/admin/auth/request", data={"email": "martina@example.com", "next": "/admin/staff"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/login/code"
    assert auth.flow_cookie_name(auth.STAFF) in r.cookies
    assert auth.flow_cookie_name(auth.CLIENT) not in r.cookies
    assert c.get("/admin/login/code").status_code == 200
    assert outbox.process_due() == 1
    text = newest_dev_mail(mailbox).get_body(preferencelist=("plain",)).get_content()
    assert _LINK.search(text)  # the console's link, not the profile's
    code = "".join(_CODE.search(text).groups())
    done = c.post("/admin/auth/verify", data={"code": code})
    assert done.status_code == 303 and done.headers["location"] == "/admin/staff"
    assert auth.session_cookie_name(auth.STAFF) in done.cookies
    assert auth.session_cookie_name(auth.CLIENT) not in done.cookies
    session = staffed.exec(select(AuthSession)).one()
    assert session.staff_id is not None and session.client_id is None
    # Logged in: the console's login page goes to the console.
    assert c.get("/admin/login").headers["location"] == "/admin"


def test_the_console_link_works_only_on_the_console_route(staffed, mailbox):
    c = http_client()
    c.post("/admin/auth/request", data={"email": "office@example.com"})
    outbox.process_due()
    text = newest_dev_mail(mailbox).get_body(preferencelist=("plain",)).get_content()
    token = _LINK.search(text).group(1)
    assert "not valid" in c.get(f"/auth/link/{token}").text  # the profile's route does not know it
    assert c.post(f"/auth/link/{token}").status_code == 200  # "not valid" page, no cookie
    assert auth.session_cookie_name(auth.CLIENT) not in c.cookies
    r = c.post(f"/admin/auth/link/{token}")
    assert r.status_code == 303 and r.headers["location"] == "/admin"


def test_a_parent_asking_for_a_console_code_gets_nothing(staffed, mailbox):
    c = http_client()
    r = c.post("/admin/auth/request", data={"email": "anna@example.com"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/login/code"  # the same answer
    assert outbox.process_due() == 0


def test_console_logout_ends_only_the_staff_session(staffed):
    staff_cookie = _cookie(staffed, "office@example.com", auth.STAFF)
    client_cookie = _cookie(staffed, "anna@example.com", auth.CLIENT)
    c = http_client()
    c.cookies.update({**staff_cookie, **client_cookie})
    r = c.post("/admin/auth/logout")
    assert r.status_code == 303 and r.headers["location"] == "/admin/login?logged_out=1"
    assert auth.staff_principal_for_token(staffed, next(iter(staff_cookie.values()))) is None
    assert auth.principal_for_token(staffed, next(iter(client_cookie.values()))) is not None


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/admin", "/admin/login"),
        ("/admin/staff", "/admin/login?next=%2Fadmin%2Fstaff"),
        ("/admin/audit?family=3", "/admin/login?next=%2Fadmin%2Faudit%3Ffamily%3D3"),
    ],
)
def test_console_pages_need_a_staff_session_a_client_session_is_not_one(api, staffed, path, location):
    anna = _cookie(staffed, "anna@example.com", auth.CLIENT)
    for cookies in ({}, anna):
        with TestClient(api, base_url="http://localhost:3000", cookies=cookies) as client:
            r = client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == location


def test_a_staff_session_is_not_a_client_session(api, staffed):
    office = _cookie(staffed, "office@example.com", auth.STAFF)
    with TestClient(api, base_url="http://localhost:3000", cookies=office) as client:
        assert client.get("/admin", follow_redirects=False).status_code != 303
        r = client.get("/payments", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fpayments"
