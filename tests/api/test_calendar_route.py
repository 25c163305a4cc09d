"""GET /calendar/<family id>-<token>.ics: the feed with its headers, no login redirect, and one 404 for every
way a feed can be missing."""

from __future__ import annotations

import icalendar
from starlette.testclient import TestClient

from client_profile.services.schedule import calendar
from tests.login_helpers import principal_of as principal


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost:3000")


def test_the_feed_is_served_without_a_login(api, demo):
    path = path_of(calendar.feed_url(demo, principal(demo, "anna@example.com")))
    with TestClient(api, base_url="http://localhost:3000") as client:
        r = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["cache-control"] == "private, max-age=300"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in r.headers
    cal = icalendar.Calendar.from_ical(r.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert any(s.startswith("Ema: ") for s in summaries) and any(s.startswith("Jakub: ") for s in summaries)
    assert b"Lily" not in r.content
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/calendar")


def test_every_missing_feed_gets_the_same_404(api, demo):
    anna = principal(demo, "anna@example.com")
    good = path_of(calendar.feed_url(demo, anna))
    ben_family = principal(demo, "ben@example.com").family_id
    token = good.removeprefix("/calendar/").removesuffix(".ics").split("-", 1)[1]
    with TestClient(api, base_url="http://localhost:3000") as client:
        old = good
        calendar.regenerate(demo, anna)
        demo.commit()
        new = path_of(calendar.feed_url(demo, anna))
        assert client.get(new).status_code == 200
        answers = [
            client.get(p, follow_redirects=False)
            for p in (
                old,  # regenerated away
                "/calendar/999999-" + "A" * 32 + ".ics",  # unknown family
                f"/calendar/{ben_family}-{new.removesuffix('.ics').split('-', 1)[1]}.ics",  # another family's token
                new + "/x.ics",
                "/calendar/not-a-key.ics",
                "/calendar/1.ics",
                "/calendar/" + "1-" + "A" * 500 + ".ics",
                "/calendar/%2e%2e%2fetc%2fpasswd.ics",
            )
        ]
        calendar.set_enabled(demo, anna, False)
        demo.commit()
        answers.append(client.get(new))  # switched off
        calendar.set_enabled(demo, anna, True)
        demo.commit()
        assert client.get(new).status_code == 200  # the same link works again
    assert len(token) == 32
    for r in answers:
        assert r.status_code == 404, r.url
        assert r.content == answers[0].content == b"Not found"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "location" not in r.headers  # never sent to /login


def test_the_page_guard_leaves_calendar_paths_alone(api, demo):
    with TestClient(api, base_url="http://localhost:3000") as client:
        r = client.get(
            "/calendar/1-" + "A" * 32 + ".ics", follow_redirects=False, headers={"Accept": "text/html"}
        )
    assert r.status_code == 404 and r.content == b"Not found"
