"""`client-profile worker` as a real process: reminders leave through a real SMTP server (aiosmtpd) and the local
WhatsApp server, the worker is killed (SIGKILL) while WhatsApp holds a request, started again, and every e-mail and
every WhatsApp message has arrived exactly once. On SQLite, and on PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from client_profile.db import unit_of_work
from client_profile.models import Channel, OutboxMessage, OutboxStatus
from client_profile.services.notifications import reminders
from client_profile.settings import PROJECT_ROOT
from tests.clock_helpers import child_clock
from tests.login_helpers import override_env
from tests.reminder_helpers import NOW, build_world, make_credit
from tests.smtp_helpers import smtp_server
from tests.whatsapp_stub import WhatsAppStub, twilio_env


@pytest.fixture
def smtp():
    with smtp_server() as (inbox, port):
        yield inbox, port


@pytest.fixture
def wa():
    stub = WhatsAppStub().start()
    yield stub
    stub.stop()


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "client_profile.cli", "worker", "--poll-seconds", "0.2"],
        cwd=PROJECT_ROOT,
        env={**env, **child_clock(env)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _statuses() -> dict[int, tuple[OutboxStatus, str, Channel]]:
    with unit_of_work() as db:
        return {
            r.id: (r.status, r.last_error, r.channel)
            for r in db.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        }


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {_statuses()}")


def _booking_notices(db, world) -> None:
    from client_profile.models import Attendance, Charge, ClassSession, Client, SessionStatus
    from client_profile.services.money import payments
    from client_profile.services.notifications import money_notices, session_changes

    start = NOW + timedelta(days=3)
    session = ClassSession(class_id=world.class_id, starts_at=start, ends_at=start + timedelta(hours=1))
    db.add(session)
    db.flush()
    db.add(Attendance(booking_id=world.booking_id, session_id=session.id))
    session.status, session.version = SessionStatus.cancelled, 1
    db.flush()
    assert session_changes.notify_session_changed(db, session.id, session_changes.CANCELLED, now=NOW) == 3
    family_id = db.get(Client, world.anna).family_id
    due, paid = (
        Charge(
            provider_id=world.provider_id,
            family_id=family_id,
            description=what,
            amount_minor=2500,
            currency="EUR",
            reference=f"W-{what}",
        )
        for what in ("Gala", "Trip")
    )
    db.add_all([due, paid])
    db.flush()
    assert money_notices.notify_charge_due(db, due.id, NOW) == 2
    payments.record_payment_received(db, paid.id, 2500, now=NOW)  # queues the two "payment received"
    db.commit()


def test_reminders_arrive_exactly_once_across_a_killed_worker(db, smtp, wa):
    inbox, smtp_port = smtp
    world = build_world(db)
    credits = [make_credit(db, world, i) for i in range(3)]
    # Expiring in 5 days: the worker's scan at start queues its reminder.
    make_credit(db, world, 3, earned=NOW - timedelta(days=85), expires=NOW + timedelta(days=5))
    db.commit()
    env = {
        **os.environ,
        **twilio_env(wa),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
        "SMTP_TIMEOUT_SECONDS": "1.5",
        "MAIL_FROM": "Little Otters <hello@otters.example>",
        "WHATSAPP_TIMEOUT_SECONDS": "1.5",
        "OUTBOX_CLAIM_SECONDS": "3.5",
        "OUTBOX_POLL_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
    }

    with override_env(**{k: env[k] for k in twilio_env(wa)}):  # the same WhatsApp config in this process
        for credit in credits:
            reminders.notify_makeup_earned(db, credit, NOW)
        db.commit()
    # 3 credits x (anna e-mail + anna WhatsApp + tom e-mail + grandma e-mail) = 12 rows; + 4 from the scan.
    assert len(_statuses()) == 12
    # The booking notices too (issue 13): a session cancelled (anna, tom, grandma), a new charge and a payment
    # received for the family (anna, tom each): 7 e-mails. No grace period here, so they are due at once.
    with override_env(NOTIFY_GRACE_SECONDS="0"):
        _booking_notices(db, world)
    assert len(_statuses()) == 19

    wa.stall_on = 2  # the second WhatsApp request is taken and never answered
    worker = _start_worker(env)
    try:
        assert wa.stalled.wait(60), worker.stdout.read() if worker.poll() is not None else "no stall"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    before = _statuses()
    assert len(before) == 23  # the scan ran at start
    assert sum(1 for s, _, _ in before.values() if s == OutboxStatus.sending) == 1
    assert any(s == OutboxStatus.pending for s, _, _ in before.values())  # killed mid-way

    worker = _start_worker(env)
    try:
        _wait(
            lambda: all(s in (OutboxStatus.sent, OutboxStatus.failed) for s, _, _ in _statuses().values()),
            30,
            "every message to be settled",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=10)
    assert "Outbox worker stopped." in out

    after = _statuses()
    failed = [(err, ch) for s, err, ch in after.values() if s == OutboxStatus.failed]
    # The request WhatsApp took without answering is not sent again: it arrived once, and the row says why.
    assert (
        len(failed) == 1 and failed[0][1] == Channel.whatsapp and failed[0][0].startswith("outcome unknown")
    )

    # E-mail: 19 distinct messages, each exactly once.
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 19 and len(set(ids)) == 19
    keys = sorted((str(m["To"]), str(m["Subject"])) for m in inbox.messages)
    assert keys.count(("anna@example.com", "Ema has a make-up session to book")) == 3
    assert sum(1 for _, subj in keys if subj.startswith("Ema's make-up expires on")) == 3
    assert sorted(to for to, subj in keys if "is cancelled" in subj) == [
        "anna@example.com",
        "grandma@example.com",
        "tom@example.com",
    ]
    assert sorted(to for to, subj in keys if subj.startswith("New charge: Gala")) == [
        "anna@example.com",
        "tom@example.com",
    ]
    assert sorted(to for to, subj in keys if subj.startswith("We received your payment")) == [
        "anna@example.com",
        "tom@example.com",
    ]

    # WhatsApp: 4 messages (3 earned + 1 expiring), each exactly once, the stalled one included.
    forms = [r.form for r in wa.requests]
    assert len(forms) == 4
    assert all(f["To"] == "whatsapp:+420601234567" for f in forms)
    assert sorted(f["ContentSid"][:3] for f in forms) == ["HXa", "HXa", "HXa", "HXb"]
    # One request per WhatsApp row: three recorded as sent, the stalled one as "outcome unknown".
    assert sum(1 for s, _, ch in after.values() if ch == Channel.whatsapp and s == OutboxStatus.sent) == 3
