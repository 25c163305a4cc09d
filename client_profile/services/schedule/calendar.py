"""The per-family calendar feed: a secret iCal URL with every attendee's sessions (docs/decisions.md "Calendar feed").

The URL is ``<BASE_URL>/calendar/<family id>-<token>.ics``. Nothing secret is stored: the token is
``base64url(HMAC-SHA256(k, "calendar:<family id>:<seq>"))[:32]`` (192 bits) with ``k`` the server key's
calendar sub-key (integrations.crypto.subkey), and ``seq`` is ``Family.calendar_feed_seq``. Regenerating bumps
``seq`` (the old URL stops working at once); switching the feed off sets ``Family.calendar_feed_enabled``.
A feed that is unknown, malformed, regenerated away or switched off looks the same to the caller (None).

Only a principal with a family of their own has a feed; a person with shared access only gets none (the feed
is the household's calendar, not one booking's).

The feed is built with the maintained ``icalendar`` library: times carry the provider's timezone (TZID) with a
generated VTIMEZONE, so calendar apps show the right local time on both sides of a DST change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import update
from sqlmodel import Session, select

from client_profile.integrations import crypto
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    BookingStatus,
    ClassGroup,
    ClassSession,
    Family,
    Programme,
    Provider,
    SessionStatus,
    as_utc,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import Principal
from client_profile.services.schedule.attendance import livestream_link
from client_profile.settings import get_settings

TOKEN_LENGTH = 32
DAYS_BACK = 30
DAYS_AHEAD = 180
MAX_EVENTS = 2000
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_CANCELLED_STATES = {AttendanceState.cancelled, AttendanceState.late_cancelled}


@dataclass(frozen=True)
class FeedStatus:
    """What the profile shows about the feed. ``url`` is "" when there is no family or the feed is off."""

    has_family: bool
    enabled: bool
    url: str


# --------------------------------------------------------------------------------------------- the token


def _token(family_id: int, seq: int) -> str:
    mac = hmac.new(crypto.subkey("calendar-feed"), f"calendar:{family_id}:{seq}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")[:TOKEN_LENGTH]


def _key(family: Family) -> str:
    return f"{family.id}-{_token(family.id, family.calendar_feed_seq)}"


def _url(family: Family) -> str:
    return f"{get_settings().base_url}/calendar/{_key(family)}.ics"


def family_for_token(db: Session, raw: object) -> int | None:
    """The family id of a live feed key ("<family id>-<token>", without ".ics"), or None for anything else:
    malformed, unknown family, regenerated-away token or a switched-off feed all give None."""
    if not isinstance(raw, str) or len(raw) > 20 + 1 + TOKEN_LENGTH:
        return None
    family_part, sep, token = raw.partition("-")
    if (
        not sep
        or not family_part.isascii()
        or not family_part.isdigit()
        or family_part.startswith("0")
        or len(family_part) > 18
        or len(token) != TOKEN_LENGTH
        or not set(token) <= _TOKEN_ALPHABET
    ):
        return None
    family = db.get(Family, int(family_part))
    expected = _token(int(family_part), family.calendar_feed_seq if family is not None else 0)
    # Compare even for an unknown family so the answer costs the same.
    if not crypto.constant_time_equal(token, expected) or family is None or not family.calendar_feed_enabled:
        return None
    return family.id


# --------------------------------------------------------------------------------------------- the profile side


def _own_family(db: Session, principal: Principal) -> Family | None:
    if principal.family_id is None:
        return None
    family = db.get(Family, principal.family_id)
    if family is None or family.provider_id != principal.provider_id:
        return None
    return family


def feed_status(db: Session, principal: Principal) -> FeedStatus:
    family = _own_family(db, principal)
    if family is None:
        return FeedStatus(has_family=False, enabled=False, url="")
    enabled = bool(family.calendar_feed_enabled)
    return FeedStatus(has_family=True, enabled=enabled, url=_url(family) if enabled else "")


def feed_url(db: Session, principal: Principal) -> str | None:
    """The principal's family feed URL; None without a family of their own or when the feed is switched off."""
    return feed_status(db, principal).url or None


def _require_family(db: Session, principal: Principal) -> Family:
    family = _own_family(db, principal)
    if family is None:
        raise NotFound("calendar feed")
    return family


def regenerate(db: Session, principal: Principal) -> FeedStatus:
    """A new secret URL for the principal's family; the previous one stops working at once. The caller commits."""
    family = _require_family(db, principal)
    db.execute(
        update(Family).where(Family.id == family.id).values(calendar_feed_seq=Family.calendar_feed_seq + 1)
    )
    bump_families(db, [family.id])  # other open tabs of the family show the new URL
    db.flush()
    db.refresh(family)
    return feed_status(db, principal)


def set_enabled(db: Session, principal: Principal, enabled: object) -> FeedStatus:
    """Switch the family's feed off (its URL answers "not found") or on again (the same URL works again)."""
    if not isinstance(enabled, bool):
        raise DomainError("Choose on or off for the calendar feed.")
    family = _require_family(db, principal)
    if family.calendar_feed_enabled != enabled:
        family.calendar_feed_enabled = enabled
        db.add(family)
        bump_families(db, [family.id])
        db.flush()
    return feed_status(db, principal)


def subscribe_links(url: str) -> tuple[str, str]:
    """(Google Calendar "add by URL" link, webcal:// link for Apple Calendar and others) for a feed URL."""
    if not url:
        return "", ""
    webcal = "webcal://" + url.split("://", 1)[1]
    return f"https://calendar.google.com/calendar/render?cid={quote(webcal, safe='')}", webcal


# --------------------------------------------------------------------------------------------- the feed


def build_ics(db: Session, family_id: int, now: datetime) -> bytes:
    """The family's calendar: one event per attendance (regular sessions and make-ups) of every attendee,
    from ``DAYS_BACK`` days ago to ``DAYS_AHEAD`` days ahead. Sessions the family excused or the provider
    cancelled are STATUS:CANCELLED. Two queries whatever the number of events."""
    family = db.get(Family, family_id)
    if family is None:
        raise NotFound("calendar feed")
    provider = db.get(Provider, family.provider_id)
    tz = ZoneInfo(provider.timezone)
    now = as_utc(now)
    host = urlsplit(get_settings().base_url).hostname or "client-profile"

    rows = db.exec(
        select(Attendance, Booking.status, Attendee.first_name, ClassSession, ClassGroup, Programme.name)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(
            Attendee.family_id == family.id,
            ClassSession.starts_at >= now - timedelta(days=DAYS_BACK),
            ClassSession.starts_at <= now + timedelta(days=DAYS_AHEAD),
        )
        .order_by(ClassSession.starts_at, Attendance.id)
        .limit(MAX_EVENTS)
    ).all()

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Client Profile//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{provider.name}: {family.name}")
    cal.add("x-wr-timezone", provider.timezone)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")

    for attendance, booking_status, first_name, session, group, programme in rows:
        state = AttendanceState(attendance.state)
        by_provider = session.status == SessionStatus.cancelled
        cancelled = by_provider or state in _CANCELLED_STATES or booking_status == BookingStatus.cancelled
        is_makeup = state == AttendanceState.makeup or attendance.makeup_credit_id is not None
        summary = f"{first_name}: {programme}"
        if is_makeup:
            summary += " (make-up)"
        if cancelled:
            summary += " (cancelled)"

        event = icalendar.Event()
        event.add("uid", f"attendance-{attendance.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", as_utc(session.starts_at).astimezone(tz))
        event.add("dtend", as_utc(session.ends_at).astimezone(tz))
        event.add("summary", summary)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        # The family's data version rises with every change the family can see (services.people.changes), so it is
        # a SEQUENCE that never goes down and moves whenever an event may have changed.
        event.add("sequence", int(family.data_version))
        event.add("last-modified", as_utc(attendance.changed_at))
        event.add("location", "Online" if group.is_online else (session.venue or group.venue))

        lines = [group.name]
        if group.instructor:
            lines.append(f"Instructor: {group.instructor}")
        link = livestream_link(provider, group, session) if group.is_online and not cancelled else ""
        if link:
            event.add("url", link)
            lines.append(f"Livestream: {link}")
        if by_provider:
            lines.append("Cancelled by " + provider.name + (f": {session.note}" if session.note else "."))
        elif cancelled:
            lines.append("Excused." if state in _CANCELLED_STATES else "The booking is cancelled.")
        event.add("description", "\n".join(lines))
        cal.add_component(event)

    cal.add_missing_timezones()
    return cal.to_ical()
