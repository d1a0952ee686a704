"""Fixtures for the cultivation tests: a helper that walks cases through the procedure (on the one fake clock,
tests/conftest.py)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.cultivation import services
from lms.cultivation.models import KeyTrainingList, PlanItem
from lms.database import utcnow
from tests.factories import published_course

_courses = itertools.count(1)


class Flow:
    """Drive cases through the procedure with the services, as officers and trainees would."""

    def __init__(self, db, demo, clock):
        self.db, self.demo, self.clock = db, demo, clock

    @property
    def today(self) -> date:
        return self.clock.day

    def officer(self, login: str = "officer.futian"):
        return self.demo.user(login)

    def open(
        self,
        *,
        enterprise: str = "Pengcheng",
        applicant: str = "trainee",
        nominees=("trainee", "trainee.manager", "trainee.customs"),
        training_type: str = "aeo_certification",
        category: str = "applicant",
        opened_on: date | None = None,
        nominated_by: str | None = None,
    ):
        users = [self.demo.user(login) for login in nominees]
        today = self.clock.day
        if opened_on is not None:
            self.clock.set(opened_on)  # the application is entered as of that day
        if nominated_by:
            case = services.nominate_enterprise(
                self.demo.user(nominated_by),
                self.demo.enterprise(enterprise),
                training_type=training_type,
                category=category,
                nominee_ids=[u.id for u in users],
            )
        else:
            case = services.apply_for_cultivation(
                self.demo.user(applicant),
                training_type=training_type,
                category=category,
                nominee_ids=[u.id for u in users],
            )
        self.clock.set(today)
        self.db.session.commit()
        return case

    def events(self, case) -> list:
        from lms.cultivation.models import CaseEvent

        return (
            self.db.session.execute(
                sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
            .scalars()
            .all()
        )

    def confirmed_list(self, case):
        """A confirmed (empty) key training list of the case's unit, for putting one case on it directly."""
        key_list = KeyTrainingList(
            unit_id=case.enterprise.unit_id,
            period=f"{2000 + next(_courses)}",
            weights={},
            position_values={},
            confirmed=True,
            confirmed_at=utcnow(),
            confirmed_by_id=self.officer().id,
        )
        self.db.session.add(key_list)
        self.db.session.flush()
        return key_list

    def course(self, *, title: str = "AEO standards", lessons: int = 1, published: bool = True):
        n = next(_courses)
        return published_course(
            self.db,
            slug=f"cultivation-course-{n}",
            published=published,
            title=f"{title} {n}",
            training_type="aeo_certification",
            modes=["online"],
            hours=Decimal("2"),
            require_lessons=True,
            lessons=[(f"lesson-{k}", f"Lesson {k}") for k in range(1, lessons + 1)],
        )

    def complete_plan(self, case) -> None:
        """Give the case a one-course plan that every nominee has completed."""
        from lms.courses.models import Enrollment

        course = self.course()
        self.db.session.add(PlanItem(case=case, kind="course", course=course))
        for nominee in case.nominees:
            self.db.session.add(
                Enrollment(
                    user_id=nominee.user_id,
                    course_id=course.id,
                    status="completed",
                    completed_at=utcnow(),
                    completed_version_id=course.published_version_id,
                )
            )
        self.db.session.flush()

    def to_state(self, case, state: str, officer: str = "officer.futian"):
        """Walk ``case`` from submitted to ``state`` along the main path."""
        actor = self.officer(officer)
        today = self.today
        path = {
            "submitted": [],
            "screened": ["screen"],
            "rejected": ["reject"],
            "listed": ["screen", "list"],
            "in_training": ["screen", "list", "start_training"],
            "suspended": ["screen", "list", "start_training", "suspend"],
            "completed": ["screen", "list", "start_training", "complete"],
            "certification_applied": ["screen", "list", "start_training", "complete", "apply_certification"],
            "certified": ["screen", "list", "start_training", "complete", "apply_certification", "certify"],
            "not_certified": [
                "screen",
                "list",
                "start_training",
                "complete",
                "apply_certification",
                "not_certify",
            ],
            "terminated": ["terminate"],
        }[state]
        for step in path:
            self.step(actor, case, step, today)
        self.db.session.commit()
        return case

    def step(self, actor, case, name: str, day: date):
        if name == "screen":
            return services.screen_case(actor, case, decided_on=day)
        if name == "reject":
            return services.reject_case(actor, case, decided_on=day, reason="Nominees not ready")
        if name == "list":
            return services.list_case(actor, case, self.confirmed_list(case))
        if name == "start_training":
            return services.start_training(actor, case)
        if name == "suspend":
            return services.suspend_case(actor, case, reason="audit", suspended_on=day)
        if name == "resume":
            return services.resume_case(actor, case, resumed_on=day)
        if name == "complete":
            if case.state == "in_training" and not case.plan_items:
                self.complete_plan(case)
            return services.complete_case(actor, case)
        if name == "apply_certification":
            return services.apply_for_certification(actor, case, applied_on=day)
        if name == "certify":
            return services.certify_case(actor, case, level=services.granted_levels(day)[-1], decided_on=day)
        if name == "not_certify":
            return services.not_certify_case(
                actor, case, reason="Internal control does not meet the standard", decided_on=day
            )
        if name == "terminate":
            return services.terminate_case(
                actor, case, reason="other", reason_text="The enterprise withdrew", terminated_on=day
            )
        raise AssertionError(name)


@pytest.fixture
def flow(db, demo, clock):
    return Flow(db, demo, clock)
