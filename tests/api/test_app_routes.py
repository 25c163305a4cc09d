"""The HTTP layer in front of Reflex: pages need a session, photos are private to who may see the attendee."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import Attendee, Client
from client_profile.services.demo import load_demo
from client_profile.services.people import auth
from client_profile.services.schedule.attendees import set_photo


@pytest.fixture
def demo(db):
    load_demo(db)
    for name in ("Ema", "Lily"):
        out = io.BytesIO()
        Image.new("RGB", (40, 40), (200, 50, 50)).save(out, format="PNG")
        set_photo(db, db.exec(select(Attendee).where(Attendee.first_name == name)).one().id, out.getvalue())
    db.commit()
    return db


def session_cookie(db, email: str) -> dict[str, str]:
    client = db.exec(select(Client).where(Client.email == email)).one()
    token, _ = auth.create_session(db, client.id, client.session_epoch)
    db.commit()
    return {auth.session_cookie_name(): token}


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/", "/login"),
        ("/bookings", "/login?next=%2Fbookings"),
        ("/benefits/", "/login?next=%2Fbenefits%2F"),
        ("/orders", "/login?next=%2Forders"),
        ("/bookings/12?tab=sessions", "/login?next=%2Fbookings%2F12%3Ftab%3Dsessions"),
    ],
)
def test_pages_without_a_session_redirect_to_login_and_remember_the_page(api, demo, path, location):
    with TestClient(api, base_url="http://localhost:3000") as client:
        r = client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == location
    assert r.headers["cache-control"] == "no-store"


def test_login_page_and_static_paths_are_not_guarded(api, demo):
    with TestClient(api, base_url="http://localhost:3000") as client:
        assert client.get("/login", follow_redirects=False).status_code == 200
        assert client.get("/favicon.ico", follow_redirects=False).status_code != 303


def test_a_valid_session_passes_the_guard(api, demo):
    with TestClient(
        api, base_url="http://localhost:3000", cookies=session_cookie(demo, "anna@example.com")
    ) as c:
        r = c.get("/", follow_redirects=False)
    assert r.status_code != 303  # Reflex's own app answers (no compiled front end in unit tests)


def test_photos_are_served_only_to_who_may_see_the_attendee(api, demo):
    ema = demo.exec(select(Attendee).where(Attendee.first_name == "Ema")).one().id
    lily = demo.exec(select(Attendee).where(Attendee.first_name == "Lily")).one().id
    anna = session_cookie(demo, "anna@example.com")
    peter = session_cookie(demo, "peter@example.com")
    with TestClient(api, base_url="http://localhost:3000") as client:
        anon = client.get(f"/media/attendees/{ema}/photo")
        assert anon.status_code == 404
        client.cookies.update(anna)
        own = client.get(f"/media/attendees/{ema}/photo")
        assert own.status_code == 200 and own.content.startswith(b"\xff\xd8")
        assert own.headers["cache-control"] == "private, no-store"
        foreign = client.get(f"/media/attendees/{lily}/photo")
        missing = client.get("/media/attendees/999999/photo")
        assert foreign.status_code == missing.status_code == 404 and foreign.content == missing.content
        client.cookies.clear()
        client.cookies.update(peter)
        assert client.get(f"/media/attendees/{ema}/photo").status_code == 200  # shared booking's attendee
        assert client.get(f"/media/attendees/{lily}/photo").status_code == 404


@pytest.mark.parametrize("junk", ["abc", "1.5", "-1", "0", "1e3", "%3Cscript%3E", "99999999999999999999999"])
def test_non_numeric_photo_ids_are_a_plain_404_that_echoes_nothing(api, demo, junk):
    """docs/security.md finding 7c: a non-number answered 422 with the input echoed back; every other miss is 404."""
    with TestClient(
        api, base_url="http://localhost:3000", cookies=session_cookie(demo, "anna@example.com")
    ) as c:
        r = c.get(f"/media/attendees/{junk}/photo")
        missing = c.get("/media/attendees/999999/photo")
    assert r.status_code == 404 and r.content == missing.content
    assert r.headers["cache-control"] == "private, no-store"
