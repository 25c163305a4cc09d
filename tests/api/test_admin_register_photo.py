"""The console's register photos (/admin/media/attendees/<id>/photo): only for a staff session that may take the
register of a session the attendee has a place in; everything else is the same plain 404, never a redirect."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import Attendee, Client, StaffMember
from client_profile.services.demo import load_demo
from client_profile.services.people import auth
from client_profile.services.schedule.attendees import set_photo

PHOTO = "/admin/media/attendees/{}/photo"


@pytest.fixture
def demo(db):
    """The demo with photos for Ema and Lily (Martina's Tuesday 16:00 beginners) and Adam (another class)."""
    load_demo(db)
    for name in ("Ema", "Lily", "Adam"):
        out = io.BytesIO()
        Image.new("RGB", (40, 40), (200, 50, 50)).save(out, format="PNG")
        set_photo(db, _id(db, name), out.getvalue())
    db.commit()
    return db


def _id(db, first_name: str) -> int:
    return db.exec(select(Attendee).where(Attendee.first_name == first_name)).one().id


def _cookie(db, email: str, area=auth.STAFF, name_area=None) -> dict[str, str]:
    model = StaffMember if area is auth.STAFF else Client
    row = db.exec(select(model).where(model.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=area)
    db.commit()
    return {auth.session_cookie_name(name_area or area): token}


def _get(api, path: str, cookies: dict[str, str] | None = None):
    with TestClient(api, base_url="http://localhost:3000", cookies=cookies or {}) as c:
        return c.get(path, follow_redirects=False)


def _is_photo(r) -> bool:
    return (
        r.status_code == 200
        and r.content.startswith(b"\xff\xd8")
        and r.headers["content-type"] == "image/jpeg"
        and r.headers["cache-control"] == "private, no-store"
    )


def _is_not_found(r) -> bool:
    return (
        r.status_code == 404
        and r.content == b"Not found"
        and r.headers["cache-control"] == "private, no-store"
    )


def test_the_owner_sees_any_attendee_with_a_place(api, demo):
    owner = _cookie(demo, "office@example.com")
    assert _is_photo(_get(api, PHOTO.format(_id(demo, "Ema")), owner))
    assert _is_photo(_get(api, PHOTO.format(_id(demo, "Adam")), owner))


def test_martina_sees_her_class_only(api, demo):
    martina = _cookie(demo, "martina@example.com")
    assert _is_photo(_get(api, PHOTO.format(_id(demo, "Ema")), martina))
    assert _is_photo(_get(api, PHOTO.format(_id(demo, "Lily")), martina))
    other = _get(api, PHOTO.format(_id(demo, "Adam")), martina)  # in the Tuesday 17:00 group, not hers
    missing = _get(api, PHOTO.format(999999), martina)
    assert _is_not_found(other) and _is_not_found(missing)


def test_no_staff_session_is_not_found_never_a_redirect_to_the_login(api, demo):
    ema = PHOTO.format(_id(demo, "Ema"))
    assert _is_not_found(_get(api, ema))
    # Anna's client session opens her own daughter's photo on the client route, never the console's.
    anna = _cookie(demo, "anna@example.com", area=auth.CLIENT)
    assert _is_not_found(_get(api, ema, anna))
    # Nor does her client session token under the console's cookie name.
    assert _is_not_found(_get(api, ema, _cookie(demo, "anna@example.com", auth.CLIENT, name_area=auth.STAFF)))


@pytest.mark.parametrize("junk", ["abc", "1.5", "-1", "0", "1e3", "%3Cscript%3E", "99999999999999999999999"])
def test_junk_ids_are_a_plain_404_that_echoes_nothing(api, demo, junk):
    r = _get(api, PHOTO.format(junk), _cookie(demo, "office@example.com"))
    assert _is_not_found(r) and junk not in r.text
