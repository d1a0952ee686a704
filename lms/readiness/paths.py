"""Training that follows the gaps: a recommended learning path per nominee, adoptable into the case plan.

The gaps are the items of the enterprise's latest judged assessment judged "does not meet" or "basically
meets". A course covers an item when the course, one of its lessons or one of its question-bank categories is
tagged with it (``standard_items:`` in the curriculum files). Courses covering the most serious gaps come
first; each comes with its upcoming sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.courses.models import Course, Enrollment
from lms.cultivation.models import CultivationCase
from lms.cultivation.plans import PLAN_STATES, add_plan_item
from lms.database import utcnow
from lms.errors import RuleViolation
from lms.extensions import db
from lms.readiness.models import Assessment, CurriculumTag
from lms.readiness.services import latest_judged
from lms.readiness.standards import GAP_JUDGEMENTS, SEVERITY, all_items
from lms.sessions.models import TrainingSession


@dataclass
class Gap:
    code: str
    item: dict
    judgement: str


@dataclass
class PathStep:
    course: Course
    gaps: list[Gap]
    sessions: list[TrainingSession] = field(default_factory=list)

    @property
    def severity(self) -> int:
        return min(SEVERITY[g.judgement] for g in self.gaps)


def gaps_of(assessment: Assessment | None) -> list[Gap]:
    if assessment is None:
        return []
    judgements = assessment.judgements()
    gaps = [
        Gap(item["code"], item, judgements[item["code"]])
        for item in all_items(assessment.standard.data)
        if judgements.get(item["code"]) in GAP_JUDGEMENTS and not item["additional"]
    ]
    return sorted(gaps, key=lambda g: SEVERITY[g.judgement])  # stable: standard order within a severity


def recommended_path(gaps: list[Gap]) -> list[PathStep]:
    if not gaps:
        return []
    codes = [g.code for g in gaps]
    rows = db.session.execute(
        sa.select(CurriculumTag.course_id, CurriculumTag.item_code)
        .join(Course, Course.id == CurriculumTag.course_id)
        .where(
            CurriculumTag.item_code.in_(codes),
            Course.published_version_id.is_not(None),
            Course.archived.is_(False),
        )
        .distinct()
    ).all()
    covered: dict[int, set[str]] = {}
    for course_id, code in rows:
        covered.setdefault(course_id, set()).add(code)
    if not covered:
        return []
    courses = {c.id: c for c in db.session.execute(sa.select(Course).where(Course.id.in_(covered))).scalars()}
    steps = [PathStep(courses[cid], [g for g in gaps if g.code in items]) for cid, items in covered.items()]
    steps.sort(key=lambda s: (s.severity, -len(s.gaps), s.course.slug))
    sessions = db.session.execute(
        sa.select(TrainingSession)
        .where(
            TrainingSession.course_id.in_(covered),
            TrainingSession.starts_at > utcnow(),
            TrainingSession.status.in_(("planned", "open")),
        )
        .order_by(TrainingSession.starts_at)
    ).scalars()
    by_course: dict[int, list[TrainingSession]] = {}
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
    for step in steps:
        step.sessions = by_course.get(step.course.id, [])[:3]
    return steps


@dataclass
class NomineePath:
    user: object
    steps: list[tuple[PathStep, str | None]]  # (step, enrolment status of this nominee)


def nominee_paths(steps: list[PathStep], users: list) -> list[NomineePath]:
    """The path for each person: completed courses left out, enrolment status shown."""
    if not users:
        return []
    statuses = {
        (e.user_id, e.course_id): e.status
        for e in db.session.execute(
            sa.select(Enrollment).where(
                Enrollment.user_id.in_([u.id for u in users]),
                Enrollment.course_id.in_([s.course.id for s in steps] or [0]),
            )
        ).scalars()
    }
    return [
        NomineePath(
            user,
            [
                (s, statuses.get((user.id, s.course.id)))
                for s in steps
                if statuses.get((user.id, s.course.id)) != "completed"
            ],
        )
        for user in users
    ]


def open_plan_case(enterprise_id: int) -> CultivationCase | None:
    """The enterprise's open case whose plan can still change."""
    return db.session.execute(
        sa.select(CultivationCase)
        .where(CultivationCase.enterprise_id == enterprise_id, CultivationCase.state.in_(PLAN_STATES))
        .order_by(CultivationCase.opened_at.desc(), CultivationCase.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def adopt_path(actor, case: CultivationCase) -> tuple[int, int]:
    """Add the recommended courses (and each one's next session) to the case plan, in one step.

    Items already in the plan are left as they are. Returns (courses added, sessions added). The plan's own
    rules apply (lms.cultivation.plans.add_plan_item): staff in charge of the case, plan still editable."""
    steps = recommended_path(gaps_of(latest_judged(case.enterprise_id)))
    if not steps:
        raise RuleViolation(
            _l("No recommended training: the enterprise has no judged gaps covered by the curriculum."),
            code="readiness.no_path",
        )
    in_plan_courses = {i.course_id for i in case.plan_items if i.course_id}
    in_plan_sessions = {i.session_id for i in case.plan_items if i.session_id}
    courses = sessions = 0
    for step in steps:
        if step.course.id not in in_plan_courses:
            add_plan_item(actor, case, course=step.course)
            in_plan_courses.add(step.course.id)
            courses += 1
        if step.sessions and step.sessions[0].id not in in_plan_sessions:
            add_plan_item(actor, case, session=step.sessions[0])
            in_plan_sessions.add(step.sessions[0].id)
            sessions += 1
    db.session.expire(case, ["plan_items"])
    return courses, sessions


def case_in_plan_state(case: CultivationCase) -> bool:
    return case.state in PLAN_STATES
