"""The queries behind the enrolment pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from lms.auth.models import User
from lms.auth.scopes import user_clause
from lms.courses.models import (
    ENROLLMENT_STATUSES,
    Course,
    CourseVersion,
    CourseVersionFacet,
    CourseVersionText,
    Enrollment,
)


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
