"""Feedback: once per attended seat, after the session; experts and officers see aggregates only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.errors import RuleViolation
from lms.sessions import services
from lms.sessions.models import SessionFeedback

ANSWERS = {
    "content": "5",
    "expert": "4",
    "organisation": "3",
    "usefulness": "4",
    "comment": "Bring more real validation cases.",
}


@pytest.fixture
def attended(demo, kit, db, clock):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=5)
    kit.assign(session, demo.user("expert.shenzhen"))
    regs = {}
    for login in ("trainee", "trainee.manager", "trainee.customs"):
        user = demo.user(login)
        regs[login] = services.register_trainee(user, session, user)
    clock.set(session.starts_at + timedelta(minutes=1))
    expert = demo.user("expert.shenzhen")
    services.mark_attendance(expert, regs["trainee"], "present")
    services.mark_attendance(expert, regs["trainee.manager"], "late")
    services.mark_attendance(expert, regs["trainee.customs"], "absent")
    db.session.commit()
    clock.set(session.ends_at + timedelta(minutes=1))
    return session, regs


def test_feedback_once_after_attending(client, demo, attended, db):
    session, regs = attended
    client.login("trainee")
    assert "Give feedback" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    response = client.submit(f"/sessions/{session.id}/feedback", ANSWERS)
    assert response.status_code == 302
    row = db.session.execute(sa.select(SessionFeedback)).scalar_one()
    assert (row.content, row.expert, row.organisation, row.usefulness) == (5, 4, 3, 4)
    html = client.submit(f"/sessions/{session.id}/feedback", ANSWERS).get_data(as_text=True)
    assert "You have already given feedback on this session." in html
    assert db.session.execute(sa.select(sa.func.count(SessionFeedback.id))).scalar_one() == 1


def test_feedback_refused_before_the_end_or_without_attending(demo, attended, db, clock):
    session, regs = attended
    with pytest.raises(RuleViolation, match="attended"):
        services.submit_feedback(
            demo.user("trainee.customs"),
            regs["trainee.customs"],
            {"content": 5, "expert": 5, "organisation": 5, "usefulness": 5},
        )
    clock.set(session.ends_at - timedelta(minutes=5))
    with pytest.raises(RuleViolation, match="when the session has ended"):
        services.submit_feedback(
            demo.user("trainee"),
            regs["trainee"],
            {"content": 5, "expert": 5, "organisation": 5, "usefulness": 5},
        )
    with pytest.raises(services.NotPermitted):
        services.submit_feedback(
            demo.user("trainee.manager"),
            regs["trainee"],
            {"content": 5, "expert": 5, "organisation": 5, "usefulness": 5},
        )


def test_scores_out_of_range_are_refused(client, demo, attended, db):
    session, regs = attended
    client.login("trainee")
    response = client.submit(f"/sessions/{session.id}/feedback", dict(ANSWERS, content="7"))
    assert response.status_code == 200
    assert db.session.execute(sa.select(sa.func.count(SessionFeedback.id))).scalar_one() == 0
    with pytest.raises(services.InvalidInput):
        services.submit_feedback(
            demo.user("trainee"),
            regs["trainee"],
            {"content": 0, "expert": 5, "organisation": 5, "usefulness": 5},
        )


def test_results_are_aggregated_and_anonymous(client, demo, attended, db):
    session, regs = attended
    services.submit_feedback(
        demo.user("trainee"),
        regs["trainee"],
        {"content": 5, "expert": 4, "organisation": 3, "usefulness": 4},
        "Zebra comment",
    )
    services.submit_feedback(
        demo.user("trainee.manager"),
        regs["trainee.manager"],
        {"content": 3, "expert": 5, "organisation": 4, "usefulness": 2},
        "Apple comment",
    )
    db.session.commit()
    summary = services.feedback_summary([session.id])
    assert summary.count == 2
    assert summary.averages == {"content": 4.0, "expert": 4.5, "organisation": 3.5, "usefulness": 3.0}
    assert summary.overall == 3.75
    assert summary.comments == ["Apple comment", "Zebra comment"]  # not in the order given
    assert services.feedback_by_session([session.id])[session.id].count == 2
    assert services.attendance_rate([session.id]) == pytest.approx(2 / 3, abs=1e-3)

    for login in ("expert.shenzhen", "officer.shenzhen"):
        client.login(login)
        html = client.get(f"/sessions/{session.id}/feedback/results").get_data(as_text=True)
        assert "4.50" in html and "Apple comment" in html
        for trainee in ("trainee", "trainee.manager"):
            assert demo.user(trainee).display_name not in html
        overview = client.get("/sessions/feedback").get_data(as_text=True)
        assert "3.75" in overview
        client.post("/logout", data={"csrf_token": client.csrf_token()})


@pytest.mark.parametrize(
    "login, status",
    [
        ("trainee", 403),
        ("expert.national", 404),
        ("officer.shanghai", 404),
        ("officer.futian", 403),
    ],
)
def test_others_do_not_see_the_results(client, demo, attended, db, login, status):
    session, regs = attended
    client.login(login)
    assert client.get(f"/sessions/{session.id}/feedback/results").status_code == status


def test_expert_overview_lists_only_their_sessions(client, demo, kit, attended, db):
    session, regs = attended
    other = kit.session(kit.course(), demo.unit("5300"), title="Somebody else's session")
    kit.assign(other, demo.user("expert.national"))
    db.session.commit()
    client.login("expert.shenzhen")
    html = client.get("/sessions/feedback").get_data(as_text=True)
    assert "Somebody else" not in html
