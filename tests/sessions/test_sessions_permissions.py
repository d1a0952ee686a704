"""Who sees which session page: per role, with other people's ids; other jurisdictions get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.sessions import services
from lms.sessions.models import CoachingActionItem, Registration

ROLES = (
    "anonymous",
    "trainee",
    "trainee.shanghai",
    "expert.shenzhen",
    "expert.national",
    "officer.shenzhen",
    "officer.futian",
    "officer.shanghai",
    "admin",
)


@pytest.fixture
def world(demo, kit, db):
    course = kit.course()
    shenzhen = demo.unit("5300")
    s = kit.session(course, shenzhen, capacity=10, title="Shenzhen session")
    kit.assign(s, demo.user("expert.shenzhen"))
    trainee = demo.user("trainee")
    registration = services.register_trainee(trainee, s, trainee)
    x = kit.session(course, demo.unit("2200"), title="Shanghai session")
    p = kit.session(course, shenzhen, status="planned", title="Planned session")
    c = kit.session(
        course,
        demo.unit("5301"),
        mode="one_on_one",
        capacity=2,
        title="Coaching",
        enterprise_id=demo.enterprise("Pengcheng Precision").id,
    )
    kit.assign(c, demo.user("expert.shenzhen"))
    item = services.add_action_item(
        demo.user("expert.shenzhen"), c, text="Update the manual", owner_id=trainee.id, due_on=None
    )
    venue = s.venue
    db.session.commit()
    return {"S": s.id, "X": x.id, "P": p.id, "C": c.id, "R": registration.id, "I": item.id, "V": venue.id}


def _expect(**statuses):
    """Statuses per role; unspecified logged-in roles get ``other``; anonymous is sent to the login page."""
    other = statuses.pop("other", None)
    result = {role: statuses.get(role.replace(".", "_"), other) for role in ROLES}
    result["anonymous"] = statuses.get("anonymous", 302)
    return result


STAFF_ONLY = dict(trainee=403, trainee_shanghai=403, expert_shenzhen=403, expert_national=403)
RUNNERS = dict(
    trainee=403,
    trainee_shanghai=403,
    expert_shenzhen=200,
    expert_national=404,
    officer_shenzhen=200,
    officer_futian=403,
    officer_shanghai=404,
    admin=200,
)

PAGES = {
    "/sessions/": _expect(other=200),
    "/sessions/{S}": _expect(other=200, expert_national=404, officer_shanghai=404),
    "/sessions/{S}/session.ics": _expect(other=200, expert_national=404, officer_shanghai=404),
    "/sessions/{S}/edit": _expect(
        **STAFF_ONLY, officer_shenzhen=200, officer_futian=403, officer_shanghai=404, admin=200
    ),
    "/sessions/{S}/cancel": _expect(
        **STAFF_ONLY, officer_shenzhen=200, officer_futian=403, officer_shanghai=404, admin=200
    ),
    "/sessions/{S}/registrations": _expect(
        trainee=403,
        trainee_shanghai=403,
        expert_shenzhen=403,
        expert_national=404,
        officer_shenzhen=200,
        officer_futian=200,
        officer_shanghai=404,
        admin=200,
    ),
    "/sessions/{S}/attendance": _expect(**RUNNERS),
    "/sessions/{S}/checkin-code": _expect(**RUNNERS),
    "/sessions/{S}/checkin-code.json": _expect(**RUNNERS),
    "/sessions/{S}/feedback/results": _expect(**RUNNERS),
    "/sessions/{S}/checkin": _expect(other=403, trainee=200, trainee_shanghai=404),
    "/sessions/{S}/feedback": _expect(other=403, trainee=200, trainee_shanghai=404),
    "/sessions/{X}": _expect(
        other=200, expert_shenzhen=404, expert_national=404, officer_shenzhen=404, officer_futian=404
    ),
    "/sessions/{P}": _expect(other=404, officer_shenzhen=200, admin=200),
    "/sessions/{C}/coaching": _expect(
        trainee=200,
        trainee_shanghai=404,
        expert_shenzhen=200,
        expert_national=404,
        officer_shenzhen=200,
        officer_futian=200,
        officer_shanghai=404,
        admin=200,
    ),
    "/sessions/calendar": _expect(
        other=403, trainee=200, trainee_shanghai=200, expert_shenzhen=200, expert_national=200
    ),
    "/sessions/feedback": _expect(other=200, trainee=403, trainee_shanghai=403),
    "/sessions/venues/": _expect(other=200, **STAFF_ONLY),
    "/sessions/venues/new": _expect(other=200, **STAFF_ONLY),
    "/sessions/venues/{V}/edit": _expect(
        **STAFF_ONLY, officer_shenzhen=200, officer_futian=404, officer_shanghai=404, admin=200
    ),
    "/sessions/new": _expect(other=200, **STAFF_ONLY),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_access_per_role(client, world, page):
    url = page.format(**world)
    for role, expected in PAGES[page].items():
        if role != "anonymous":
            client.login(role)
        response = client.get(url, headers={"Accept": "application/json"} if url.endswith(".json") else {})
        assert response.status_code == expected, (role, url, response.status_code)
        if role != "anonymous":
            client.post("/logout", data={"csrf_token": client.csrf_token()})


POSTS = [
    # (who, url, expected status) — acting on other people's or other jurisdictions' ids
    ("trainee.manager", "/sessions/registrations/{R}/cancel", 404),
    ("trainee.shanghai", "/sessions/registrations/{R}/cancel", 404),
    ("expert.shenzhen", "/sessions/registrations/{R}/cancel", 403),
    ("officer.shanghai", "/sessions/registrations/{R}/approve", 404),
    ("officer.futian", "/sessions/registrations/{R}/approve", 403),
    ("trainee", "/sessions/registrations/{R}/approve", 403),
    ("trainee", "/sessions/{P}/register", 404),
    ("officer.shenzhen", "/sessions/{S}/register", 403),
    ("officer.shanghai", "/sessions/{S}/open", 404),
    ("officer.futian", "/sessions/{S}/complete", 403),
    ("trainee.shanghai", "/sessions/actions/{I}/done", 404),
    ("expert.national", "/sessions/actions/{I}/done", 404),
    ("trainee.manager", "/sessions/actions/{I}/done", 403),  # a colleague sees the item but does not own it
    ("officer.shanghai", "/sessions/venues/{V}/edit", 404),
    ("trainee", "/sessions/{C}/coaching/actions", 403),
]


@pytest.mark.parametrize("who, url, expected", POSTS)
def test_actions_on_other_peoples_ids(client, world, db, who, url, expected):
    client.login(who)
    response = client.submit(url.format(**world), {"done": "1", "confirmed": "1"})
    assert response.status_code == expected
    db.session.expire_all()
    assert db.session.get(Registration, world["R"]).status == "confirmed"


def test_a_colleague_cannot_close_someone_elses_action_item(client, world, db):
    client.login("trainee.manager")
    response = client.submit(f"/sessions/actions/{world['I']}/done", {"done": "1"})
    assert response.status_code == 403
    assert db.session.get(CoachingActionItem, world["I"]).done is False
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.login("trainee")
    assert client.submit(f"/sessions/actions/{world['I']}/done", {"done": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CoachingActionItem, world["I"]).done is True


def test_officer_of_a_parent_unit_manages_a_local_units_session(demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5301"))
    from lms.sessions.permissions import can_manage_session

    assert can_manage_session(demo.user("officer.shenzhen"), session)
    assert can_manage_session(demo.user("officer.futian"), session)
    assert not can_manage_session(demo.user("officer.shanghai"), session)


def test_post_without_csrf_is_refused(client, world, db):
    client.login("trainee")
    assert client.post(f"/sessions/registrations/{world['R']}/cancel").status_code == 400
    assert db.session.get(Registration, world["R"]).status == "confirmed"


def test_trainee_list_shows_open_sessions_of_published_courses(client, demo, kit, world, db):
    hidden = kit.session(kit.course(published=False), demo.unit("5300"), title="Unpublished course session")
    db.session.commit()
    client.login("trainee.shanghai")
    html = client.get("/sessions/").get_data(as_text=True)
    assert "Shenzhen session" in html and "Shanghai session" in html
    assert "Planned session" not in html and "Coaching" not in html and hidden.title not in html
    assert client.get(f"/sessions/{hidden.id}").status_code == 404


def test_trainee_keeps_seeing_past_sessions_they_attended(client, demo, kit, world, db, clock):
    client.login("trainee")
    from lms.sessions.models import TrainingSession

    session = db.session.get(TrainingSession, world["S"])
    session.status = "completed"
    db.session.commit()
    clock.set(session.ends_at + timedelta(days=1))
    assert client.get(f"/sessions/{world['S']}").status_code == 200
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.login("trainee.shanghai")
    assert client.get(f"/sessions/{world['S']}").status_code == 404
