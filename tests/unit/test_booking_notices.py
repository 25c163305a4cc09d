"""Everyone on a booking is told what changes (issue 13): the family's clients and the sharers with notify, each
once, over a real SMTP server (aiosmtpd); the grace period; preferences; the one-click unsubscribe link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from starlette.testclient import TestClient

from client_profile.models import (
    Attendance,
    Attendee,
    Booking,
    BookingShare,
    ClassGroup,
    ClassSession,
    Client,
    Family,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    Programme,
    Provider,
    StaffMember,
    StaffRole,
)
from client_profile.services.notifications import audience, outbox, preferences
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule import timetable
from tests.login_helpers import override_env
from tests.smtp_helpers import smtp_server as running_smtp

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # a Thursday
TUESDAY = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 16:00 in Bratislava
GRACE = timedelta(seconds=121)


@pytest.fixture
def smtp():
    with (
        running_smtp() as (inbox, port),
        override_env(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(port),
            SMTP_SECURITY="none",
            SMTP_USERNAME="",
            SMTP_PASSWORD="",
            SMTP_TIMEOUT_SECONDS="5",
            MAIL_FROM="Little Otters <hello@otters.example>",
            NOTIFY_GRACE_SECONDS="120",
        ),
    ):
        yield inbox


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock):
    p = Provider(slug="otters", name="Little Otters", timezone="Europe/Bratislava", currency="EUR")
    db.add(p)
    db.flush()
    novak, carter = Family(provider_id=p.id, name="Novak"), Family(provider_id=p.id, name="Carter")
    db.add_all([novak, carter])
    db.flush()
    w = type("W", (), {})()
    w.provider = p
    w.anna = Client(provider_id=p.id, email="anna@example.com", full_name="Anna Novak", family_id=novak.id)
    w.peter = Client(provider_id=p.id, email="peter@example.com", full_name="Peter Novak", family_id=novak.id)
    w.grandma = Client(provider_id=p.id, email="grandma@example.com", full_name="Eva Stara")
    w.uncle = Client(provider_id=p.id, email="uncle@example.com", full_name="Karel")
    w.ben = Client(provider_id=p.id, email="ben@example.com", full_name="Ben Carter", family_id=carter.id)
    db.add_all([w.anna, w.peter, w.grandma, w.uncle, w.ben])
    ema, lily = (
        Attendee(family_id=novak.id, first_name="Ema"),
        Attendee(family_id=carter.id, first_name="Lily"),
    )
    db.add_all([ema, lily])
    prog = Programme(provider_id=p.id, name="Swimming")
    db.add(prog)
    db.flush()
    group = ClassGroup(programme_id=prog.id, name="Beginners", capacity=8)
    db.add(group)
    db.flush()
    w.booking = Booking(provider_id=p.id, attendee_id=ema.id, class_id=group.id)
    other = Booking(provider_id=p.id, attendee_id=lily.id, class_id=group.id)
    w.session = ClassSession(class_id=group.id, starts_at=TUESDAY, ends_at=TUESDAY + timedelta(minutes=45))
    db.add_all([w.booking, other, w.session])
    db.flush()
    db.add_all(
        [
            Attendance(booking_id=w.booking.id, session_id=w.session.id),
            BookingShare(
                booking_id=w.booking.id,
                grantee_email=w.grandma.email,
                grantee_client_id=w.grandma.id,
                notify=True,
            ),
            BookingShare(
                booking_id=w.booking.id,
                grantee_email=w.uncle.email,
                grantee_client_id=w.uncle.id,
                notify=False,
            ),
        ]
    )
    staff = StaffMember(provider_id=p.id, email="olga@example.com", full_name="Olga", role=StaffRole.owner)
    db.add(staff)
    db.commit()
    w.owner = StaffPrincipal(staff.id, p.id, 0, staff.email, staff.full_name, "owner")
    return w


def _send(at: datetime) -> int:
    return outbox.process_due(now=at)


def _rows(db) -> list[OutboxMessage]:
    db.commit()
    db.expire_all()
    return list(db.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _prefs(db) -> list[NotificationPreference]:
    db.commit()  # end the read snapshot: the route wrote in its own transaction
    db.expire_all()
    return list(db.execute(select(NotificationPreference)).scalars())


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_a_cancelled_session_reaches_the_family_and_the_sharer_exactly_once_each(db, world, smtp):
    timetable.cancel_session(db, world.owner, world.session.id, 0, note="The pool is closed", now=NOW)
    db.commit()
    assert _send(NOW) == 0  # the grace period: the provider may still undo it
    assert _send(NOW + GRACE) == 3
    assert _send(NOW + GRACE + timedelta(minutes=5)) == 0  # nothing twice
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "anna@example.com",
        "grandma@example.com",
        "peter@example.com",
    ]
    for msg in smtp.messages:
        body = _text(msg)
        assert "Swimming (Beginners) on Tue 8 Dec, 16:00 is cancelled" in str(msg["Subject"])
        assert "Ema's session of Swimming (Beginners) on Tue 8 Dec, 16:00" in body
        assert "The pool is closed" in body
        assert "/login?email=" in body  # the profile link
        # An optional kind: one-click unsubscribe (RFC 8058), for this person and this kind.
        assert re.fullmatch(
            r"<http://[^>]+/unsubscribe/[A-Za-z0-9_-]+\.[0-9a-f]{32}>", msg["List-Unsubscribe"]
        )
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len({m["List-Unsubscribe"] for m in smtp.messages}) == 3


def test_cancel_then_restore_within_the_grace_period_sends_nothing(db, world, smtp):
    timetable.cancel_session(db, world.owner, world.session.id, 0, now=NOW)
    db.commit()
    timetable.restore_session(db, world.owner, world.session.id, 1, now=NOW + timedelta(seconds=90))
    db.commit()
    assert _send(NOW + GRACE + timedelta(minutes=5)) == 0
    assert smtp.messages == []
    assert {r.status for r in _rows(db)} == {OutboxStatus.failed}  # skipped, with the reason
    assert all(r.last_error.startswith("skipped:") for r in _rows(db))


def test_a_restore_after_the_cancellation_was_sent_is_sent_too(db, world, smtp):
    timetable.cancel_session(db, world.owner, world.session.id, 0, now=NOW)
    db.commit()
    assert _send(NOW + GRACE) == 3
    later = NOW + timedelta(minutes=10)
    timetable.restore_session(db, world.owner, world.session.id, 1, now=later)
    db.commit()
    assert _send(later + GRACE) == 3
    subjects = [str(m["Subject"]) for m in smtp.messages]
    assert sum("takes place after all" in s for s in subjects) == 3


def test_a_move_undone_within_the_grace_period_sends_nothing(db, world, smtp):
    timetable.move_session(
        db, world.owner, world.session.id, 0, day="2026-12-09", start_time="17:00", now=NOW
    )
    db.commit()
    timetable.move_session(
        db,
        world.owner,
        world.session.id,
        1,
        day="2026-12-08",
        start_time="16:00",
        now=NOW + timedelta(seconds=30),
    )
    db.commit()
    assert _send(NOW + GRACE + timedelta(minutes=1)) == 0
    assert smtp.messages == []


def test_the_unsubscribe_link_turns_off_that_kind_for_that_person_only(db, world, smtp, api):
    timetable.cancel_session(db, world.owner, world.session.id, 0, now=NOW)
    db.commit()
    _send(NOW + GRACE)
    grandmas = next(m for m in smtp.messages if str(m["To"]) == "grandma@example.com")
    url = grandmas["List-Unsubscribe"].strip("<>")
    path = url.split("localhost:3000", 1)[1]
    web = TestClient(api, base_url="http://localhost:3000", follow_redirects=False)  # the guard included
    page = web.get(path)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert _prefs(db) == []
    tampered = web.post(path[:-1] + ("0" if path[-1] != "0" else "1"), data={"List-Unsubscribe": "One-Click"})
    assert tampered.status_code == 404
    assert _prefs(db) == []
    done = web.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058: no login, no cookie
    assert done.status_code == 200 and "no longer get" in done.text
    assert web.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # twice: harmless
    [pref] = _prefs(db)
    assert (pref.client_id, pref.kind, pref.enabled, pref.changed_via) == (
        world.grandma.id,
        "session_changed",
        False,
        "unsubscribe",
    )
    # Only that kind, only that person: the next change reaches anna and peter; grandma still gets make-ups.
    before = len(smtp.messages)
    later = NOW + timedelta(minutes=10)
    timetable.restore_session(db, world.owner, world.session.id, 1, now=later)
    db.commit()
    assert _send(later + GRACE) == 2
    assert sorted(str(m["To"]) for m in smtp.messages[before:]) == ["anna@example.com", "peter@example.com"]
    grandma = db.get(Client, world.grandma.id)
    assert audience.channels_for(db, grandma, "makeup_earned") != []
    assert audience.channels_for(db, grandma, "session_changed") == []


def test_a_bad_unsubscribe_token_is_a_404_and_mandatory_kinds_have_none(db, world, api):
    web = TestClient(api, base_url="http://localhost:3000", follow_redirects=False)  # the guard included
    for token in ("x", "a.b", "MTph.0123", "%00", preferences.unsubscribe_token(world.anna.id, "x")):
        page = web.get(f"/unsubscribe/{token}")
        assert page.status_code == 404 and page.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert web.post(f"/unsubscribe/{token}").status_code == 404
    # A well-signed token for a mandatory kind cannot be made into one that works.
    assert preferences.read_token(preferences.unsubscribe_token(world.anna.id, "payment_received")) is None
    assert preferences.unsubscribe_headers(world.anna.id, "payment_received") == ()
    assert preferences.unsubscribe_headers(world.anna.id, "login") == ()
    assert _prefs(db) == []


def test_the_audience_scopes(db, world):
    share = db.execute(
        select(BookingShare).where(BookingShare.grantee_client_id == world.grandma.id)
    ).scalar_one()
    ids = lambda scope: [c.id for c in audience.booking_audience(db, world.booking.id, scope)]  # noqa: E731
    family = [world.anna.id, world.peter.id]
    assert ids(audience.NOTIFY) == family + [world.grandma.id]  # not the uncle (no notify), not ben
    assert ids(audience.MANAGE) == family and ids(audience.PAY) == family
    share.can_manage = True
    db.flush()
    assert ids(audience.MANAGE) == family + [world.grandma.id]
    with pytest.raises(ValueError):
        audience.booking_audience(db, world.booking.id, "everyone")


# ------------------------------------------------------------------------------------------------ money


def _family_id(db, world) -> int:
    return db.get(Client, world.anna.id).family_id


def test_a_new_charge_and_its_payment_reach_the_payers_once_with_the_receipt_link(db, world, smtp):
    from client_profile.services.money import charges, payments

    grandma = db.get(Client, world.grandma.id)
    grandma.reminders_opt_out = True  # the master switch of reminders: payment messages still go
    db.commit()
    charge = charges.create_charge(
        db,
        world.owner,
        _family_id(db, world),
        kind="term",
        booking_id=str(world.booking.id),
        amount="75.00",
        due_on="2026-12-15",
        now=NOW,
    )
    db.commit()
    assert _send(NOW + GRACE) == 2  # the family; grandma's share does not let her pay
    assert sorted(str(m["To"]) for m in smtp.messages) == ["anna@example.com", "peter@example.com"]
    msg = smtp.messages[0]
    assert "75.00" in str(msg["Subject"])
    body = _text(msg)
    assert "Ema's Swimming (Beginners)" in body and "/payments" in body and "/login?email=" in body
    assert msg["List-Unsubscribe"] is None  # mandatory: no unsubscribe
    share = db.execute(
        select(BookingShare).where(BookingShare.grantee_client_id == world.grandma.id)
    ).scalar_one()
    share.can_pay = True
    db.commit()
    payments.record_payment_received(db, charge.id, charge.amount_minor, now=NOW + timedelta(hours=1))
    db.commit()
    before = len(smtp.messages)
    assert _send(NOW + timedelta(hours=1)) == 3  # no grace: the money is in
    assert _send(NOW + timedelta(hours=2)) == 0
    paid = smtp.messages[before:]
    assert sorted(str(m["To"]) for m in paid) == [
        "anna@example.com",
        "grandma@example.com",
        "peter@example.com",
    ]
    for m in paid:
        assert str(m["Subject"]).startswith("We received your payment of")
        text = _text(m)
        assert "/documents/" in text or "/payments" in text  # the receipt (or the payments page without one)
        assert m["List-Unsubscribe"] is None


def test_a_charge_cancelled_within_the_grace_period_says_nothing(db, world, smtp):
    from client_profile.services.money import charges

    charge = charges.create_charge(
        db, world.owner, _family_id(db, world), kind="one_off", description="Gala", amount="10.00", now=NOW
    )
    db.commit()
    charges.cancel_charge(
        db, world.owner, charge.id, charge.version, "A mistake", now=NOW + timedelta(seconds=20)
    )
    db.commit()
    assert _send(NOW + GRACE) == 0 and smtp.messages == []


# ------------------------------------------------------------------------------------------------ the CLI, links


def test_the_cli_cancel_tells_everyone_once(db, world, smtp, capsys):
    from client_profile import cli

    with time_machine.travel(NOW, tick=False):
        assert cli.main(["cancel-session", str(world.session.id), "--note", "Storm"]) == 0
    assert _send(NOW) == 0
    assert _send(NOW + GRACE) == 3
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "anna@example.com",
        "grandma@example.com",
        "peter@example.com",
    ]
    assert all("Storm" in _text(m) and "Ema" in _text(m) for m in smtp.messages)


def test_a_new_livestream_link_is_told_and_a_link_changed_again_only_once(db, world, smtp):
    from client_profile.services.notifications import session_changes
    from client_profile.services.schedule import provider_sessions

    group = db.get(ClassGroup, world.session.class_id)
    group.is_online = True
    db.get(Provider, world.provider.id).livestream_enabled = True
    db.commit()
    provider_sessions.set_session_link(db, world.session.id, "https://meet.example/one")
    session_changes.notify_livestream_changed(db, [world.session.id], NOW)
    db.commit()
    provider_sessions.set_session_link(db, world.session.id, "https://meet.example/two")
    session_changes.notify_livestream_changed(db, [world.session.id], NOW + timedelta(seconds=30))
    db.commit()
    assert _send(NOW + GRACE + timedelta(minutes=1)) == 3  # the first link never left: only the second
    assert all("https://meet.example/two" in _text(m) for m in smtp.messages)
    assert all(m["List-Unsubscribe"] for m in smtp.messages)


def test_a_new_venue_at_the_same_time_is_told_and_a_new_link_alone_is_not_a_move(db, world, smtp):
    timetable.move_session(
        db, world.owner, world.session.id, 0, day="2026-12-08", start_time="16:00", venue="Lake", now=NOW
    )
    db.commit()
    assert _send(NOW + GRACE) == 3
    assert all("has moved" in str(m["Subject"]) and "at Lake" in _text(m) for m in smtp.messages)
    group = db.get(ClassGroup, world.session.class_id)
    group.is_online = True
    db.get(Provider, world.provider.id).livestream_enabled = True
    db.commit()
    later = NOW + timedelta(minutes=10)
    timetable.move_session(
        db,
        world.owner,
        world.session.id,
        1,
        day="2026-12-08",
        start_time="16:00",
        venue="Lake",
        online_link="https://meet.example/lake",
        now=later,
    )
    db.commit()
    before = len(smtp.messages)
    assert _send(later + GRACE) == 3
    assert all("livestream link" in str(m["Subject"]) for m in smtp.messages[before:])


# ------------------------------------------------------------------------------------------------ WhatsApp


@pytest.fixture
def wa():
    from tests.whatsapp_stub import WhatsAppStub

    stub = WhatsAppStub().start()
    yield stub
    stub.stop()


def test_a_cancellation_reaches_whatsapp_too_for_who_opted_in_when_a_template_is_set(db, world, smtp, wa):
    from tests.whatsapp_stub import meta_env

    anna = db.get(Client, world.anna.id)
    anna.whatsapp_opt_in, anna.whatsapp_phone = True, "+420601234567"
    db.commit()
    timetable.cancel_session(db, world.owner, world.session.id, 0, now=NOW)  # no template yet: e-mail only
    db.commit()
    assert {r.channel.value for r in _rows(db)} == {"email"}
    timetable.restore_session(db, world.owner, world.session.id, 1, now=NOW + timedelta(minutes=1))
    db.commit()
    with override_env(**meta_env(wa), WHATSAPP_TEMPLATE_BOOKING_NOTICE="booking_notice"):
        later = NOW + timedelta(minutes=10)
        timetable.cancel_session(db, world.owner, world.session.id, 2, note="Storm", now=later)
        db.commit()
        assert _send(later + GRACE) == 4  # three e-mails and anna's WhatsApp (the first two were undone)
        assert _send(later + GRACE + timedelta(minutes=5)) == 0
    [request] = wa.requests
    template = request.json["template"]
    assert template["name"] == "booking_notice"
    texts = [p["text"] for p in template["components"][0]["parameters"]]
    assert texts[0] == "Little Otters" and "Ema's session of Swimming (Beginners)" in texts[1]
    assert texts[2].endswith(f"/bookings/{world.booking.id}")
    assert len(smtp.messages) == 3


@pytest.mark.parametrize(
    "header",
    [
        ("Subject", "x"),
        ("To", "a@b.c"),
        ("Bcc", "a@b.c"),
        ("X Bad", "x"),
        ("List-Unsubscribe", "<a>\r\nBcc: x"),
    ],
)
def test_extra_headers_cannot_forge_or_inject(header):
    from client_profile.integrations import mailer

    mail = mailer.OutgoingEmail(to="anna@example.com", subject="s", text="t", headers=(header,))
    with pytest.raises(mailer.MailerError) as err:
        mailer.build_message(mail)
    assert err.value.permanent


def test_a_class_link_set_in_the_console_is_told_for_the_coming_week(db, world, smtp):
    from client_profile.services.schedule import classes

    group = db.get(ClassGroup, world.session.class_id)
    group.is_online = True
    db.get(Provider, world.provider.id).livestream_enabled = True
    far = ClassSession(
        class_id=group.id,
        starts_at=TUESDAY + timedelta(days=14),
        ends_at=TUESDAY + timedelta(days=14, hours=1),
    )
    db.add(far)
    db.flush()
    db.add(Attendance(booking_id=world.booking.id, session_id=far.id))
    db.commit()
    classes.update_class(
        db, world.owner, group.id, group.version, online_link="https://meet.example/class", now=NOW
    )
    db.commit()
    assert _send(NOW + GRACE) == 3  # next Tuesday's session only, not the one in three weeks
    assert all("Tue 8 Dec" in str(m["Subject"]) and "livestream" in str(m["Subject"]) for m in smtp.messages)
