"""Make-up reminders: who gets them on which channel, once; the expiry scan; the outbox's retry / permanent /
unknown-outcome rules; the exact Twilio and Meta requests against a local HTTP server."""

from __future__ import annotations

import json
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select, update

from client_profile import worker
from client_profile.integrations import whatsapp
from client_profile.models import (
    Booking,
    BookingShare,
    Channel,
    Client,
    MakeupCredit,
    MakeupCreditStatus,
    OutboxMessage,
    OutboxStatus,
)
from client_profile.services.notifications import outbox, reminders
from client_profile.settings import get_settings
from tests.login_helpers import override_env
from tests.reminder_helpers import NOW, build_world, make_credit, make_offer
from tests.whatsapp_stub import WhatsAppStub, meta_env, twilio_env


@pytest.fixture
def stub():
    s = WhatsAppStub().start()
    yield s
    s.stop()


@pytest.fixture
def world(db):
    return build_world(db)


def rows(db) -> list[OutboxMessage]:
    db.commit()  # end the read snapshot (SQLite WAL, PostgreSQL READ COMMITTED both then see the worker's writes)
    db.expire_all()
    return list(db.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def targets(db) -> set[tuple[str, int, str]]:
    return {(r.kind, r.recipient_client_id, r.channel.value) for r in rows(db)}


def mailbox() -> list:
    folder = Path(get_settings().dev_mailbox_dir)
    parser = BytesParser(policy=policy.default)
    return (
        [parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.is_dir() else []
    )


@pytest.fixture(autouse=True)
def empty_mailbox():
    folder = Path(get_settings().dev_mailbox_dir)
    if folder.is_dir():
        for p in folder.glob("*.eml"):
            p.unlink()


# ------------------------------------------------------------------------------------------------ who and how


def test_earned_goes_to_family_and_notify_sharers_by_their_channels(db, world, stub):
    with override_env(**meta_env(stub)):
        credit = make_credit(db, world, 0)
        assert reminders.notify_makeup_earned(db, credit, NOW) == 4
        db.commit()
    e = "makeup_earned"
    # Anna: e-mail + WhatsApp (opted in); Tom: e-mail; grandma (shared, notify): e-mail; the uncle (shared
    # without notify) and Ben (another family, opted in) get nothing.
    assert targets(db) == {
        (e, world.anna, "email"),
        (e, world.anna, "whatsapp"),
        (e, world.tom, "email"),
        (e, world.grandma, "email"),
    }


def test_email_opt_out_is_per_channel_and_whatsapp_needs_config_and_a_valid_number(db, world, stub):
    db.execute(update(Client).where(Client.id == world.anna).values(reminders_opt_out=True))
    db.execute(
        update(Client).where(Client.id == world.tom).values(whatsapp_opt_in=True, whatsapp_phone="0601 234")
    )
    db.commit()
    credit = make_credit(db, world, 0)
    # WhatsApp not configured: e-mail only, and Anna turned e-mails off.
    assert reminders.notify_makeup_earned(db, credit, NOW) == 2
    db.commit()
    assert targets(db) == {("makeup_earned", world.tom, "email"), ("makeup_earned", world.grandma, "email")}
    credit2 = make_credit(db, world, 1)
    with override_env(**twilio_env(stub)):
        reminders.notify_makeup_earned(db, credit2, NOW)
        db.commit()
    new = {
        (r.recipient_client_id, r.channel.value) for r in rows(db) if r.payload.get("credit_id") == credit2
    }
    # Anna: WhatsApp only (e-mails off, WhatsApp on); Tom's number is not E.164: e-mail only.
    assert new == {(world.anna, "whatsapp"), (world.tom, "email"), (world.grandma, "email")}


def test_enqueueing_twice_writes_once_and_keeps_the_callers_transaction(db, world):
    credit = make_credit(db, world, 0)
    assert reminders.notify_makeup_earned(db, credit, NOW) == 3
    assert reminders.notify_makeup_earned(db, credit, NOW) == 0  # ON CONFLICT DO NOTHING, no IntegrityError
    db.commit()
    assert len(rows(db)) == 3
    # Not open, unknown, hostile: nothing.
    assert reminders.notify_makeup_earned(db, 10**9, NOW) == 0
    assert reminders.notify_makeup_earned(db, "1", NOW) == 0
    used = make_credit(db, world, 1)
    db.execute(update(MakeupCredit).where(MakeupCredit.id == used).values(status=MakeupCreditStatus.used))
    assert reminders.notify_makeup_earned(db, used, NOW) == 0


def test_expiry_scan_reminds_once_per_credit_ever(db, world):
    soon = make_credit(db, world, 0, earned=NOW - timedelta(days=80), expires=NOW + timedelta(days=5))
    make_credit(db, world, 1, earned=NOW - timedelta(days=80), expires=NOW + timedelta(days=8))  # not yet
    make_credit(db, world, 2, earned=NOW - timedelta(hours=2), expires=NOW + timedelta(days=3))  # fresh
    gone = make_credit(db, world, 3, earned=NOW - timedelta(days=80), expires=NOW + timedelta(days=2))
    db.execute(update(MakeupCredit).where(MakeupCredit.id == gone).values(status=MakeupCreditStatus.used))
    make_credit(db, world, 4, earned=NOW - timedelta(days=91), expires=NOW - timedelta(days=1))  # expired
    db.commit()
    assert reminders.scan_expiring(db, NOW) == 3
    db.commit()
    assert {r.payload["credit_id"] for r in rows(db)} == {soon}
    assert reminders.scan_expiring(db, NOW) == 0
    db.commit()
    assert outbox.process_due(NOW) == 3
    # A day later the 8-day credit and the no longer fresh one are due; the first one, sent, never again.
    assert reminders.scan_expiring(db, NOW + timedelta(days=1)) == 6
    db.commit()
    assert [r.payload["credit_id"] for r in rows(db)].count(soon) == 3
    [mail] = [m for m in mailbox() if m["To"] == "anna@example.com"]
    assert mail["Subject"].startswith("Ema's make-up expires on")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "http://localhost:3000/benefits" in text and "http://localhost:3000/account" in text


def test_earned_email_says_what_to_do_and_is_not_sent_once_the_credit_is_used(db, world):
    credit = make_credit(db, world, 0)
    reminders.notify_makeup_earned(db, credit, NOW)
    db.commit()
    assert outbox.process_due() == 3
    mails = mailbox()
    assert sorted(m["To"] for m in mails) == ["anna@example.com", "grandma@example.com", "tom@example.com"]
    anna = next(m for m in mails if m["To"] == "anna@example.com")
    assert anna["Subject"] == "Ema has a make-up session to book"
    text = anna.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Hello Anna,") and "Book a make-up: http://localhost:3000/benefits" in text
    assert (
        "Swimming - Beginners" in text and "#ff6600" in anna.get_body(preferencelist=("html",)).get_content()
    )
    # A second credit used before the worker got to it: nothing is sent.
    other = make_credit(db, world, 1)
    reminders.notify_makeup_earned(db, other, NOW)
    db.execute(update(MakeupCredit).where(MakeupCredit.id == other).values(status=MakeupCreditStatus.used))
    db.commit()
    assert outbox.process_due() == 0
    skipped = [r for r in rows(db) if r.payload.get("credit_id") == other]
    assert {r.status for r in skipped} == {OutboxStatus.failed}
    assert all(r.last_error == "skipped: the credit is used" for r in skipped)


def test_preferences_and_shares_are_checked_again_when_sending(db, world):
    from client_profile.models import BookingShare

    credit = make_credit(db, world, 0)
    reminders.notify_makeup_earned(db, credit, NOW)
    db.execute(update(Client).where(Client.id == world.tom).values(reminders_opt_out=True))
    db.execute(
        update(BookingShare).where(BookingShare.grantee_client_id == world.grandma).values(revoked_at=NOW)
    )
    db.commit()
    assert outbox.process_due() == 1
    assert [m["To"] for m in mailbox()] == ["anna@example.com"]
    # A reminder e-mail: one-click unsubscribe from this kind (RFC 8058).
    assert "/unsubscribe/" in mailbox()[0]["List-Unsubscribe"]
    assert mailbox()[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_waitlist_offer_carries_the_link_sealed_and_not_after_it_expires(db, world, stub):
    credit = make_credit(db, world, 0)
    entry = make_offer(db, world, credit, 5, NOW + timedelta(hours=12))
    url = "http://localhost:3000/makeups/offer/SECRET-TOKEN-123"
    # An offer goes only to those who may act on it: grandma's share lets her manage the booking.
    db.execute(
        update(BookingShare).where(BookingShare.grantee_client_id == world.grandma).values(can_manage=True)
    )
    with override_env(**meta_env(stub)):
        assert reminders.notify_waitlist_offer(db, entry, url, NOW + timedelta(hours=12), NOW) == 4
        db.commit()
        assert all("SECRET-TOKEN" not in json.dumps(r.payload) for r in rows(db))
        assert outbox.process_due() == 4
    mail = next(m for m in mailbox() if m["To"] == "anna@example.com")
    assert mail["Subject"].startswith("A make-up place is free for Ema")
    assert f"Confirm the place: {url}" in mail.get_body(preferencelist=("plain",)).get_content()
    [wa] = stub.requests
    assert wa.json["template"]["name"] == "makeup_waitlist_offer"
    assert wa.json["template"]["components"][0]["parameters"][4] == {"type": "text", "text": url}
    assert all("_sealed" not in r.payload for r in rows(db))  # wiped once sent
    # An offer that has run out is not announced.
    entry2 = make_offer(db, world, make_credit(db, world, 1), 4, NOW + timedelta(hours=1))
    reminders.notify_waitlist_offer(db, entry2, url, NOW + timedelta(hours=1), NOW)
    db.commit()
    assert outbox.process_due(NOW + timedelta(hours=2)) == 0
    with pytest.raises(ValueError):
        reminders.notify_waitlist_offer(db, entry2, "javascript:alert(1)", NOW + timedelta(hours=1), NOW)


# ------------------------------------------------------------------------------------------------ WhatsApp


def _only_whatsapp(db, world):
    db.execute(
        update(Client)
        .where(Client.id.in_([world.anna, world.tom, world.grandma]))
        .values(reminders_opt_out=True)
    )
    db.commit()


def test_twilio_request_shape(db, world, stub):
    _only_whatsapp(db, world)
    with override_env(**twilio_env(stub)):
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        assert outbox.process_due() == 1
    [req] = stub.requests
    assert req.path == f"/2010-04-01/Accounts/AC{'1' * 32}/Messages.json"
    assert req.headers["Authorization"].startswith("Basic ")
    import base64

    assert base64.b64decode(req.headers["Authorization"][6:]).decode() == f"AC{'1' * 32}:tok-secret"
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = req.form
    assert set(form) == {"To", "From", "ContentSid", "ContentVariables"}
    assert form["To"] == "whatsapp:+420601234567" and form["From"] == "whatsapp:+14155238886"
    assert form["ContentSid"] == "HX" + "a" * 32
    variables = json.loads(form["ContentVariables"])
    assert list(variables) == ["1", "2", "3", "4", "5"]
    assert variables["1"] == "Little Otters" and variables["2"] == "Ema"
    assert variables["3"] == "Swimming - Beginners" and variables["5"] == "http://localhost:3000/benefits"
    [row] = rows(db)
    assert row.status == OutboxStatus.sent and row.payload["provider_message_id"] == "SM" + "0" * 31 + "1"


def test_meta_request_shape(db, world, stub):
    _only_whatsapp(db, world)
    with override_env(**meta_env(stub)):
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        assert outbox.process_due() == 1
    [req] = stub.requests
    [row] = rows(db)
    assert req.path == "/v21.0/106540352242922/messages"
    assert req.headers["Authorization"] == "Bearer EAAG-test-token"
    assert req.headers["Content-Type"] == "application/json"
    body = req.json
    params = body["template"]["components"][0]["parameters"]
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+420601234567",
        "type": "template",
        "template": {
            "name": "makeup_earned",
            "language": {"code": "en"},
            "components": [{"type": "body", "parameters": params}],
        },
        "biz_opaque_callback_data": f"outbox-{row.id}",
    }
    assert [p["text"] for p in params][:3] == ["Little Otters", "Ema", "Swimming - Beginners"]
    assert all(p["type"] == "text" for p in params) and len(params) == 5
    assert row.payload["provider_message_id"] == "wamid.TEST1"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_busy_or_failing_api_is_retried_with_backoff(db, world, stub, status):
    _only_whatsapp(db, world)
    stub.responses = [status]
    with override_env(**meta_env(stub)):
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        assert outbox.process_due(NOW) == 0
        [row] = rows(db)
        assert row.status == OutboxStatus.pending and row.attempts == 1 and str(status) in row.last_error
        assert row.next_attempt_at.replace(tzinfo=None) == (NOW + timedelta(seconds=30)).replace(tzinfo=None)
        assert outbox.process_due(NOW) == 0  # not due yet
        assert outbox.process_due(NOW + timedelta(seconds=31)) == 1
    assert len(stub.requests) == 2 and rows(db)[0].status == OutboxStatus.sent


@pytest.mark.parametrize("status", [400, 401, 404])
def test_refused_message_fails_at_once_without_retry(db, world, stub, status):
    _only_whatsapp(db, world)
    stub.responses = [status]
    with override_env(**twilio_env(stub)):
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        assert outbox.process_due(NOW) == 0
        assert outbox.process_due(NOW + timedelta(days=1)) == 0
    [row] = rows(db)
    assert row.status == OutboxStatus.failed and row.attempts == 1
    assert f"HTTP {status}" in row.last_error and "21211" in row.last_error
    assert "+420601234567" not in row.last_error
    assert len(stub.requests) == 1


def test_unreachable_api_is_retried_and_a_silent_one_is_not_resent(db, world, stub):
    _only_whatsapp(db, world)
    env = meta_env(stub)
    with override_env(**{**env, "META_API_BASE": "http://127.0.0.1:9/v21.0"}):  # connection refused
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        assert outbox.process_due(NOW) == 0
    [row] = rows(db)
    assert row.status == OutboxStatus.pending and "cannot reach" in row.last_error
    stub.stall_on = 1  # takes the request, never answers
    with override_env(**{**env, "WHATSAPP_TIMEOUT_SECONDS": "0.5", "SMTP_TIMEOUT_SECONDS": "0.5"}):
        assert outbox.process_due(NOW + timedelta(minutes=5)) == 0
        assert outbox.process_due(NOW + timedelta(days=1)) == 0
    [row] = rows(db)
    assert row.status == OutboxStatus.failed and row.last_error.startswith("outcome unknown")
    assert len(stub.requests) == 1


def test_recovery_after_a_crash_resends_email_with_the_same_message_id_but_never_whatsapp(db, world, stub):
    with override_env(**meta_env(stub)):
        reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
        db.commit()
        # A worker claimed everything and died during the sends.
        db.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.sending, attempts=1, locked_until=NOW + timedelta(seconds=120)
            )
        )
        db.commit()
        assert outbox.process_due(NOW + timedelta(seconds=60)) == 0  # still claimed: nobody touches them
        assert outbox.process_due(NOW + timedelta(seconds=121)) == 3  # the three e-mails
    by_channel = {(r.recipient_client_id, r.channel): r for r in rows(db)}
    wa = by_channel[(world.anna, Channel.whatsapp)]
    assert wa.status == OutboxStatus.failed and wa.last_error.startswith("outcome unknown")
    assert stub.requests == []
    anna_mail = by_channel[(world.anna, Channel.email)]
    [mail] = [m for m in mailbox() if m["To"] == "anna@example.com"]
    assert mail["Message-ID"] == f"<{outbox.stable_message_id(anna_mail)}@localhost>"


def test_settings_refuse_incomplete_whatsapp_configuration():
    from pydantic import ValidationError

    from client_profile.settings import Settings

    for env in (
        {"WHATSAPP_PROVIDER": "twilio"},
        {
            "WHATSAPP_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_WHATSAPP_FROM": "+14155238886",
        },  # templates are not Content SIDs
        {"WHATSAPP_PROVIDER": "meta", "META_ACCESS_TOKEN": "t", "META_PHONE_NUMBER_ID": "abc"},
        {
            "WHATSAPP_PROVIDER": "meta",
            "META_ACCESS_TOKEN": "t",
            "META_PHONE_NUMBER_ID": "1",
            "META_API_BASE": "http://graph.example/v21.0",
        },
        {"OUTBOX_CLAIM_SECONDS": "20"},
    ):
        with pytest.raises(ValidationError):
            Settings(CLIENT_PROFILE_ENV="test", **env)
    assert Settings(CLIENT_PROFILE_ENV="test").whatsapp_enabled is False


def test_variables_are_single_lines():
    assert whatsapp._clean_variable("a\n\tb     c") == "a b c"
    assert whatsapp._clean_variable("") == "-"
    assert whatsapp.is_e164("+420601234567") and not whatsapp.is_e164("420601234567")
    assert not whatsapp.is_e164("+0601234567") and not whatsapp.is_e164("+42060123456789012")


def test_worker_scans_at_start(clean_db, monkeypatch):
    import asyncio

    calls = []
    monkeypatch.setattr(worker, "run_scan", lambda: calls.append(1) or 0)

    async def run():
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_worker(stop, 0.05))
        await asyncio.sleep(0.3)
        stop.set()
        await task

    asyncio.run(run())
    assert calls == [1]  # once at start; the next one after REMINDER_SCAN_SECONDS (600 s)


def test_a_credit_the_office_granted_is_announced_and_reminded_without_a_source_session(db, world):
    booking = db.get(Booking, world.booking_id)
    credit = MakeupCredit(
        attendee_id=booking.attendee_id,
        booking_id=booking.id,
        earned_at=NOW - timedelta(days=30),
        expires_at=NOW + timedelta(days=3),
        granted_reason="Pool closed",
    )
    db.add(credit)
    db.flush()
    reminders.notify_makeup_earned(db, credit.id, NOW)
    db.commit()
    assert outbox.process_due(NOW) == 3
    anna = next(m for m in mailbox() if m["To"] == "anna@example.com")
    text = anna.get_body(preferencelist=("plain",)).get_content()
    assert "gave Ema a make-up session" in text and "was excused" not in text
    for p in Path(get_settings().dev_mailbox_dir).glob("*.eml"):
        p.unlink()
    assert reminders.scan_expiring(db, NOW) == 3
    db.commit()
    assert outbox.process_due(NOW) == 3
    anna = next(m for m in mailbox() if m["To"] == "anna@example.com")
    text = anna.get_body(preferencelist=("plain",)).get_content()
    assert "still has a make-up session to book for" in text and "for the session on" not in text
