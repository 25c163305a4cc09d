"""The per-family calendar feed: the secret URL's life cycle and the ICS itself, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlmodel import select

from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    Booking,
    ClassGroup,
    ClassSession,
    Family,
    Programme,
    Provider,
    SessionStatus,
    utcnow,
)
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.schedule import calendar
from client_profile.services.schedule import provider_sessions as ps
from tests.login_helpers import principal_of as principal

BRATISLAVA = ZoneInfo("Europe/Bratislava")


def key_of(url: str) -> str:
    assert url.startswith("http://localhost:3000/calendar/") and url.endswith(".ics")
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def events(ics: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    return list(cal.walk("VEVENT"))


def local_start(ev) -> datetime:
    return ev.decoded("DTSTART").astimezone(BRATISLAVA)


# --------------------------------------------------------------------------------------------- the URL


def test_anna_has_a_feed_url_that_resolves_to_her_family(demo):
    anna = principal(demo, "anna@example.com")
    url = calendar.feed_url(demo, anna)
    key = key_of(url)
    family_part, token = key.split("-", 1)
    assert int(family_part) == anna.family_id and len(token) == 32
    assert calendar.family_for_token(demo, key) == anna.family_id
    assert calendar.feed_url(demo, anna) == url  # stable: derived, not random
    ben = calendar.feed_url(demo, principal(demo, "ben@example.com"))
    assert ben != url and calendar.family_for_token(demo, key_of(ben)) != anna.family_id
    # Nothing secret is stored: the token appears in no column of the family.
    family = demo.get(Family, anna.family_id)
    assert token not in repr(family.model_dump())


def test_a_shared_only_person_has_no_feed(demo):
    peter = principal(demo, "peter@example.com")
    assert calendar.feed_url(demo, peter) is None
    assert calendar.feed_status(demo, peter) == calendar.FeedStatus(has_family=False, enabled=False, url="")
    with pytest.raises(NotFound):
        calendar.regenerate(demo, peter)
    with pytest.raises(NotFound):
        calendar.set_enabled(demo, peter, False)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        5,
        "",
        "-",
        "1",
        "1-",
        "abc-" + "A" * 32,
        "01-" + "A" * 32,
        "1-" + "A" * 31,
        "1-" + "A" * 33,
        "1-" + "A" * 31 + "=",
        "1-" + "A" * 31 + "/",
        "99999-" + "A" * 32,
        "1 -" + "A" * 32,
        "１-" + "A" * 32,
        "x" * 10000,
    ],
)
def test_malformed_and_unknown_keys_resolve_to_nothing(demo, raw):
    assert calendar.family_for_token(demo, raw) is None


def test_a_token_of_one_family_does_not_open_another(demo):
    anna = principal(demo, "anna@example.com")
    ben = principal(demo, "ben@example.com")
    anna_token = key_of(calendar.feed_url(demo, anna)).split("-", 1)[1]
    assert calendar.family_for_token(demo, f"{ben.family_id}-{anna_token}") is None


def test_regenerate_kills_the_old_url_and_bumps_the_family(demo):
    anna = principal(demo, "anna@example.com")
    old = key_of(calendar.feed_url(demo, anna))
    version = demo.get(Family, anna.family_id).data_version
    status = calendar.regenerate(demo, anna)
    demo.commit()
    new = key_of(status.url)
    assert new != old and status.enabled
    assert calendar.family_for_token(demo, old) is None
    assert calendar.family_for_token(demo, new) == anna.family_id
    demo.expire_all()
    assert demo.get(Family, anna.family_id).data_version == version + 1


def test_switching_off_and_on(demo):
    anna = principal(demo, "anna@example.com")
    key = key_of(calendar.feed_url(demo, anna))
    off = calendar.set_enabled(demo, anna, False)
    demo.commit()
    assert off == calendar.FeedStatus(has_family=True, enabled=False, url="")
    assert calendar.feed_url(demo, anna) is None
    assert calendar.family_for_token(demo, key) is None
    on = calendar.set_enabled(demo, anna, True)
    demo.commit()
    assert key_of(on.url) == key and calendar.family_for_token(demo, key) == anna.family_id
    for bad in ("false", 0, 1, None, "on"):
        with pytest.raises(DomainError, match="on or off"):
            calendar.set_enabled(demo, anna, bad)
    demo.expire_all()
    assert demo.get(Family, anna.family_id).calendar_feed_enabled is True


def test_subscribe_links():
    google, webcal = calendar.subscribe_links("https://cp.example.com/calendar/1-abc.ics")
    assert webcal == "webcal://cp.example.com/calendar/1-abc.ics"
    assert google == (
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fcp.example.com%2Fcalendar%2F1-abc.ics"
    )
    assert calendar.subscribe_links("") == ("", "")


# --------------------------------------------------------------------------------------------- the ICS


def test_anna_feed_has_ema_and_jakub_and_never_lily(demo):
    anna = principal(demo, "anna@example.com")
    now = utcnow()
    evs = events(calendar.build_ics(demo, anna.family_id, now))
    summaries = [str(e["SUMMARY"]) for e in evs]
    assert any(s.startswith("Ema: Swimming - Beginners") for s in summaries)
    assert any(s.startswith("Jakub: Football Juniors") for s in summaries)
    assert any(s.startswith("Jakub: Chess Online") for s in summaries)
    assert not any("Lily" in s or "Carter" in s for s in summaries)
    assert b"Lily" not in calendar.build_ics(demo, anna.family_id, now)
    # The window: 30 days back to 180 ahead; Jakub's summer camp (12 weeks ago) is outside it.
    assert all(now - timedelta(days=30) <= e.decoded("DTSTART") <= now + timedelta(days=180) for e in evs)
    assert not any("Summer Camp" in s for s in summaries)
    # One stable UID per attendance, the same on the next fetch.
    uids = [str(e["UID"]) for e in evs]
    assert len(set(uids)) == len(uids) and all(
        u.startswith("attendance-") and u.endswith("@localhost") for u in uids
    )
    assert uids == [str(e["UID"]) for e in events(calendar.build_ics(demo, anna.family_id, now))]
    for e in evs:
        assert e["DTSTART"].params["TZID"] == "Europe/Bratislava"
        assert "SEQUENCE" in e and "LAST-MODIFIED" in e and "DTSTAMP" in e
    cal = icalendar.Calendar.from_ical(calendar.build_ics(demo, anna.family_id, now))
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Bratislava"]

    ben = principal(demo, "ben@example.com")
    ben_summaries = [str(e["SUMMARY"]) for e in events(calendar.build_ics(demo, ben.family_id, now))]
    assert ben_summaries and all(s.startswith("Lily: ") for s in ben_summaries)


def test_online_link_only_for_online_classes_and_session_link_wins(demo):
    anna = principal(demo, "anna@example.com")
    evs = events(calendar.build_ics(demo, anna.family_id, utcnow()))
    chess = [e for e in evs if "Chess Online" in str(e["SUMMARY"])]
    others = [e for e in evs if "Chess Online" not in str(e["SUMMARY"])]
    assert chess and others
    for e in chess:
        assert str(e["LOCATION"]) == "Online"
        assert str(e["URL"]) == "https://meet.example.com/little-otters-chess"
        assert "https://meet.example.com/little-otters-chess" in str(e["DESCRIPTION"])
    for e in others:
        assert "URL" not in e and "http" not in str(e["DESCRIPTION"]) and str(e["LOCATION"]) != "Online"
    swim = next(e for e in others if "Swimming" in str(e["SUMMARY"]))
    assert str(swim["LOCATION"]) == "City Pool, Lane 3"

    group = demo.exec(select(ClassGroup).where(ClassGroup.is_online.is_(True))).one()
    session = demo.exec(
        select(ClassSession)
        .where(ClassSession.class_id == group.id, ClassSession.starts_at > utcnow())
        .order_by(ClassSession.starts_at)
    ).first()
    ps.set_session_link(demo, session.id, "https://meet.example.com/special")
    demo.commit()
    evs = events(calendar.build_ics(demo, anna.family_id, utcnow()))
    links = {local_start(e).date(): str(e["URL"]) for e in evs if "URL" in e}
    assert (
        links[session.starts_at.replace(tzinfo=UTC).astimezone(BRATISLAVA).date()]
        == "https://meet.example.com/special"
    )
    assert sum(1 for v in links.values() if v == "https://meet.example.com/special") == 1

    provider = demo.exec(select(Provider)).one()
    provider.livestream_enabled = False
    demo.add(provider)
    demo.commit()
    assert not any("URL" in e for e in events(calendar.build_ics(demo, anna.family_id, utcnow())))


def test_cancelled_sessions_are_marked_cancelled_and_updates_raise_the_sequence(demo):
    anna = principal(demo, "anna@example.com")
    before = {str(e["UID"]): e for e in events(calendar.build_ics(demo, anna.family_id, utcnow()))}
    # The demo's excused swimming session (client-side cancellation).
    excused = [e for e in before.values() if str(e["STATUS"]) == "CANCELLED"]
    assert len(excused) == 1 and str(excused[0]["SUMMARY"]).startswith("Ema: Swimming - Beginners")
    assert "(cancelled)" in str(excused[0]["SUMMARY"])
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in before.values() if e not in excused)

    # The provider cancels Jakub's next chess session.
    group = demo.exec(select(ClassGroup).where(ClassGroup.is_online.is_(True))).one()
    session = demo.exec(
        select(ClassSession)
        .where(ClassSession.class_id == group.id, ClassSession.starts_at > utcnow())
        .order_by(ClassSession.starts_at)
    ).first()
    ps.cancel_session(demo, session.id, note="Teacher is ill")
    demo.commit()
    demo.expire_all()
    after = {str(e["UID"]): e for e in events(calendar.build_ics(demo, anna.family_id, utcnow()))}
    assert after.keys() == before.keys()  # still there (so calendars update it), not dropped
    row = demo.exec(select(Attendance).where(Attendance.session_id == session.id)).one()
    ev = after[f"attendance-{row.id}@localhost"]
    assert str(ev["STATUS"]) == "CANCELLED" and "Teacher is ill" in str(ev["DESCRIPTION"])
    assert "URL" not in ev  # no livestream link for a cancelled session
    assert int(ev["SEQUENCE"]) > int(before[f"attendance-{row.id}@localhost"]["SEQUENCE"])


def _dst_family(db) -> tuple[int, dict[str, int]]:
    """A provider in Bratislava with one attendee in a weekly Tuesday 16:00 class across both DST changes of
    2026/27, and an online class; returns the family id and session ids by local date."""
    provider = Provider(slug="dst", name="DST Club", timezone="Europe/Bratislava")
    db.add(provider)
    db.flush()
    family = Family(provider_id=provider.id, name="Horvath")
    db.add(family)
    db.flush()
    kid = Attendee(family_id=family.id, first_name="Mia", last_name="Horvath")
    prog = Programme(provider_id=provider.id, name="Diving")
    db.add_all([kid, prog])
    db.flush()
    pool = ClassGroup(
        programme_id=prog.id,
        name="Diving - Tue",
        venue="Lake Pool",
        weekday=1,
        start_time=time(16, 0),
        duration_minutes=45,
    )
    online = ClassGroup(
        programme_id=prog.id,
        name="Diving theory",
        is_online=True,
        online_link="https://meet.example.com/dive",
    )
    db.add_all([pool, online])
    db.flush()
    ids = {}
    for group in (pool, online):
        booking = Booking(provider_id=provider.id, attendee_id=kid.id, class_id=group.id)
        db.add(booking)
        db.flush()
        days = (
            [date(2026, 10, 20), date(2026, 10, 27), date(2027, 3, 23), date(2027, 3, 30)]
            if group is pool
            else [date(2026, 10, 21)]
        )
        for day in days:
            start = datetime.combine(day, time(16, 0), tzinfo=BRATISLAVA).astimezone(UTC)
            s = ClassSession(class_id=group.id, starts_at=start, ends_at=start + timedelta(minutes=45))
            db.add(s)
            db.flush()
            db.add(Attendance(booking_id=booking.id, session_id=s.id, state=AttendanceState.scheduled))
            ids[f"{group.name}:{day}"] = s.id
    db.commit()
    return family.id, ids


def test_local_times_are_right_across_both_dst_changes(db):
    family_id, _ = _dst_family(db)
    # Late October 2026: the clocks go back on Sunday 25 October.
    evs = events(calendar.build_ics(db, family_id, datetime(2026, 10, 15, tzinfo=UTC)))
    pool = sorted(
        (e for e in evs if "Lake Pool" in str(e["LOCATION"]) and local_start(e).year == 2026),
        key=lambda e: e.decoded("DTSTART"),
    )
    assert [(local_start(e).date(), local_start(e).time()) for e in pool] == [
        (date(2026, 10, 20), time(16, 0)),
        (date(2026, 10, 27), time(16, 0)),
    ]
    assert [e.decoded("DTSTART").astimezone(UTC).hour for e in pool] == [14, 15]  # CEST, then CET
    assert all(e.decoded("DTEND") - e.decoded("DTSTART") == timedelta(minutes=45) for e in pool)
    raw = calendar.build_ics(db, family_id, datetime(2026, 10, 15, tzinfo=UTC))
    assert b"DTSTART;TZID=Europe/Bratislava:20261027T160000" in raw
    # Late March 2027: the clocks go forward on Sunday 28 March.
    evs = events(calendar.build_ics(db, family_id, datetime(2027, 3, 20, tzinfo=UTC)))
    spring = sorted((e for e in evs if local_start(e).year == 2027), key=lambda e: e.decoded("DTSTART"))
    assert [(local_start(e).date(), local_start(e).strftime("%H:%M")) for e in spring] == [
        (date(2027, 3, 23), "16:00"),
        (date(2027, 3, 30), "16:00"),
    ]
    assert [e.decoded("DTSTART").astimezone(UTC).hour for e in spring] == [15, 14]
    # The VTIMEZONE is there and knows both offsets.
    cal = icalendar.Calendar.from_ical(raw)
    tz = cal.walk("VTIMEZONE")[0]
    assert b"TZOFFSETTO:+0200" in raw and b"TZOFFSETTO:+0100" in raw
    # A client that only trusts the VTIMEZONE (not its own tz database) gets the same instants.
    vtz = tz.to_tz(lookup_tzid=False)
    for e in pool:
        wall = e.decoded("DTSTART").replace(tzinfo=None)
        assert wall.replace(tzinfo=vtz).astimezone(UTC) == e.decoded("DTSTART").astimezone(UTC)


def test_excused_and_provider_cancelled_sessions_stay_in_the_feed_marked_cancelled(db):
    family_id, ids = _dst_family(db)
    now = datetime(2026, 10, 15, tzinfo=UTC)
    evs = events(calendar.build_ics(db, family_id, now))
    assert len(evs) == 5 and all(str(e["SUMMARY"]) == "Mia: Diving" for e in evs)
    theory = next(e for e in evs if str(e["LOCATION"]) == "Online")
    assert str(theory["URL"]) == "https://meet.example.com/dive"
    # The family excuses the 20 Oct pool session: it stays in the feed, cancelled.
    row = db.exec(select(Attendance).where(Attendance.session_id == ids["Diving - Tue:2026-10-20"])).one()
    row.state = AttendanceState.late_cancelled
    db.add(row)
    db.commit()
    cancelled = [e for e in events(calendar.build_ics(db, family_id, now)) if str(e["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 1 and local_start(cancelled[0]).date() == date(2026, 10, 20)
    # A session the provider cancelled is marked too, whatever the attendance says.
    s = db.get(ClassSession, ids["Diving - Tue:2026-10-27"])
    s.status = SessionStatus.cancelled
    db.add(s)
    db.commit()
    cancelled = [e for e in events(calendar.build_ics(db, family_id, now)) if str(e["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 2


def test_build_for_an_unknown_family(db):
    with pytest.raises(NotFound):
        calendar.build_ics(db, 424242, utcnow())
