"""Garbage in any session form gives a form error or a 4xx, never a 500, and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.sessions import services
from lms.sessions.models import Registration, TrainingSession, Venue

GARBAGE = [
    {},
    {
        "course_id": "x",
        "unit_id": "-1",
        "mode": "teleport",
        "starts_at": "yesterday",
        "ends_at": "2031-13-45T99:99",
        "capacity": "many",
        "venue_id": "'; drop table venue; --",
        "repeat": "daily",
        "repeat_count": "1000",
    },
    {
        "capacity": "-5",
        "starts_at": "2031-01-01T10:00",
        "ends_at": "2031-01-01T09:00",
        "repeat": "weekly",
        "repeat_count": "0",
        "host_enterprise_id": "999999",
        "enterprise_id": "abc",
        "meeting_url": "javascript:x",
    },
    {
        "attendance-1": "asleep",
        "code": "x" * 200,
        "content": "9",
        "trainees": ["a", "99999"],
        "note": "n" * 900,
        "owner_id": "999",
        "due_on": "soon",
        "text": "",
        "name_en": "",
        "done": "maybe",
    },
]


@pytest.fixture
def world(demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=3)
    kit.assign(session, demo.user("expert.shenzhen"))
    trainee = demo.user("trainee")
    registration = services.register_trainee(trainee, session, trainee)
    coaching = kit.session(
        kit.course(),
        demo.unit("5301"),
        mode="one_on_one",
        capacity=1,
        enterprise_id=demo.enterprise("Pengcheng Precision").id,
    )
    db.session.commit()
    return {"S": session.id, "R": registration.id, "C": coaching.id, "V": session.venue_id}


URLS = {
    "officer.shenzhen": [
        "/sessions/new",
        "/sessions/{S}/edit",
        "/sessions/{S}/cancel",
        "/sessions/{S}/registrations",
        "/sessions/{S}/attendance",
        "/sessions/venues/new",
        "/sessions/venues/{V}/edit",
        "/sessions/{C}/coaching",
        "/sessions/{C}/coaching/actions",
    ],
    "trainee": ["/sessions/{S}/checkin", "/sessions/{S}/feedback", "/sessions/{S}/register"],
}


@pytest.mark.parametrize("login", sorted(URLS))
def test_garbage_never_gives_a_server_error(client, world, db, login):
    client.login(login)
    before = [
        db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (TrainingSession, Venue)
    ]
    for url in URLS[login]:
        for data in GARBAGE:
            response = client.submit(url.format(**world), data)
            assert response.status_code < 500, (url, data, response.status_code)
    after = [
        db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (TrainingSession, Venue)
    ]
    assert after == before
    assert db.session.get(Registration, world["R"]).status == "confirmed"


@pytest.mark.parametrize(
    "query", ["course=abc", "from=31-31-31&to=x", "page=-4", "unit=999999&status=zzz", "mode=%00"]
)
def test_odd_list_filters(client, world, query):
    client.login("officer.shenzhen")
    assert client.get(f"/sessions/?{query}").status_code in (200, 400)
