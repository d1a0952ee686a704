"""End to end through the pages: schedule at the Shenzhen base, register until the waitlist forms, check in
with the code on the expert's screen, give feedback, and read the figures as the expert."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.sessions import services
from lms.sessions.models import Registration, SessionExpert, TrainingSession


def _logout(client):
    client.post("/logout", data={"csrf_token": client.csrf_token()})


def test_shenzhen_base_session_from_scheduling_to_feedback(client, demo, kit, db, clock):
    course = kit.course(title="AEO standard workshop")
    base = kit.venue(demo.unit("5300"), capacity=120, name_en="China Customs AEO Training Base (Shenzhen)")
    db.session.commit()
    day = (services.now() + timedelta(days=20)).date().isoformat()

    client.login("officer.shenzhen")
    response = client.submit(
        "/sessions/new",
        {
            "course_id": course.id,
            "title": "Workshop at the base",
            "mode": "in_class",
            "unit_id": demo.unit("5300").id,
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T12:00",
            "capacity": "3",
            "venue_id": base.id,
            "open_now": "y",
            "repeat": "none",
        },
    )
    session = db.session.execute(sa.select(TrainingSession)).scalar_one()
    assert response.headers["Location"].endswith(f"/sessions/{session.id}")
    db.session.add(
        SessionExpert(session_id=session.id, expert_id=demo.user("expert.shenzhen").id, role="lead")
    )
    db.session.commit()
    _logout(client)

    logins = ["trainee", "trainee.manager", "trainee.customs", "trainee.finance"]
    for login in logins:
        client.login(login)
        client.submit(f"/sessions/{session.id}/register")
        _logout(client)
    statuses = [
        r.status for r in db.session.execute(sa.select(Registration).order_by(Registration.id)).scalars()
    ]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]

    clock.set(session.starts_at - timedelta(minutes=10))
    client.login("expert.shenzhen")
    page = client.get(f"/sessions/{session.id}/checkin-code").get_data(as_text=True)
    code = re.search(r'id="checkin-code"[^>]*>(\d{6})<', page).group(1)
    _logout(client)
    for login in logins[:2]:
        client.login(login)
        assert client.submit(f"/sessions/{session.id}/checkin", {"code": code}).status_code == 302
        _logout(client)

    clock.set(session.ends_at + timedelta(minutes=5))
    client.login("expert.shenzhen")
    client.submit(
        f"/sessions/{session.id}/attendance",
        {
            f"attendance-{r.id}": "absent"
            for r in db.session.execute(
                sa.select(Registration).where(
                    Registration.checked_in_at.is_(None), Registration.status == "confirmed"
                )
            ).scalars()
        },
    )
    _logout(client)
    for login, scores in (("trainee", ("5", "5", "4", "5")), ("trainee.manager", ("4", "4", "4", "3"))):
        client.login(login)
        data = dict(zip(("content", "expert", "organisation", "usefulness"), scores, strict=True))
        assert client.submit(f"/sessions/{session.id}/feedback", data).status_code == 302
        _logout(client)

    client.login("expert.shenzhen")
    html = client.get(f"/sessions/{session.id}/feedback/results").get_data(as_text=True)
    assert "4.50" in html  # content (5 + 4) / 2
    assert "67%" in html  # two of three marked seats attended
    assert services.attendance_rate([session.id]) == round(2 / 3, 4)
    assert services.feedback_summary([session.id]).overall == 4.25
