"""Review and life cycle of a course version: submission, review, publication, archiving."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.courses import permissions
from lms.courses.models import (
    Course,
    CourseVersion,
)
from lms.courses.values import _editable, _lock_course, _require
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db

# -- review and life cycle ---------------------------------------------------------------------------------


def submit_for_review(actor: User, version: CourseVersion) -> None:
    _editable(actor, version)
    if not version.lessons:
        raise RuleViolation(_l("Add at least one lesson before submitting."))
    version.status = "in_review"
    version.submitted_at = utcnow()


def withdraw_from_review(actor: User, version: CourseVersion) -> None:
    """The author takes a version back from review to change it."""
    if version.status != "in_review":
        raise RuleViolation(_l("This version is not in review."))
    course = version.course
    _require(version.author_id == actor.id or permissions.can_manage_course(actor, course))
    version.status = "draft"


def _check_reviewable(actor: User, version: CourseVersion) -> None:
    if version.status != "in_review":
        raise RuleViolation(_l("This version is not in review."))
    if version.author_id == actor.id:
        raise NotPermitted(
            _l(
                "You wrote this version: someone else (another expert, an officer or an administrator) "
                "must review it."
            )
        )
    _require(
        actor.role in permissions.REVIEWER_ROLES,
        _l("Only experts, officers and administrators review courses."),
    )


def approve(actor: User, version: CourseVersion, note: str = "") -> None:
    course = _lock_course(version.course)
    db.session.refresh(version)
    _check_reviewable(actor, version)
    if course.archived:
        raise RuleViolation(_l("This course is archived; restore it first."))
    version.reviewed_by = actor
    version.reviewed_at = utcnow()
    version.review_note = (note or "").strip()
    publish(version)


def return_to_author(actor: User, version: CourseVersion, note: str) -> None:
    _lock_course(version.course)
    db.session.refresh(version)
    _check_reviewable(actor, version)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_l("Say what should change."), field="note")
    version.status = "draft"
    version.reviewed_by = actor
    version.reviewed_at = utcnow()
    version.review_note = note


def publish(version: CourseVersion) -> None:
    """Make ``version`` the one trainees see; the one before is archived. Enrolments follow the course."""
    from lms.courses.curriculum import content_hash, version_content

    course = version.course
    previous = course.published_version
    if previous is not None and previous is not version:
        previous.status = "archived"
        db.session.flush()
    version.status = "published"
    version.published_at = utcnow()
    course.published_version = version
    version.render_html()
    db.session.flush()
    version.source_hash = content_hash(version_content(version))


def render_published_html() -> int:
    """Store the HTML of every version that is out of draft; returns how many were rendered."""
    versions = (
        db.session.execute(
            sa.select(CourseVersion)
            .where(CourseVersion.status != "draft")
            .options(selectinload(CourseVersion.lessons))
        )
        .scalars()
        .all()
    )
    for version in versions:
        version.render_html()
    return len(versions)


def discard_draft(actor: User, version: CourseVersion) -> None:
    _editable(actor, version)
    version.status = "archived"


def archive_course(actor: User, course: Course) -> None:
    _require(permissions.can_manage_course(actor, course))
    course = _lock_course(course)
    if course.archived:
        raise RuleViolation(_l("This course is already archived."))
    course.archived = True
    if course.published_version is not None:
        course.published_version.status = "archived"


def restore_course(actor: User, course: Course) -> None:
    _require(permissions.can_manage_course(actor, course))
    course = _lock_course(course)
    if not course.archived:
        raise RuleViolation(_l("This course is not archived."))
    course.archived = False
    if course.published_version is not None:
        course.published_version.status = "published"
