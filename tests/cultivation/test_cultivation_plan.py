"""The training plan: one button enrols and registers every nominee; the case page shows progress, attendance,
quiz results and learning gain; attendance completes the plan."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.courses.models import Enrollment
from lms.cultivation import plans
from lms.cultivation.models import CultivationCase
from lms.database import utcnow
from lms.sessions.models import Registration, TrainingSession


@pytest.fixture
def planned(db, flow):
    case = flow.to_state(flow.open(nominees=("trainee.manager", "trainee.customs")), "in_training")
    course = flow.course(title="Trade security", lessons=2)
    workshop_course = flow.course(title="Mock certification workshop")
    start = utcnow() + timedelta(days=10)
    session = TrainingSession(
        course_id=workshop_course.id,
        mode="in_class",
        unit_id=case.enterprise.unit_id,
        title="Mock certification day",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        capacity=20,
        status="open",
    )
    db.session.add(session)
    db.session.commit()
    return case, course, session


def test_enrol_and_register_from_the_plan(client, db, flow, planned):
    case, course, session = planned
    client.login("officer.futian")
    for data in ({"plan-course_id": str(course.id)}, {"plan-session_id": str(session.id)}):
        assert client.submit(f"/cultivation/cases/{case.id}/plan", data).status_code == 302
    response = client.submit(f"/cultivation/cases/{case.id}/plan/enroll", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 enrolments and 2 session registrations made." in html
    users = [n.user_id for n in case.nominees]
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(Enrollment)
            .where(Enrollment.user_id.in_(users), Enrollment.course_id == course.id)
        ).scalar_one()
        == 2
    )
    registrations = (
        db.session.execute(sa.select(Registration).where(Registration.session_id == session.id))
        .scalars()
        .all()
    )
    assert {r.status for r in registrations} == {"confirmed"}
    # Pressing again changes nothing.
    html = client.submit(f"/cultivation/cases/{case.id}/plan/enroll", follow_redirects=True).get_data(
        as_text=True
    )
    assert "0 enrolments and 0 session registrations made." in html
    assert "0 of 2 lessons" in html and "Confirmed" in html


def test_progress_shows_quiz_results_and_learning_gain(client, db, flow, planned):
    from lms.quizzes.models import Attempt, Quiz

    case, course, session = planned
    flow_officer = flow.officer()
    plans.add_plan_item(flow_officer, case, course=course)
    plans.enroll_nominees(flow_officer, case)
    manager = flow.demo.user("trainee.manager")
    pre = Quiz(course_id=course.id, key="pre", title="Pre-test", purpose="pre_test", pass_mark=Decimal("0"))
    post = Quiz(
        course_id=course.id, key="post", title="Post-test", purpose="post_test", pass_mark=Decimal("60")
    )
    db.session.add_all([pre, post])
    db.session.flush()
    now = utcnow()
    for quiz, percent in ((pre, Decimal("40")), (post, Decimal("85"))):
        db.session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=manager.id,
                number=1,
                status="graded",
                started_at=now,
                submitted_at=now,
                graded_at=now,
                score=percent,
                max_score=Decimal(100),
                percent=percent,
                passed=True,
            )
        )
    db.session.commit()
    progress = plans.plan_progress(case)
    cell = next(r for r in progress.rows if r.nominee.user_id == manager.id).cells[0]
    assert [(q[0], q[2]) for q in cell.quizzes] == [
        ("Pre-test", Decimal("40.0000")),
        ("Post-test", Decimal("85.0000")),
    ]
    assert cell.gain.gain == Decimal("45.00")
    client.login("officer.futian")
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert "Learning gain: +45.0 points (40.0 → 85.0)" in html
    assert "Post-test · Post-test: 85.0%" in html


def test_attendance_completes_the_plan(client, db, flow, planned):
    case, course, session = planned
    officer = flow.officer()
    plans.add_plan_item(officer, case, session=session)
    plans.enroll_nominees(officer, case)
    db.session.commit()
    client.login("officer.futian")
    html = client.submit(f"/cultivation/cases/{case.id}/complete", follow_redirects=True).get_data(
        as_text=True
    )
    assert "The plan is not complete yet: 2 of 2 items are open." in html
    for registration in db.session.execute(sa.select(Registration)).scalars():
        registration.attendance = "present"
    db.session.commit()
    assert client.submit(f"/cultivation/cases/{case.id}/complete").status_code == 302
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "completed"


def test_complete_command_completes_finished_plans(cli, db, flow, planned):
    case, course, session = planned
    officer = flow.officer()
    plans.add_plan_item(officer, case, session=session)
    plans.enroll_nominees(officer, case)
    for registration in db.session.execute(sa.select(Registration)).scalars():
        registration.attendance = "late"
    db.session.commit()
    assert "1 cases completed." in cli.invoke(args=["cultivation", "complete"]).output
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "completed"


def test_enrolment_refusal_is_all_or_nothing(client, db, flow, planned):
    case, course, session = planned
    officer = flow.officer()
    plans.add_plan_item(officer, case, course=course)
    plans.add_plan_item(officer, case, session=session)
    session.capacity = 1
    session.status = "cancelled"
    db.session.commit()
    client.login("officer.futian")
    response = client.submit(f"/cultivation/cases/{case.id}/plan/enroll")
    assert response.status_code == 409
    assert "This session has been cancelled." in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one() == 0
