"""The background worker: the generic outbox sender plus the domain's periodic jobs.

``run_worker`` runs in every app process (a Reflex lifespan task, OUTBOX_WORKER=app) or on its own
(``client-profile worker``). The outbox (services.notifications.outbox) only knows how to claim, render and
send rows; this
module decides which renderers exist (importing services.notifications.reminders registers the make-up
reminders, services.notifications.session_changes the moved/cancelled session and livestream e-mails,
services.notifications.money_notices the charge and payment e-mails) and which
jobs run between send passes. A new periodic job is one more entry in ``periodic_jobs``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError
from client_profile.services.integrations import webhooks
from client_profile.services.notifications import (  # noqa: F401 (renderers)
    family_messages,
    money_notices,
    outbox,
    reminders,
    session_changes,
    shared_access,
)
from client_profile.services.providers import current_provider
from client_profile.services.schedule import makeups
from client_profile.settings import get_settings


def run_scan(now: datetime | None = None) -> int:
    """The reminder job: expire waitlist offers (passing places on), then queue the expiry reminders
    (reminders.scan_expiring). Returns how many reminder messages were queued."""
    with unit_of_work(immediate=True) as db:
        # Waitlist offers that ran out pass to the next in the queue (which queues that offer's message).
        try:
            makeups.expire_offers(db, current_provider(db), now)
        except DomainError:  # no provider set up yet: nothing to expire
            pass
    with unit_of_work() as db:
        return reminders.scan_expiring(db, now)


def periodic_jobs() -> list[outbox.PeriodicJob]:
    """The jobs the worker runs between send passes: once at start, then at their interval."""
    settings = get_settings()
    return [
        outbox.PeriodicJob("reminder scan", run_scan, settings.reminder_scan_seconds),
        outbox.PeriodicJob("webhook deliveries", deliver_webhooks, settings.webhook_poll_seconds),
    ]


def deliver_webhooks() -> int:
    """Send the due webhook deliveries (a full batch: go on until fewer than a batch were due)."""
    total = 0
    while (sent := webhooks.process_due()) > 0:
        total += sent
        if sent < 20:
            break
    return total


async def run_worker(stop: asyncio.Event, poll_seconds: float | None = None) -> None:
    """Send queued messages and run the periodic jobs until ``stop`` is set (see
    services.notifications.outbox.run_sender)."""
    await outbox.run_sender(stop, poll_seconds, periodic_jobs())
