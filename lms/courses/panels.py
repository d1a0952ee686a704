"""Dashboard panels of the courses area: My learning (trainees), My courses (authors), Awaiting review."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.core.panels import dashboard
from lms.courses import permissions
from lms.courses.models import Course, CourseVersion, Enrollment
from lms.extensions import db

PANEL_LIMIT = 5


@dashboard.panel(
    "courses_my_learning", _l("My learning"), ("trainee",), "courses/panels/my_learning.html", order=20
)
def my_learning_panel(user):
    from lms.courses.services import progress_for

    enrollments = list(
        db.session.execute(
            sa.select(Enrollment)
            .where(Enrollment.user_id == user.id, Enrollment.status == "active")
            .options(joinedload(Enrollment.course).joinedload(Course.published_version))
            .order_by(Enrollment.enrolled_at.desc(), Enrollment.id)
            .limit(PANEL_LIMIT)
        ).scalars()
    )
    completed = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.status == "completed")
    ).scalar_one()
    return {"enrollments": enrollments, "progress": progress_for(enrollments), "completed": completed}


@dashboard.panel(
    "courses_my_courses", _l("My courses"), ("expert",), "courses/panels/my_courses.html", order=20
)
def my_courses_panel(user):
    mine = sa.or_(
        Course.owner_id == user.id,
        Course.id.in_(sa.select(CourseVersion.course_id).where(CourseVersion.author_id == user.id)),
    )
    courses = list(
        db.session.execute(
            sa.select(Course).where(mine).options(selectinload(Course.versions)).order_by(Course.slug)
        ).scalars()
    )
    groups: dict[str, list[tuple[Course, CourseVersion]]] = {"draft": [], "in_review": [], "published": []}
    for course in courses:
        open_version = next((v for v in course.versions if v.status in ("draft", "in_review")), None)
        if open_version is not None:
            groups[open_version.status].append((course, open_version))
        if course.published_version_id is not None and not course.archived:
            published = next(v for v in course.versions if v.id == course.published_version_id)
            groups["published"].append((course, published))
    return {"groups": groups, "limit": PANEL_LIMIT}


@dashboard.panel(
    "courses_awaiting_review",
    _l("Awaiting review"),
    permissions.REVIEWER_ROLES,
    "courses/panels/awaiting_review.html",
    order=25,
)
def awaiting_review_panel(user):
    others = sa.or_(CourseVersion.author_id.is_(None), CourseVersion.author_id != user.id)
    count = db.session.execute(
        sa.select(sa.func.count())
        .select_from(CourseVersion)
        .where(CourseVersion.status == "in_review", others)
    ).scalar_one()
    if not count and user.role == "officer":
        return None  # officers review occasionally; an empty panel would only take room
    versions = list(
        db.session.execute(
            sa.select(CourseVersion)
            .where(CourseVersion.status == "in_review", others)
            .options(joinedload(CourseVersion.course), joinedload(CourseVersion.author))
            .order_by(CourseVersion.submitted_at, CourseVersion.id)
            .limit(PANEL_LIMIT)
        ).scalars()
    )
    return {"versions": versions, "count": count}
