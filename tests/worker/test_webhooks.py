"""Outgoing webhooks against a real local HTTP receiver: queued in the change's own transaction, signed, retried
with backoff, scoped to the provider, stopped by disabling; the SSRF guard on saving and on sending."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.api.v1 import build_v1
from client_profile.clock import utcnow
from client_profile.integrations import webhook_http
from client_profile.models import (
    Attendee,
    Booking,
    ClassGroup,
    Provider,
    StaffMember,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookStatus,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import FieldErrors
from client_profile.services.integrations import api_keys, webhooks
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider
from client_profile.services.schedule import attendance as att
from client_profile.services.schedule import enrolment
from client_profile.settings import Settings
from tests.login_helpers import override_env, principal_of
from tests.unit.test_attendance import next_scheduled


class Receiver:
    """A local HTTP server that records each POST and answers with the next status of ``answers`` (then 200)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    with override_env(WEBHOOK_ALLOW_PRIVATE="true"):
        yield r
    r.close()


def _owner(db) -> StaffPrincipal:
    m = db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    return StaffPrincipal(m.id, m.provider_id, 0, m.email, m.full_name, m.role.value)


def _enrol_lily(db):
    lily = db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    cls = db.exec(select(ClassGroup).where(ClassGroup.name == "Improvers - Wednesday 17:00")).one()
    return enrolment.enrol(db, _owner(db), lily.id, cls.id, utcnow().date())


def _deliveries(db) -> list[WebhookDelivery]:
    db.rollback()
    return list(db.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())


def test_an_enrolment_is_queued_with_its_transaction_signed_and_delivered(demo, receiver):
    endpoint, secret = webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["booking", "attendance"])
    demo.commit()
    assert secret.startswith("whsec_") and secret not in endpoint.secret_sealed
    _enrol_lily(demo)
    demo.rollback()  # the change rolled back: so did its delivery
    assert _deliveries(demo) == []
    booking = _enrol_lily(demo)
    demo.commit()
    queued = _deliveries(demo)
    assert [(d.event, d.status) for d in queued] == [("booking.created", WebhookStatus.pending)]
    assert webhooks.process_due() == 1
    [(headers, body)] = receiver.received
    now = int(utcnow().timestamp())
    assert webhook_http.verify(secret, headers["client-profile-signature"], body, now)
    assert not webhook_http.verify(secret, headers["client-profile-signature"], body + b" ", now)
    assert not webhook_http.verify("whsec_other", headers["client-profile-signature"], body, now)
    assert not webhook_http.verify(secret, headers["client-profile-signature"], body, now + 3600)  # a replay
    event = json.loads(body)
    assert event["type"] == "booking.created" and event["id"] == headers["client-profile-event-id"]
    assert event["data"]["id"] == booking.id and event["data"]["status"] == "active"
    [done] = _deliveries(demo)
    assert done.status == WebhookStatus.delivered and done.last_status == 200 and done.attempts == 1
    assert webhooks.process_due() == 0  # delivered once


def test_a_failing_receiver_is_retried_with_exponential_backoff(demo, receiver):
    webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["booking"])
    demo.commit()
    _enrol_lily(demo)
    demo.commit()
    receiver.answers = [500, 503]
    now = utcnow()
    assert webhooks.process_due(now) == 1
    [row] = _deliveries(demo)
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        WebhookStatus.pending,
        1,
        500,
        "HTTP 500",
    )
    assert as_utc(row.next_attempt_at) == now + timedelta(seconds=30)
    assert webhooks.process_due(now + timedelta(seconds=29)) == 0  # not due yet
    assert webhooks.process_due(now + timedelta(seconds=30)) == 1
    [row] = _deliveries(demo)
    assert row.attempts == 2 and as_utc(row.next_attempt_at) == now + timedelta(seconds=90)  # then 60 s
    assert webhooks.process_due(now + timedelta(seconds=90)) == 1
    [row] = _deliveries(demo)
    assert row.status == WebhookStatus.delivered and len(receiver.received) == 3
    assert (
        len({json.loads(b)["id"] for _, b in receiver.received}) == 1
    )  # one event id: receivers drop repeats


def test_gives_up_after_the_last_attempt(demo, receiver):
    webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["booking"])
    demo.commit()
    _enrol_lily(demo)
    demo.commit()
    receiver.answers = [500] * webhooks.MAX_ATTEMPTS
    at = utcnow()
    for _ in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.process_due(at) == 1
        at += timedelta(hours=2)
    [row] = _deliveries(demo)
    assert row.status == WebhookStatus.failed and row.attempts == webhooks.MAX_ATTEMPTS
    assert webhooks.process_due(at) == 0


def test_only_subscribed_live_endpoints_of_the_provider_get_events(demo, receiver):
    owner = _owner(demo)
    attendance_only, _ = webhooks.create_endpoint(demo, owner, receiver.url, ["attendance"])
    stopped, _ = webhooks.create_endpoint(demo, owner, receiver.url, ["booking"])
    other = Provider(slug="other", name="Other")
    demo.add(other)
    demo.flush()
    demo.add(WebhookEndpoint(provider_id=other.id, url=receiver.url, secret_sealed="x", events="booking.*"))
    demo.commit()
    webhooks.disable_endpoint(demo, owner, stopped.id)
    webhooks.disable_endpoint(demo, owner, stopped.id)  # twice: nothing more
    demo.commit()
    _enrol_lily(demo)
    demo.commit()
    assert _deliveries(demo) == []
    rows = webhooks.list_endpoints(demo, owner)
    assert [(r.id, r.is_disabled) for r in rows] == [(attendance_only.id, False), (stopped.id, True)]


def test_a_booking_change_is_an_updated_event(demo, receiver):
    webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["booking"])
    demo.commit()
    booking = demo.exec(select(Booking).order_by(Booking.id)).first()
    booking.status = "ended"
    demo.add(booking)
    demo.commit()
    booking.price_minor += 1  # not a watched change
    demo.add(booking)
    demo.commit()
    assert [d.event for d in _deliveries(demo)] == ["booking.updated"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "https://user:pw@example.com/hook",
        "javascript:alert(1)",
        "",
        None,
        "https://exa mple.com/",
    ],
)
def test_unsafe_urls_are_refused_when_private_addresses_are_not_allowed(demo, url):
    with override_env(WEBHOOK_ALLOW_PRIVATE="false"):
        with pytest.raises(FieldErrors) as refused:
            webhooks.create_endpoint(demo, _owner(demo), url, ["booking"])
        assert "url" in refused.value.fields
    assert webhook_http.check_url("https://93.184.215.14/hook", False) == "https://93.184.215.14/hook"


def test_production_refuses_private_addresses_unless_told_and_the_send_checks_again(demo, receiver):
    production = Settings(
        CLIENT_PROFILE_ENV="production",
        SECRET_KEY="k" * 40,
        SMTP_HOST="smtp.example.com",
        WEBHOOK_ALLOW_PRIVATE=None,
    )
    assert production.webhooks_may_reach_private is False
    assert (
        Settings(CLIENT_PROFILE_ENV="development", WEBHOOK_ALLOW_PRIVATE=None).webhooks_may_reach_private
        is True
    )
    webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["booking"])
    demo.commit()
    _enrol_lily(demo)
    demo.commit()
    with override_env(WEBHOOK_ALLOW_PRIVATE="false"):  # saved while allowed, refused at the send
        assert webhooks.process_due() == 1
    [row] = _deliveries(demo)
    assert (
        receiver.received == []
        and row.status == WebhookStatus.pending
        and row.last_error.startswith("refused")
    )


@pytest.mark.parametrize("events", [[], ["bookings"], "payment.*", None, 5, ["booking", 1]])
def test_events_must_be_known_groups(demo, receiver, events):
    with pytest.raises(FieldErrors) as refused:
        webhooks.create_endpoint(demo, _owner(demo), receiver.url, events)
    assert "events" in refused.value.fields


def test_an_api_enrolment_reaches_the_receiver(demo, receiver):
    owner = _owner(demo)
    _, key = api_keys.create_key(demo, owner, "Sync", True)
    _, secret = webhooks.create_endpoint(demo, owner, receiver.url, ["booking", "attendance"])
    demo.commit()
    lily = demo.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    cls = demo.exec(select(ClassGroup).where(ClassGroup.name == "Improvers - Wednesday 17:00")).one()
    demo.rollback()
    http = TestClient(build_v1())
    body = {"attendee_id": lily.id, "class_id": cls.id, "from_date": utcnow().date().isoformat()}
    r = http.post("/bookings", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text
    assert webhooks.process_due() == 1
    [(headers, raw)] = receiver.received
    assert webhook_http.verify(secret, headers["client-profile-signature"], raw, int(utcnow().timestamp()))
    assert json.loads(raw)["data"]["id"] == r.json()["id"]


def test_a_familys_excuse_and_sign_back_up_core_updates_are_attendance_events(demo, receiver):
    webhooks.create_endpoint(demo, _owner(demo), receiver.url, ["attendance"])
    demo.commit()
    anna, provider = principal_of(demo, "anna@example.com"), current_provider(demo)
    attendance, session = next_scheduled(demo, "Ema", skip=1)
    now = session.starts_at - timedelta(hours=25)
    att.excuse(demo, anna, provider, attendance.id, "illness", "", now)
    demo.commit()
    att.sign_back_up(demo, anna, provider, attendance.id, now)
    demo.commit()
    events = [(d.event, d.payload["id"], d.payload["state"]) for d in _deliveries(demo)]
    assert events == [
        ("attendance.updated", attendance.id, "cancelled"),
        ("attendance.updated", attendance.id, "scheduled"),
    ]
