"""Every session page renders for the people who use it."""

from __future__ import annotations

from lms.sessions import services


def test_pages_render_for_each_role(client, demo, kit, db):
    course = kit.course()
    shenzhen = demo.unit("5300")
    session = kit.session(course, shenzhen, capacity=10)
    kit.assign(session, demo.user("expert.shenzhen"))
    trainee = demo.user("trainee")
    services.register_trainee(trainee, session, trainee)
    db.session.commit()
    sid = session.id
    for login, urls in {
        "officer.shenzhen": [
            "/sessions/",
            f"/sessions/{sid}",
            "/sessions/new",
            f"/sessions/{sid}/edit",
            f"/sessions/{sid}/cancel",
            f"/sessions/{sid}/registrations",
            f"/sessions/{sid}/attendance",
            f"/sessions/{sid}/checkin-code",
            f"/sessions/{sid}/feedback/results",
            "/sessions/feedback",
            "/sessions/venues/",
            "/sessions/venues/new",
            f"/sessions/{sid}/session.ics",
        ],
        "expert.shenzhen": [
            "/sessions/",
            f"/sessions/{sid}",
            f"/sessions/{sid}/attendance",
            f"/sessions/{sid}/checkin-code",
            "/sessions/calendar",
            "/sessions/feedback",
        ],
        "trainee": [
            "/sessions/",
            f"/sessions/{sid}",
            "/sessions/calendar",
            f"/sessions/{sid}/checkin",
            f"/sessions/{sid}/feedback",
            f"/sessions/{sid}/session.ics",
        ],
    }.items():
        client.login(login)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (login, url, response.status_code)
        assert client.get("/").status_code == 200
        client.post("/logout", data={"csrf_token": client.csrf_token()})
