"""The queries behind the enrolment pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.auth.models import User
from lms.auth.scopes import user_clause
from lms.core.statements import built_once
from lms.courses.models import (
    ENROLLMENT_STATUSES,
    Course,
    CourseVersion,
    CourseVersionFacet,
    CourseVersionText,
    Enrollment,
    Lesson,
)
from lms.org.models import Enterprise


def enrollment_for(user_id: int, course_id: int, *, with_version: bool = False) -> Enrollment | None:
    """The trainee's enrolment in the course (any status), if any; ``with_version``: its course and the
    course's published version read in the same statement (what completion checks)."""
    from lms.extensions import db

    params = {"user_id": user_id, "course_id": course_id}
    return db.session.execute(_enrollment(with_version), params).scalar_one_or_none()


@built_once
def _enrollment(with_version: bool) -> sa.Select:
    stmt = sa.select(Enrollment).where(
        Enrollment.user_id == sa.bindparam("user_id"), Enrollment.course_id == sa.bindparam("course_id")
    )
    if with_version:
        stmt = stmt.options(joinedload(Enrollment.course).joinedload(Course.published_version))
    return stmt


def my_enrollments(user) -> sa.Select:
    """A trainee's own enrolments: active first, then completed, then withdrawn; newest first within."""
    return (
        sa.select(Enrollment)
        .where(Enrollment.user_id == user.id)
        .options(joinedload(Enrollment.course).joinedload(Course.published_version))
        .order_by(
            sa.case((Enrollment.status == "active", 0), (Enrollment.status == "completed", 1), else_=2),
            Enrollment.enrolled_at.desc(),
            Enrollment.id,
        )
    )


def enrollments_in_scope(
    actor,
    *,
    course_id: int | None = None,
    status: str = "",
    enterprise_id: int | None = None,
) -> sa.Select:
    """Enrolments of the people in ``actor``'s jurisdiction (a course's enrolment page passes its course)."""
    stmt = (
        sa.select(Enrollment)
        .join(User, Enrollment.user_id == User.id)
        .where(user_clause(actor))
        .options(contains_eager(Enrollment.user).joinedload(User.enterprise), joinedload(Enrollment.course))
        .order_by(Enrollment.status, User.display_name, Enrollment.id)
    )
    if course_id:
        stmt = stmt.where(Enrollment.course_id == course_id)
    if status in ENROLLMENT_STATUSES:
        stmt = stmt.where(Enrollment.status == status)
    if enterprise_id:
        stmt = stmt.where(User.enterprise_id == enterprise_id)
    return stmt


def catalog(
    *, q: str = "", training_type: str = "", mode: str = "", topic: str = "", language: str = ""
) -> sa.Select:
    """Published, not archived courses (their published versions) with the catalog's filters, by title."""
    stmt = (
        sa.select(CourseVersion)
        .join(Course, Course.published_version_id == CourseVersion.id)
        .where(Course.archived.is_(False))
        .options(contains_eager(CourseVersion.course))
        .order_by(CourseVersion.title, Course.id)
    )
    if training_type:
        stmt = stmt.where(CourseVersion.training_type == training_type)
    if language:
        # A course can be read in its own language and in those of its variants.
        stmt = stmt.where(
            sa.or_(
                CourseVersion.language == language,
                CourseVersion.id.in_(
                    sa.select(CourseVersionText.version_id).where(CourseVersionText.locale == language)
                ),
            )
        )
    for facet, value in (("mode", mode), ("topic", topic)):
        if value:
            stmt = stmt.where(
                CourseVersion.id.in_(
                    sa.select(CourseVersionFacet.version_id).where(
                        CourseVersionFacet.facet == facet, CourseVersionFacet.value == value
                    )
                )
            )
    if q:
        stmt = stmt.where(CourseVersion.search_text.contains(q.lower(), autoescape=True))
    return stmt


def lesson_counts(version_ids: list[int]) -> sa.Select:
    """(version id, number of lessons) of the versions ``version_ids``."""
    return (
        sa.select(Lesson.version_id, sa.func.count())
        .where(Lesson.version_id.in_(version_ids))
        .group_by(Lesson.version_id)
    )


def own_enrollment_statuses(user: User, course_ids: list[int]) -> sa.Select:
    """(course id, status) of ``user``'s enrolments in the courses ``course_ids``."""
    return sa.select(Enrollment.course_id, Enrollment.status).where(
        Enrollment.user_id == user.id, Enrollment.course_id.in_(course_ids)
    )


def trainee_candidates(actor, course: Course) -> sa.Select:
    """(id, name, enterprise names) of the active trainees of ``actor``'s jurisdiction not enrolled in
    ``course`` (or withdrawn from it); at most 1,000."""
    taken = sa.select(Enrollment.user_id).where(
        Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed"))
    )
    return (
        sa.select(User.id, User.display_name, Enterprise.name_en, Enterprise.name_zh)
        .join(Enterprise, User.enterprise_id == Enterprise.id)
        .where(User.role == "trainee", User.active.is_(True), user_clause(actor), User.id.not_in(taken))
        .order_by(Enterprise.name_en, User.display_name)
        .limit(1000)
    )


def users_in_scope(actor, user_ids) -> sa.Select:
    """The users among ``user_ids`` inside ``actor``'s jurisdiction (fewer than asked: some are not)."""
    return sa.select(User).where(User.id.in_(user_ids), user_clause(actor))


def authored_courses(actor) -> sa.Select:
    """The courses ``actor`` owns or wrote a version of (every course for an administrator), by slug."""
    stmt = sa.select(Course).options(selectinload(Course.versions), selectinload(Course.published_version))
    if actor.role != "admin":
        stmt = stmt.where(
            sa.or_(
                Course.owner_id == actor.id,
                Course.id.in_(sa.select(CourseVersion.course_id).where(CourseVersion.author_id == actor.id)),
            )
        )
    return stmt.order_by(Course.slug)


def course_versions(course: Course) -> sa.Select:
    """Every version of ``course``, the latest first (its history)."""
    return (
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .options(joinedload(CourseVersion.author), joinedload(CourseVersion.reviewed_by))
        .order_by(CourseVersion.number.desc())
    )


def review_queue(actor) -> sa.Select:
    """Versions in review that ``actor`` may review (not their own), oldest submission first."""
    return (
        sa.select(CourseVersion)
        .where(
            CourseVersion.status == "in_review",
            sa.or_(CourseVersion.author_id.is_(None), CourseVersion.author_id != actor.id),
        )
        .options(joinedload(CourseVersion.course), joinedload(CourseVersion.author))
        .order_by(CourseVersion.submitted_at, CourseVersion.id)
    )


def own_versions_in_review(actor) -> sa.Select:
    """``actor``'s own versions waiting for someone else's review."""
    return (
        sa.select(CourseVersion)
        .where(CourseVersion.status == "in_review", CourseVersion.author_id == actor.id)
        .options(joinedload(CourseVersion.course))
        .order_by(CourseVersion.submitted_at)
    )
