"""iCalendar files per session and the personal feed behind a secret URL (RFC 5545, parsed back)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from lms.sessions import ical, services


def _events(body: bytes):
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return [c for c in calendar.walk("VEVENT")]


@pytest.fixture
def scheduled(demo, kit, db):
    course = kit.course(title="Trade security in practice")
    start = datetime(2031, 5, 6, 1, 30, tzinfo=UTC)
    session = kit.session(course, demo.unit("5300"), starts_at=start, title="Trade security at the base")
    trainee = demo.user("trainee")
    services.register_trainee(trainee, session, trainee)
    db.session.commit()
    return session


def test_session_ics_is_valid_and_in_utc(client, scheduled):
    client.login("trainee")
    response = client.get(f"/sessions/{scheduled.id}/session.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    (event,) = _events(response.data)
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        assert required in event
    assert event.decoded("DTSTART") == datetime(2031, 5, 6, 1, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2031, 5, 6, 3, 30, tzinfo=UTC)
    assert b"DTSTART:20310506T013000Z" in response.data
    assert str(event["SUMMARY"]) == "Trade security at the base"
    assert "Test Road" in str(event["LOCATION"])
    assert str(event["UID"]) == f"training-session-{scheduled.id}@lms.test"
    assert b"\r\n" in response.data  # CRLF line endings


def test_uid_is_stable_and_cancellation_is_published(client, demo, scheduled, db):
    client.login("officer.shenzhen")
    first = _events(client.get(f"/sessions/{scheduled.id}/session.ics").data)[0]
    client.submit(f"/sessions/{scheduled.id}/cancel", {"reason": "Typhoon warning"})
    second = _events(client.get(f"/sessions/{scheduled.id}/session.ics").data)[0]
    assert first["UID"] == second["UID"]
    assert str(second["STATUS"]) == "CANCELLED"
    assert int(second["SEQUENCE"]) >= int(first["SEQUENCE"])


def test_personal_feed_works_without_login_and_token_can_be_regenerated(client, demo, scheduled, db):
    client.login("trainee")
    page = client.get("/sessions/calendar").get_data(as_text=True)
    assert "Create my feed address" in page and "Trade security at the base" in page
    client.submit("/sessions/calendar/feed-token")
    token = ical.feed_token(demo.user("trainee"), create=False).token
    assert f"/sessions/feed/{token}.ics" in client.get("/sessions/calendar").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": client.csrf_token()})

    anonymous = client.application.test_client()
    feed = anonymous.get(f"/sessions/feed/{token}.ics")
    assert feed.status_code == 200
    (event,) = _events(feed.data)
    assert str(event["UID"]) == f"training-session-{scheduled.id}@lms.test"

    client.login("trainee")
    client.submit("/sessions/calendar/feed-token")
    new_token = ical.feed_token(demo.user("trainee"), create=False).token
    assert new_token != token
    assert anonymous.get(f"/sessions/feed/{token}.ics").status_code == 404
    assert anonymous.get(f"/sessions/feed/{new_token}.ics").status_code == 200
    assert anonymous.get("/sessions/feed/not-a-token.ics").status_code == 404


def test_feed_leaves_out_cancelled_registrations_and_marks_waitlist_tentative(demo, kit, db):
    course = kit.course()
    trainee, other = demo.user("trainee"), demo.user("trainee.manager")
    full = kit.session(course, demo.unit("5300"), capacity=1, title="Full one")
    services.register_trainee(other, full, other)
    services.register_trainee(trainee, full, trainee)  # waitlisted
    dropped = kit.session(course, demo.unit("5300"), title="Dropped one")
    registration = services.register_trainee(trainee, dropped, trainee)
    services.cancel_registration(trainee, registration)
    db.session.commit()
    events = _events(ical.feed_ics(trainee))
    assert [str(e["SUMMARY"]) for e in events] == ["Full one"]
    assert str(events[0]["STATUS"]) == "TENTATIVE"


def test_expert_feed_lists_assigned_sessions(demo, kit, scheduled, db):
    expert = demo.user("expert.shenzhen")
    kit.assign(scheduled, expert)
    db.session.commit()
    assert [str(e["SUMMARY"]) for e in _events(ical.feed_ics(expert))] == ["Trade security at the base"]
