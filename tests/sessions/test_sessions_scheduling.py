"""Scheduling: each rule refused with a message naming it, nothing saved; series; time zones; cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.notifications.models import Notification
from lms.org.services import record_credit_decision
from lms.sessions import services
from lms.sessions.models import TrainingSession


def _count(db) -> int:
    return db.session.execute(sa.select(sa.func.count(TrainingSession.id))).scalar_one()


def _form(course, unit, **values):
    start = (datetime.now(UTC) + timedelta(days=30)).date()
    data = {
        "course_id": course.id,
        "title": "",
        "mode": "in_class",
        "unit_id": unit.id,
        "starts_at": f"{start.isoformat()}T09:30",
        "ends_at": f"{start.isoformat()}T12:00",
        "capacity": "20",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "venue_id": "",
        "host_enterprise_id": "",
        "enterprise_id": "",
        "meeting_url": "",
        "description": "",
        "open_now": "y",
        "repeat": "none",
        "repeat_every": "7",
        "repeat_count": "6",
    }
    data.update({k: str(v) for k, v in values.items()})
    return data


@pytest.fixture
def setup(demo, kit, db):
    course = kit.course()
    shenzhen = demo.unit("5300")
    venue = kit.venue(shenzhen, capacity=30, name_en="China Customs AEO Training Base (Shenzhen)")
    db.session.commit()
    return course, shenzhen, venue


def test_officer_schedules_an_in_class_session_in_local_time(client, setup, db):
    course, shenzhen, venue = setup
    client.login("officer.shenzhen")
    data = _form(course, shenzhen, venue_id=venue.id)
    response = client.submit("/sessions/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.execute(sa.select(TrainingSession)).scalar_one()
    # 09:30 in Shanghai is 01:30 UTC.
    assert session.starts_at.hour == 1 and session.starts_at.minute == 30
    assert session.starts_at.tzinfo is not None
    assert session.status == "open" and session.title == course.title
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "9:30\u202fAM" in page and "12:00\u202fPM" in page


def test_a_session_at_0130_utc_shows_0930_local(client, demo, kit, db):
    course = kit.course()
    start = datetime(2031, 3, 3, 1, 30, tzinfo=UTC)
    session = kit.session(course, demo.unit("5300"), starts_at=start, title="Time zone check")
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert ">Mar 3, 2031, 9:30\u202fAM</time>" in html
    assert "2031-03-03 01:30" not in html  # the UTC time only in the machine-readable datetime attribute
    listing = client.get("/sessions/").get_data(as_text=True)
    assert "Mar 3, 2031, 9:30\u202fAM" in listing
    edit = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="2031-03-03T09:30"' in edit


@pytest.mark.parametrize(
    "values, message, field",
    [
        ({"ends_at": "__start__T08:00"}, "The session must end after it starts.", "ends_at"),
        (
            {"capacity": "31"},
            "exceeds the room capacity of China Customs AEO Training Base (Shenzhen) (30 seats)",
            "capacity",
        ),
        ({"venue_id": ""}, "An in-class session needs a venue.", "venue_id"),
        (
            {"mode": "live_online", "meeting_url": "http://meet.example.cn/x"},
            "A live online session needs a meeting link starting with https://.",
            "meeting_url",
        ),
        ({"mode": "onsite"}, "An on-site observation needs a host enterprise.", "host_enterprise_id"),
        ({"mode": "one_on_one"}, "One-on-one coaching is for exactly one enterprise", "enterprise_id"),
        (
            {"registration_closes_at": "__start__T10:00"},
            "Registration must close no later than the session starts.",
            "registration_closes_at",
        ),
    ],
)
def test_scheduling_rules_refuse_with_their_reason(client, setup, db, values, message, field):
    course, shenzhen, venue = setup
    client.login("officer.shenzhen")
    data = _form(course, shenzhen, venue_id=venue.id)
    start_day = data["starts_at"][:10]
    data.update({k: v.replace("__start__", start_day) for k, v in values.items()})
    response = client.submit("/sessions/new", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_host_enterprise_must_be_advanced_certified_on_the_session_date(client, demo, setup, db):
    course, shenzhen, venue = setup
    # Qianhai Smart Supply Chain: registered until 2026-08-20, then discredited.
    qianhai = demo.enterprise("Qianhai Smart Supply Chain")
    client.login("officer.shenzhen")
    data = _form(course, shenzhen, mode="onsite", host_enterprise_id=qianhai.id)
    response = client.submit("/sessions/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The host enterprise must be an advanced certified enterprise on the session date" in html
    assert _count(db) == 0
    # Advanced certified at the date: accepted.
    shekou = demo.enterprise("Shekou Harbour Logistics")
    response = client.submit(
        "/sessions/new", _form(course, shenzhen, mode="onsite", host_enterprise_id=shekou.id)
    )
    assert response.status_code == 302
    assert _count(db) == 1


def test_host_certification_is_checked_at_the_session_date_not_today(demo, kit, db):
    course = kit.course()
    officer = demo.user("officer.shenzhen")
    nanshan = demo.enterprise("Nanshan Medical Devices")
    day = (datetime.now(UTC) + timedelta(days=60)).date()
    record_credit_decision(officer, nanshan, level="advanced_certified", decided_on=day + timedelta(days=10))
    db.session.commit()
    values = {
        "course_id": course.id,
        "mode": "onsite",
        "unit_id": demo.unit("5300").id,
        "starts_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2),
        "ends_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5),
        "capacity": 10,
        "host_enterprise_id": nanshan.id,
    }
    with pytest.raises(services.RuleViolation):
        services.create_session(officer, values)
    db.session.rollback()
    later = dict(
        values,
        starts_at=values["starts_at"] + timedelta(days=20),
        ends_at=values["ends_at"] + timedelta(days=20),
    )
    assert services.create_session(officer, later).id


def test_one_on_one_capacity_is_limited_to_the_enterprises_trainees(client, demo, setup, db):
    course, shenzhen, venue = setup
    pengcheng = demo.enterprise("Pengcheng Precision")  # four trainee accounts
    client.login("officer.shenzhen")
    response = client.submit(
        "/sessions/new", _form(course, shenzhen, mode="one_on_one", enterprise_id=pengcheng.id, capacity=5)
    )
    assert "at most as many seats as the enterprise has trainees (4)" in response.get_data(as_text=True)
    assert _count(db) == 0
    response = client.submit(
        "/sessions/new", _form(course, shenzhen, mode="one_on_one", enterprise_id=pengcheng.id, capacity=4)
    )
    assert response.status_code == 302
    session = db.session.execute(sa.select(TrainingSession)).scalar_one()
    assert session.enterprise_id == pengcheng.id and session.venue_id is None


def test_live_online_with_https_link(client, setup, db):
    course, shenzhen, venue = setup
    client.login("officer.shenzhen")
    response = client.submit(
        "/sessions/new",
        _form(
            course, shenzhen, mode="live_online", meeting_url="https://meeting.example.cn/aeo", capacity=300
        ),
    )
    assert response.status_code == 302
    assert (
        db.session.execute(sa.select(TrainingSession.meeting_url)).scalar_one()
        == "https://meeting.example.cn/aeo"
    )


def test_unpublished_course_and_foreign_unit_are_refused(client, demo, kit, setup, db):
    course, shenzhen, venue = setup
    draft = kit.course(published=False)
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.submit("/sessions/new", _form(draft, shenzhen, venue_id=venue.id)).get_data(as_text=True)
    assert "Sessions are scheduled only for published courses." in html
    html = client.submit("/sessions/new", _form(course, demo.unit("2200"), venue_id=venue.id)).get_data(
        as_text=True
    )
    assert "The organising customs unit must be within your jurisdiction." in html
    assert _count(db) == 0


def test_weekly_series_creates_each_date_as_its_own_session(client, setup, db):
    course, shenzhen, venue = setup
    client.login("officer.shenzhen")
    response = client.submit(
        "/sessions/new", _form(course, shenzhen, venue_id=venue.id, repeat="weekly", repeat_count=6)
    )
    assert response.status_code == 302
    sessions = (
        db.session.execute(sa.select(TrainingSession).order_by(TrainingSession.starts_at)).scalars().all()
    )
    assert len(sessions) == 6
    assert len({s.series_key for s in sessions}) == 1 and sessions[0].series_key
    for before, after in zip(sessions, sessions[1:], strict=False):
        assert after.starts_at - before.starts_at == timedelta(days=7)
    assert {services.utc_to_local(s.starts_at).strftime("%H:%M") for s in sessions} == {"09:30"}


def test_series_every_n_days_is_all_or_nothing(client, demo, setup, db):
    course, shenzhen, venue = setup
    # A host that loses its certification during the series: no session of the series is created.
    nanshan = demo.enterprise("Nanshan Medical Devices")
    start = datetime.now(UTC).date() + timedelta(days=30)
    record_credit_decision(None, nanshan, level="advanced_certified", decided_on=start - timedelta(days=1))
    record_credit_decision(None, nanshan, level="regular", decided_on=start + timedelta(days=5))
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.submit(
        "/sessions/new",
        _form(
            course,
            shenzhen,
            mode="onsite",
            host_enterprise_id=nanshan.id,
            repeat="days",
            repeat_every=3,
            repeat_count=4,
        ),
    ).get_data(as_text=True)
    assert "The host enterprise must be an advanced certified enterprise on the session date" in html
    assert _count(db) == 0


def test_capacity_cannot_go_below_taken_seats(client, demo, kit, db):
    course = kit.course()
    session = kit.session(course, demo.unit("5300"), capacity=3)
    for login in ("trainee", "trainee.manager"):
        user = demo.user(login)
        services.register_trainee(user, session, user)
    db.session.commit()
    client.login("officer.shenzhen")
    data = client.get(f"/sessions/{session.id}/edit")
    assert data.status_code == 200
    local = services.utc_to_local(session.starts_at)
    form = _form(
        course,
        demo.unit("5300"),
        venue_id=session.venue_id,
        capacity=1,
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    html = client.submit(f"/sessions/{session.id}/edit", form).get_data(as_text=True)
    assert "The capacity cannot be lower than the 2 seats already taken." in html
    assert kit.reload(type(session), session.id).capacity == 3


def test_cancelling_a_session_notifies_registrants(client, demo, kit, db):
    course = kit.course()
    session = kit.session(course, demo.unit("5300"), capacity=1, title="Cancelled briefing")
    first, second = demo.user("trainee"), demo.user("trainee.manager")
    services.register_trainee(first, session, first)
    services.register_trainee(second, session, second)
    db.session.commit()
    client.login("officer.shenzhen")
    response = client.submit(f"/sessions/{session.id}/cancel", {"reason": "The venue is closed."})
    assert response.status_code == 302
    session = kit.reload(TrainingSession, session.id)
    assert session.status == "cancelled" and session.cancel_reason == "The venue is closed."
    notices = (
        db.session.execute(sa.select(Notification.user_id).where(Notification.kind == "session_cancelled"))
        .scalars()
        .all()
    )
    assert sorted(notices) == sorted([first.id, second.id])
    # Nobody registers for a cancelled session.
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.login("trainee.customs")
    assert client.get(f"/sessions/{session.id}").status_code == 404


def test_completing_only_after_the_end(demo, kit, db, clock):
    course = kit.course()
    session = kit.session(course, demo.unit("5300"))
    officer = demo.user("officer.shenzhen")
    with pytest.raises(services.RuleViolation):
        services.complete_session(officer, session)
    clock.set(session.ends_at + timedelta(minutes=1))
    services.complete_session(officer, session)
    assert session.status == "completed"


def test_planned_sessions_are_opened_explicitly(client, demo, kit, db):
    course = kit.course()
    session = kit.session(course, demo.unit("5300"), status="planned")
    db.session.commit()
    client.login("trainee")
    assert client.get(f"/sessions/{session.id}").status_code == 404
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.login("officer.shenzhen")
    assert client.submit(f"/sessions/{session.id}/open").status_code == 302
    assert kit.reload(TrainingSession, session.id).status == "open"


def test_cli_marks_ended_sessions_completed(cli, demo, kit, db):
    course = kit.course()
    ended = kit.session(course, demo.unit("5300"), starts_at=services.now() - timedelta(days=2))
    upcoming = kit.session(course, demo.unit("5300"))
    cancelled = kit.session(
        course, demo.unit("5300"), starts_at=services.now() - timedelta(days=3), status="cancelled"
    )
    db.session.commit()
    assert (
        "1 ended sessions would be marked completed."
        in cli.invoke(args=["sessions", "complete-ended", "--dry-run"]).output
    )
    result = cli.invoke(args=["sessions", "complete-ended"])
    assert "1 ended sessions marked completed." in result.output
    db.session.expire_all()
    assert (ended.status, upcoming.status, cancelled.status) == ("completed", "open", "cancelled")
