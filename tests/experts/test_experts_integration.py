"""The experts panel on the session page, agreement with the sessions area's aggregates, and the demo."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.experts.appraisal import appraisal_rows, parse_period
from lms.sessions.models import SessionExpert, TrainingSession
from tests.experts.conftest import future_month, local


@pytest.fixture
def scheduled(kit, factory, world):
    expert = kit.expert(world["north"], "regional", login_name="expert.n", name="Expert North")
    session = kit.session(world["north_a"], local(future_month().replace(day=10), 9), title="Northern class")
    trainee = factory.user("trainee", enterprise=factory.enterprise(world["north_a"]), login_name="trainee.n")
    return {**world, "expert": expert, "session": session, "trainee": trainee}


def test_session_page_panel_lets_the_officer_assign(client, db, scheduled):
    session, expert = scheduled["session"], scheduled["expert"]
    client.login("officer.north")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert 'id="panel-experts"' in html
    assert "No expert assigned yet." in html
    assert f'href="/experts/sessions/{session.id}/suggestions"' in html
    response = client.submit(
        f"/experts/sessions/{session.id}/assign",
        {"expert_id": expert.id, "role": "lead", "next": f"/sessions/{session.id}"},
    )
    assert response.headers["Location"] == f"/sessions/{session.id}"
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Expert North assigned as lead expert." in html
    assert db.session.execute(sa.select(SessionExpert.role)).scalar_one() == "lead"


def test_session_page_panel_for_trainees_shows_names_only(client, kit, scheduled):
    kit.assign(scheduled["session"], scheduled["expert"], "lead")
    client.login("trainee.n")
    html = client.get(f"/sessions/{scheduled['session'].id}").get_data(as_text=True)
    panel = html.split('id="panel-experts"')[1]
    assert "Expert North" in panel
    assert "/suggestions" not in panel and "/experts/" not in panel.split("</section>")[0]


def test_session_page_panel_for_the_assigned_expert(client, kit, scheduled):
    kit.assign(scheduled["session"], scheduled["expert"], "lead")
    client.login("expert.n")
    html = client.get(f"/sessions/{scheduled['session'].id}").get_data(as_text=True)
    panel = html.split('id="panel-experts"')[1].split("</section>")[0]
    assert "Expert North" in panel and "Assign" not in panel


def test_appraisal_agrees_with_the_sessions_aggregates(db, kit, factory, world):
    from lms.sessions.services import attendance_summary, feedback_summary

    expert = kit.expert(world["north"], "regional", name="Consistent")
    trainees = [factory.user("trainee", enterprise=factory.enterprise(world["north_a"])) for _ in range(4)]
    ids = []
    for day, marks, scores in (
        (3, ["present", "absent", "late", None], [(5, 4, 4, 5), (3, 3, 4, 2)]),
        (17, ["present", "present", "excused", "late"], [(4, 5, 5, 5)]),
    ):
        session = kit.session(world["north_a"], local(date(2025, 6, day), 9), status="completed")
        kit.assign(session, expert, "lead")
        seats = [kit.register(session, t, attendance=m) for t, m in zip(trainees, marks, strict=True)]
        for seat, score in zip(seats, scores, strict=False):
            kit.feedback(seat, *score)
        ids.append(session.id)
    row = appraisal_rows(
        world["admin"], parse_period(MultiDict({"period": "month", "year": "2025", "month": "6"}))
    )
    row = next(r for r in row if r.name == "Consistent")
    attendance, feedback = attendance_summary(ids), feedback_summary(ids, with_comments=False)
    assert (row.confirmed, row.attended, row.responses) == (
        attendance.confirmed,
        attendance.attended,
        feedback.count,
    )
    assert float(row.expert_average) == pytest.approx(feedback.averages["expert"], abs=0.005)
    assert float(row.overall_average) == pytest.approx(feedback.overall, abs=0.01)


@pytest.mark.slow
def test_demo_is_idempotent_and_shows_an_exclusion(client, db):
    from lms.demo import load_demo
    from lms.experts.models import ExpertProfile, Involvement, UnavailablePeriod

    load_demo(echo=lambda *args: None)
    tables = (ExpertProfile, UnavailablePeriod, Involvement, SessionExpert, TrainingSession)

    def counts():
        return [db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables]

    first = counts()
    load_demo(echo=lambda *args: None)
    assert counts() == first
    assert first[:3] == [3, 1, 3]

    session = db.session.execute(
        sa.select(TrainingSession).where(
            TrainingSession.title == "One-on-one coaching: Nanshan Medical Devices"
        )
    ).scalar_one()
    client.login("officer.shenzhen")
    html = client.get(f"/experts/sessions/{session.id}/suggestions").get_data(as_text=True)
    eligible, excluded = html.split("Excluded experts")
    assert "Zhou Ming" in eligible and "Assign as lead" in eligible
    assert "Huang Jie" in excluded and 'data-rule="conflict_of_interest"' in excluded
    assert "Nanshan Medical Devices" in excluded
