"""The REST API /api/v1 through the whole app (mounted in front of Reflex, behind the security headers): keys,
scoping to the key's provider, paging, updated_since, errors, writes through the console services, rate limits
and the browsable docs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.clock import utcnow
from client_profile.models import (
    Attendance,
    Attendee,
    AuditEntry,
    Booking,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    Programme,
    Provider,
    StaffMember,
)
from client_profile.models.base import as_utc
from client_profile.services.integrations import api_keys
from client_profile.services.people.identity import StaffPrincipal
from tests.login_helpers import override_env


@pytest.fixture(scope="module")
def http(api):
    from client_profile.api.headers import security_headers

    return TestClient(security_headers(api, frontend_dir=lambda: None), follow_redirects=False)


def _owner(db) -> StaffPrincipal:
    m = db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    return StaffPrincipal(m.id, m.provider_id, 0, m.email, m.full_name, m.role.value)


def other_provider(db) -> dict[str, int]:
    """A second provider with one of everything the API serves (the ids a key of the demo must never reach)."""
    p = Provider(slug="other", name="Other School")
    db.add(p)
    db.flush()
    programme = Programme(provider_id=p.id, name="Judo")
    family = Family(provider_id=p.id, name="Strangers")
    db.add_all([programme, family])
    db.flush()
    cls = ClassGroup(programme_id=programme.id, name="Judo - Monday")
    client = Client(provider_id=p.id, email="stranger@example.com", family_id=family.id)
    child = Attendee(family_id=family.id, first_name="Sam")
    db.add_all([cls, client, child])
    db.flush()
    start = utcnow() - timedelta(days=1)
    session = ClassSession(class_id=cls.id, starts_at=start, ends_at=start + timedelta(hours=1))
    booking = Booking(provider_id=p.id, attendee_id=child.id, class_id=cls.id)
    db.add_all([session, booking])
    db.flush()
    attendance = Attendance(booking_id=booking.id, session_id=session.id)
    db.add(attendance)
    db.commit()
    return {
        "programmes": programme.id,
        "classes": cls.id,
        "sessions": session.id,
        "families": family.id,
        "clients": client.id,
        "attendees": child.id,
        "bookings": booking.id,
        "attendance": attendance.id,
    }


@pytest.fixture(autouse=True)
def roomy_limit():
    """Paging the whole demo two rows at a time takes more than a minute's worth of requests."""
    with override_env(API_RATE_LIMIT_PER_MINUTE="100000"):
        yield


@pytest.fixture
def keys(demo):
    owner = _owner(demo)
    _, read = api_keys.create_key(demo, owner, "Reader", False)
    _, write = api_keys.create_key(demo, owner, "Writer", True)
    demo.commit()
    return demo, {"Authorization": f"Bearer {read}"}, {"Authorization": f"Bearer {write}"}


def _error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer cpk_abcdefgh_" + "A" * 43],
)
def test_no_malformed_or_unknown_key_is_401(http, keys, header):
    r = http.get("/api/v1/families", headers={"Authorization": header} if header is not None else {})
    _error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert "location" not in r.headers  # never sent to the login page


def test_a_revoked_key_is_401_at_its_next_request(http, keys):
    db, read, _ = keys
    assert http.get("/api/v1/families", headers=read).status_code == 200
    db.rollback()
    row = db.exec(select(api_keys.ApiKey).where(api_keys.ApiKey.name == "Reader")).one()
    api_keys.revoke_key(db, _owner(db), row.id)
    db.commit()
    _error(http.get("/api/v1/families", headers=read), 401, "unauthorized")


def test_lists_page_with_an_opaque_cursor_and_keep_to_the_keys_provider(http, keys):
    db, read, _ = keys
    others = other_provider(db)
    for resource, other_id in others.items():
        seen, cursor = [], None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            r = http.get(f"/api/v1/{resource}", headers=read, params=params)
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["data"]) <= 2
            seen += [row["id"] for row in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert other_id not in seen, resource
        assert seen == sorted(set(seen)), resource  # every row once, in id order
        _error(http.get(f"/api/v1/{resource}/{other_id}", headers=read), 404, "not_found")
        if seen:
            one = http.get(f"/api/v1/{resource}/{seen[0]}", headers=read)
            assert one.status_code == 200 and one.json()["id"] == seen[0]
    families = http.get("/api/v1/families", headers=read, params={"limit": 200}).json()["data"]
    assert len(families) == db.exec(select(func.count()).select_from(Family)).one() - 1


def test_filters_and_updated_since(http, keys):
    db, read, _ = keys
    carter = db.exec(select(Family).where(Family.name == "Carter")).one()
    r = http.get("/api/v1/attendees", headers=read, params={"family_id": carter.id})
    assert {a["first_name"] for a in r.json()["data"]} == {"Lily"}
    mark = utcnow() + timedelta(seconds=1)
    assert (
        http.get("/api/v1/families", headers=read, params={"updated_since": mark.isoformat()}).json()["data"]
        == []
    )
    db.rollback()  # end the test's read transaction (the API's requests wrote since)
    carter.name = "Carter-Smith"
    db.add(carter)
    db.commit()
    db.refresh(carter)
    since = (as_utc(carter.updated_at) - timedelta(microseconds=1)).isoformat()
    changed = http.get("/api/v1/families", headers=read, params={"updated_since": since}).json()["data"]
    assert [f["name"] for f in changed] == ["Carter-Smith"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-ours"}, "cursor"),
        ({"cursor": "djE6LTE"}, "cursor"),  # "v1:-1"
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"family_id": "x"}, "family_id"),
    ],
)
def test_bad_paging_input_is_a_422_naming_the_field(http, keys, params, field):
    _, read, _ = keys
    body = _error(http.get("/api/v1/attendees", headers=read, params=params), 422, "invalid")
    assert field in body["fields"]


def test_a_read_key_may_not_write_and_nothing_changes(http, keys):
    db, read, _ = keys
    families = db.exec(select(func.count()).select_from(Family)).one()
    r = http.post("/api/v1/families", headers=read, json={"name": "Nope"})
    _error(r, 403, "forbidden")
    lily = db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    cls = db.exec(select(ClassGroup).where(ClassGroup.name == "Improvers - Wednesday 17:00")).one()
    body = {"attendee_id": lily.id, "class_id": cls.id, "from_date": utcnow().date().isoformat()}
    _error(http.post("/api/v1/bookings", headers=read, json=body), 403, "forbidden")
    db.rollback()
    assert db.exec(select(func.count()).select_from(Family)).one() == families


def test_a_write_key_creates_a_family_with_its_client_and_attendees_audited_as_the_key(http, keys):
    db, _, write = keys
    body = {
        "name": "Novak",
        "email": "Petra.Novak@Example.com",
        "full_name": "Petra Novak",
        "attendees": [{"first_name": "Jan", "birth_date": "2018-05-01"}, {"first_name": "Eva"}],
    }
    r = http.post("/api/v1/families", headers=write, json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["family"]["name"] == "Novak"
    assert [c["email"] for c in made["clients"]] == ["petra.novak@example.com"]
    assert [a["first_name"] for a in made["attendees"]] == ["Jan", "Eva"]
    db.rollback()
    actors = set(db.exec(select(AuditEntry.actor).where(AuditEntry.family_id == made["family"]["id"])).all())
    assert len(actors) == 1 and actors.pop().startswith("API key Writer (cpk_")
    # The same request again: the address is taken, so nothing is made twice (and nothing half-made).
    families = db.exec(select(func.count()).select_from(Family)).one()
    again = _error(http.post("/api/v1/families", headers=write, json=body), 422, "invalid")
    assert "email" in again["fields"]
    db.rollback()
    assert db.exec(select(func.count()).select_from(Family)).one() == families


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "X", "email": "not an address"}, "email"),
        ({"name": "X", "attendees": [{"first_name": ""}]}, "attendees[0].first_name"),
        (
            {"name": "X", "attendees": [{"first_name": "A", "birth_date": "2999-01-01"}]},
            "attendees[0].birth_date",
        ),
        ({"name": "X", "surprise": 1}, "surprise"),
    ],
)
def test_a_refused_family_names_the_field_and_changes_nothing(http, keys, body, field):
    db, _, write = keys
    families = db.exec(select(func.count()).select_from(Family)).one()
    refused = _error(http.post("/api/v1/families", headers=write, json=body), 422, "invalid")
    assert field in refused["fields"], refused
    db.rollback()
    assert db.exec(select(func.count()).select_from(Family)).one() == families


def test_a_write_key_enrols_once_and_never_in_another_providers_class(http, keys):
    db, _, write = keys
    others = other_provider(db)
    lily = db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    cls = db.exec(select(ClassGroup).where(ClassGroup.name == "Improvers - Wednesday 17:00")).one()
    body = {"attendee_id": lily.id, "class_id": cls.id, "from_date": utcnow().date().isoformat()}
    r = http.post("/api/v1/bookings", headers=write, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["class_id"] == cls.id and r.json()["status"] == "active"
    twice = _error(http.post("/api/v1/bookings", headers=write, json=body), 422, "invalid")
    assert "already enrolled" in twice["fields"]["class_id"]  # the console's rule, named by its field
    db.rollback()
    assert (
        len(db.exec(select(Booking).where(Booking.attendee_id == lily.id, Booking.class_id == cls.id)).all())
        == 1
    )
    stranger = {**body, "class_id": others["classes"]}  # (made before the requests above)
    _error(http.post("/api/v1/bookings", headers=write, json=stranger), 404, "not_found")
    _error(
        http.post("/api/v1/bookings", headers=write, json={**body, "attendee_id": others["attendees"]}),
        404,
        "not_found",
    )


def _started_session_of(db, attendee_first_name: str) -> tuple[int, int]:
    child = db.exec(select(Attendee).where(Attendee.first_name == attendee_first_name)).one()
    row = db.exec(
        select(ClassSession)
        .join(Attendance, Attendance.session_id == ClassSession.id)
        .join(Booking, Booking.id == Attendance.booking_id)
        .where(Booking.attendee_id == child.id, ClassSession.starts_at <= utcnow())
        .order_by(ClassSession.starts_at.desc())
    ).first()
    return row.id, child.id


def test_a_write_key_sets_attendance_through_the_register(http, keys):
    db, read, write = keys
    session_id, lily = _started_session_of(db, "Lily")
    path = f"/api/v1/sessions/{session_id}/attendance/{lily}"
    r = http.put(path, headers=write, json={"state": "missed"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "missed" and r.json()["session_id"] == session_id
    assert (
        http.put(path, headers=write, json={"state": "missed"}).json()["state"] == "missed"
    )  # no second change
    db.rollback()
    marks = db.exec(select(AuditEntry).where(AuditEntry.action == "attendance.mark")).all()
    assert len([m for m in marks if m.actor.startswith("API key Writer")]) == 1
    _error(http.put(path, headers=write, json={"state": "excused"}), 422, "invalid")
    _error(http.put(path, headers=read, json={"state": "attended"}), 403, "forbidden")
    db.rollback()
    others = other_provider(db)
    _error(
        http.put(
            f"/api/v1/sessions/{others['sessions']}/attendance/{others['attendees']}",
            headers=write,
            json={"state": "attended"},
        ),
        404,
        "not_found",
    )


def test_each_key_has_its_own_per_minute_limit(http, keys):
    _, read, write = keys
    with override_env(API_RATE_LIMIT_PER_MINUTE="2"):
        assert [http.get("/api/v1/programmes", headers=read).status_code for _ in range(2)] == [200, 200]
        limited = http.get("/api/v1/programmes", headers=read)
        _error(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert http.get("/api/v1/programmes", headers=write).status_code == 200  # another key, another count


def test_the_openapi_document_and_the_browsable_docs(http, keys):
    doc = http.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    for resource in (
        "programmes",
        "classes",
        "sessions",
        "families",
        "clients",
        "attendees",
        "bookings",
        "attendance",
        "charges",
        "payments",
        "orders",
        "entry_passes",
        "makeup_credits",
    ):
        assert f"/{resource}" in paths and f"/{resource}/{{row_id}}" in paths
    assert "bearer" in str(doc.json()["components"]["securitySchemes"]).lower()
    page = http.get("/api/v1/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    csp = page.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split("; ") if p.startswith("script-src"))
    assert (
        script_src.startswith("script-src 'self'") and "'sha256-" in script_src and "http" not in script_src
    )
    assert "unsafe" not in script_src and "frame-ancestors 'none'" in csp
    assert "/api/v1/docs/swagger-ui-bundle.js" in page.text and "cdn" not in page.text
    # Its script and style are the app's own files, and nothing else is served from there.
    script = http.get("/api/v1/docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.text
    assert http.get("/api/v1/docs/swagger-ui.css").status_code == 200
    assert http.get("/api/v1/docs/..%2F..%2Fsettings.py").status_code == 404
    assert http.get("/api/v1/docs/swagger-ui-bundle.js.map").status_code == 404
    app_csp = http.get("/api/v1/families").headers["Content-Security-Policy"]
    assert "sha256" not in app_csp  # the exception is that page's alone


def test_an_idempotency_key_applies_a_write_once_and_replays_its_answer(http, keys):
    db, read, write = keys
    families = db.exec(select(func.count()).select_from(Family)).one()
    headers = write | {"Idempotency-Key": "order-7781"}
    first = http.post("/api/v1/families", headers=headers, json={"name": "Horvat"})
    again = http.post("/api/v1/families", headers=headers, json={"name": "Horvat"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    db.rollback()
    assert db.exec(select(func.count()).select_from(Family)).one() == families + 1
    other = _error(http.post("/api/v1/families", headers=headers, json={"name": "Other"}), 422, "invalid")
    assert "Idempotency-Key" in other["fields"]
    _error(
        http.post("/api/v1/families", headers=read | {"Idempotency-Key": "k"}, json={"name": "X"}),
        403,
        "forbidden",
    )
    # Another key's same Idempotency-Key is its own.
    db.rollback()
    owner = _owner(db)
    _, second = api_keys.create_key(db, owner, "Second writer", True)
    db.commit()
    mine = {"Authorization": f"Bearer {second}", "Idempotency-Key": "order-7781"}
    assert http.post("/api/v1/families", headers=mine, json={"name": "Horvat"}).status_code == 201
    db.rollback()
    assert db.exec(select(func.count()).select_from(Family)).one() == families + 2


def test_parallel_retries_with_one_idempotency_key_write_once(api, keys):
    from concurrent.futures import ThreadPoolExecutor

    from client_profile.api.headers import security_headers

    db, _, write = keys
    families = db.exec(select(func.count()).select_from(Family)).one()
    db.rollback()
    headers = write | {"Idempotency-Key": "same-for-all"}

    def post(_):
        with TestClient(security_headers(api, frontend_dir=lambda: None)) as client:
            r = client.post("/api/v1/families", headers=headers, json={"name": "Parallel"})
            return r.status_code, r.json()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(post, range(6)))
    assert {status for status, _ in answers} == {201}, answers
    assert len({body["family"]["id"] for _, body in answers}) == 1
    assert db.exec(select(func.count()).select_from(Family)).one() == families + 1


def test_parallel_requests_count_exactly_against_the_limit(api, keys):
    from concurrent.futures import ThreadPoolExecutor

    from client_profile.api.headers import security_headers

    db, read, _ = keys
    db.rollback()

    def get(_):
        with TestClient(security_headers(api, frontend_dir=lambda: None)) as client:
            return client.get("/api/v1/programmes", headers=read).status_code

    with override_env(API_RATE_LIMIT_PER_MINUTE="5"), ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(get, range(12)))
    assert statuses == [200] * 5 + [429] * 7
