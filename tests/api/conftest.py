"""API fixtures: the demo organisation with a little of everything the API lists (enrolments, completions,
certificates, cultivation cases) inside and outside Shenzhen, and tokens for each role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.api import tokens
from lms.courses.models import Course, Enrollment
from lms.database import utcnow
from lms.evidence.services import issue_certificate
from lms.quizzes.models import Attempt, Quiz
from lms.sessions.models import Registration, TrainingSession, Venue
from tests.cultivation.conftest import Flow
from tests.factories import published_course


@dataclass
class World:
    course: Course
    other_course: Course
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    certificates: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    registrations: dict = field(default_factory=dict)
    attempts: dict = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


def make_course(db, slug: str = "api-course") -> Course:
    return published_course(
        db,
        slug=slug,
        title="Customs compliance basics",
        training_type="compliance",
        modes=["online"],
        hours=Decimal("2.5"),
        lessons=[("intro", "Introduction")],
    )


def completed(db, user, course: Course) -> Enrollment:
    enrollment = Enrollment(
        user_id=user.id,
        course_id=course.id,
        status="completed",
        completed_at=utcnow(),
        completed_version_id=course.published_version_id,
    )
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def make_session(db, course: Course, unit, *, starts_at=None) -> TrainingSession:
    venue = Venue(
        name_en=f"Room {unit.code}", name_zh="教室", address="1 Test Road", capacity=40, unit_id=unit.id
    )
    db.session.add(venue)
    db.session.flush()
    starts_at = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
    session = TrainingSession(
        course_id=course.id,
        unit_id=unit.id,
        mode="in_class",
        title=f"Session at {unit.code}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=20,
        status="open",
        seats_taken=0,
        venue_id=venue.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def flow(db, demo, clock):
    return Flow(db, demo, clock)


@pytest.fixture
def world(db, demo, flow) -> World:
    """Shenzhen (trainee of Pengcheng, Futian) and Shanghai (trainee.shanghai) each with a completion, a
    certificate and a cultivation case waiting for its outcome; tokens for trainee, officer and admin."""
    course = make_course(db)
    w = World(course=course, other_course=make_course(db, "api-other-course"))
    for login in ("trainee", "trainee.shanghai"):
        enrollment = completed(db, demo.user(login), course)
        w.enrollments[login] = enrollment
        w.certificates[login] = issue_certificate(enrollment)
    db.session.add(Enrollment(user_id=demo.user("trainee.manager").id, course_id=course.id, status="active"))
    db.session.commit()
    w.cases["shenzhen"] = flow.to_state(flow.open(), "certification_applied")
    shanghai_trainee = demo.user("trainee.shanghai")
    w.cases["shanghai"] = flow.to_state(
        flow.open(
            enterprise=shanghai_trainee.enterprise.name_en[:20],
            nominees=("trainee.shanghai",),
            nominated_by="officer.shanghai",
            category="potential_applicant",
        ),
        "certification_applied",
        officer="officer.shanghai",
    )
    # Sessions: Shanghai's open for registration next week; one running now in each region, each with a
    # confirmed seat.
    w.sessions["shanghai"] = make_session(db, course, demo.unit("2200"))
    for region, code, login in (("shenzhen", "5300", "trainee"), ("shanghai", "2200", "trainee.shanghai")):
        running = make_session(db, course, demo.unit(code), starts_at=utcnow() - timedelta(minutes=30))
        running.seats_taken = 1
        registration = Registration(
            session_id=running.id, user_id=demo.user(login).id, status="confirmed", confirmed_at=utcnow()
        )
        db.session.add(registration)
        db.session.flush()
        w.sessions[f"{region} running"] = running
        w.registrations[region] = registration
    # A graded post-test attempt each.
    quiz = Quiz(
        course_id=course.id, key="post-test", title="Post-test", purpose="post_test", pass_mark=Decimal("60")
    )
    db.session.add(quiz)
    db.session.flush()
    for login in ("trainee", "trainee.shanghai"):
        now = utcnow()
        attempt = Attempt(
            quiz_id=quiz.id,
            user_id=demo.user(login).id,
            number=1,
            status="graded",
            started_at=now - timedelta(minutes=20),
            submitted_at=now - timedelta(minutes=5),
            graded_at=now - timedelta(minutes=5),
            score=Decimal("8"),
            max_score=Decimal("10"),
            percent=Decimal("80"),
            passed=True,
        )
        db.session.add(attempt)
        db.session.flush()
        w.attempts[login] = attempt
    db.session.commit()
    for login in ("trainee", "officer.shenzhen", "officer.shanghai", "admin", "expert.shenzhen"):
        user = demo.user(login)
        w.secrets[login] = tokens.create_token(user, user, name="tests", scope="write", days=30)[1]
    user = demo.user("officer.shenzhen")
    w.secrets["officer.shenzhen:read"] = tokens.create_token(user, user, name="read", scope="read", days=30)[
        1
    ]
    db.session.commit()
    return w


def today() -> date:
    from lms.cultivation import clock as clock_module

    return clock_module.today()
