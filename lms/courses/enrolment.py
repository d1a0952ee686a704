"""Enrolment: who may enrol in a published course, and enrolling."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.scopes import user_in_scope
from lms.courses.completion import evaluate_completion
from lms.courses.models import (
    Course,
    Enrollment,
)
from lms.courses.values import _require
from lms.database import utcnow
from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db

# -- enrolment ---------------------------------------------------------------------------------------------


def completed_course_ids(user: User) -> set[int]:
    return set(
        db.session.execute(
            sa.select(Enrollment.course_id).where(
                Enrollment.user_id == user.id, Enrollment.status == "completed"
            )
        ).scalars()
    )


def missing_prerequisites(trainee: User, course: Course) -> list[Course]:
    version = course.published_version
    if version is None:
        return []
    done = completed_course_ids(trainee)
    return [c for c in version.prerequisites if c.id not in done]


def _course_names(courses: list[Course]) -> str:
    return "; ".join(c.title for c in courses)


def enroll(actor: User | None, course: Course, trainee: User) -> Enrollment:
    """Enrol ``trainee`` in ``course``. Trainees enrol themselves in online courses once the prerequisites are
    complete; officers (within their jurisdiction) and admins enrol trainees in any published course.
    ``actor`` None is the system (demo data, imports). Returns the enrolment (re-opened if withdrawn)."""
    if course.published_version_id is None or course.archived:
        raise RuleViolation(_l("This course is not open for enrolment."))
    if trainee.role != "trainee":
        raise InvalidInput(_l("Only trainees can be enrolled in courses."), field="trainee")
    if not trainee.active:
        raise RuleViolation(_l("This account is deactivated."), field="trainee")
    if actor is not None:
        if actor.role == "trainee":
            _require(actor.id == trainee.id, _l("Trainees enrol only themselves."))
            if "online" not in (course.published_version.modes or []):
                raise RuleViolation(
                    _l(
                        "Only online courses are open to self-enrolment. Ask your customs officer to "
                        "enrol you in this course."
                    )
                )
            missing = missing_prerequisites(trainee, course)
            if missing:
                raise RuleViolation(
                    _l("Complete these courses first: %(courses)s.", courses=_course_names(missing))
                )
        elif actor.role == "officer":
            _require(user_in_scope(actor, trainee), _l("This trainee is outside your jurisdiction."))
        else:
            _require(
                actor.role == "admin", _l("Only trainees, officers and administrators enrol in courses.")
            )
    existing = db.session.execute(
        sa.select(Enrollment)
        .where(Enrollment.user_id == trainee.id, Enrollment.course_id == course.id)
        .with_for_update()
    ).scalar_one_or_none()
    if existing is not None:
        if existing.status == "active":
            raise RuleViolation(_l("%(name)s is already enrolled in this course.", name=trainee.display_name))
        if existing.status == "completed":
            raise RuleViolation(_l("%(name)s has already completed this course.", name=trainee.display_name))
        existing.status = "active"
        existing.withdrawn_at = None
        existing.enrolled_at = utcnow()
        existing.enrolled_by_id = actor.id if actor is not None else None
        evaluate_completion(existing, actor)
        return existing
    enrollment = Enrollment(
        user_id=trainee.id,
        course_id=course.id,
        status="active",
        enrolled_by_id=actor.id if actor is not None else None,
        enrolled_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
            db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(
            _l("%(name)s is already enrolled in this course.", name=trainee.display_name)
        ) from error
    return enrollment


def can_withdraw(actor: User, enrollment: Enrollment) -> bool:
    if enrollment.status != "active" or not getattr(actor, "is_authenticated", False):
        return False
    if actor.id == enrollment.user_id or actor.role == "admin":
        return True
    return actor.role == "officer" and user_in_scope(actor, enrollment.user_id)


def withdraw(actor: User, enrollment: Enrollment) -> None:
    _require(actor.id == enrollment.user_id or actor.role in ("officer", "admin"))
    if actor.role == "officer" and actor.id != enrollment.user_id:
        _require(user_in_scope(actor, enrollment.user_id), _l("This trainee is outside your jurisdiction."))
    enrollment = db.session.execute(
        sa.select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if enrollment.status != "active":
        raise RuleViolation(_l("Only an active enrolment can be withdrawn."))
    enrollment.status = "withdrawn"
    enrollment.withdrawn_at = utcnow()
