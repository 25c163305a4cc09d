"""Which messages a person wants, per kind, and the one-click unsubscribe link of every optional e-mail.

Rules (docs/decisions.md "Everyone on a booking is told"):
- OPTIONAL kinds can be turned off per person (a NotificationPreference row with enabled=False; no row: on), from
  /account or from the unsubscribe link in the e-mail itself. MANDATORY kinds (payments, login, shared access)
  cannot: they are always sent and carry no unsubscribe header.
- The account's "reminder e-mails" switch (Client.reminders_opt_out) stays the master switch for optional
  e-mails; a kind turned off here is off on every channel.
- Unsubscribe (RFC 8058): a token naming (client, kind), signed with an HMAC sub-key of the server key. Anyone
  holding it may turn that one kind off for that one person, and nothing else: no login, nothing read back.
  Turning off twice is harmless. The token never expires (an old e-mail's link must still work).
"""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import select
from sqlmodel import Session

from client_profile.integrations.crypto import constant_time_equal, keyed_hash
from client_profile.models import Client, NotificationPreference
from client_profile.models.base import utcnow
from client_profile.settings import get_settings

# kind (the outbox row's kind) -> what the switch says in /account and on the unsubscribe page
OPTIONAL: dict[str, str] = {
    "session_changed": "A session cancelled, moved or taking place after all",
    "livestream_changed": "A livestream link added or changed",
    "makeup_earned": "A make-up to book",
    "makeup_expiring": "A make-up about to expire",
    "waitlist_offer": "A free place from the waiting list",
}
MANDATORY: dict[str, str] = {
    "charge_due": "A new charge to pay",
    "payment_received": "A payment received, with its receipt",
    "login": "Login codes",
    "shared_access": "Access shared with you, changed or ended",
}
_PURPOSE = "unsubscribe"


def is_mandatory(kind: str) -> bool:
    return kind not in OPTIONAL


def disabled_kinds(db: Session, client_id: int) -> set[str]:
    return set(
        db.execute(
            select(NotificationPreference.kind).where(
                NotificationPreference.client_id == client_id, NotificationPreference.enabled.is_(False)
            )
        ).scalars()
    )


def wants(db: Session, client: Client, kind: str) -> bool:
    """False only for an optional kind this person turned off."""
    return is_mandatory(kind) or kind not in disabled_kinds(db, client.id)


def set_kind(db: Session, client_id: int, kind: str, on: bool, via: str = "account") -> None:
    """Turn an optional kind on or off for one client (the caller checked who may). ValueError: not optional."""
    if kind not in OPTIONAL:
        raise ValueError(f"{kind!r} cannot be turned off")
    row = db.execute(
        select(NotificationPreference).where(
            NotificationPreference.client_id == client_id, NotificationPreference.kind == kind
        )
    ).scalar_one_or_none()
    if row is None:
        row = NotificationPreference(client_id=client_id, kind=kind)
    row.enabled, row.changed_via, row.updated_at = bool(on), via, utcnow()
    db.add(row)
    db.flush()


# --------------------------------------------------------------------------------------------- unsubscribe


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unsubscribe_token(client_id: int, kind: str) -> str:
    body = _b64(f"{client_id}:{kind}")
    return f"{body}.{keyed_hash(_PURPOSE, client_id, kind)[:32]}"


def read_token(token: object) -> tuple[int, str] | None:
    """(client id, kind) of a genuine token for an optional kind; None for anything else."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    client_text, _, kind = text.partition(":")
    if (
        not client_text.isascii()
        or not client_text.isdigit()
        or len(client_text) > 12
        or kind not in OPTIONAL
    ):
        return None
    client_id = int(client_text)
    if not constant_time_equal(mac, keyed_hash(_PURPOSE, client_id, kind)[:32]):
        return None
    return client_id, kind


def unsubscribe_url(client_id: int, kind: str) -> str:
    return f"{get_settings().base_url}/unsubscribe/{unsubscribe_token(client_id, kind)}"


def unsubscribe_headers(client_id: int | None, kind: str) -> tuple[tuple[str, str], ...]:
    """List-Unsubscribe + List-Unsubscribe-Post (RFC 8058) for an optional kind; nothing for a mandatory one."""
    if client_id is None or is_mandatory(kind):
        return ()
    return (
        ("List-Unsubscribe", f"<{unsubscribe_url(client_id, kind)}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def unsubscribe(db: Session, token: object) -> tuple[Client, str] | None:
    """Turn off the kind the token names for the client it names. None (and nothing changed) for a bad token or
    a client that is gone."""
    found = read_token(token)
    if found is None:
        return None
    client = db.get(Client, found[0])
    if client is None:
        return None
    set_kind(db, client.id, found[1], False, via="unsubscribe")
    return client, found[1]


def describe(token: object) -> str | None:
    """What the unsubscribe page offers to turn off (the kind's label), or None for a bad token."""
    found = read_token(token)
    return OPTIONAL[found[1]] if found else None
