"""Who may do what with courses. One place, used by views, services and templates.

- Authors: experts (and admins) create courses; a course is managed by its owner and by admins; a version may
  also be edited by the person who wrote it.
- Reviewers: experts, officers and admins review versions in review, except the ones they wrote.
- Everyone, visitors included, sees the catalog and the outline of published courses (publicity is a training
  channel); lesson content is for enrolled trainees and staff.
"""

from __future__ import annotations

from lms.courses import queries
from lms.courses.models import Course, CourseVersion, Enrollment

AUTHOR_ROLES = ("expert", "admin")
REVIEWER_ROLES = ("expert", "officer", "admin")
STAFF_ROLES = ("expert", "officer", "admin")
ENROLLER_ROLES = ("officer", "admin")


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_staff(user) -> bool:
    return _authenticated(user) and user.role in STAFF_ROLES


def can_author(user) -> bool:
    return _authenticated(user) and user.role in AUTHOR_ROLES


def can_manage_course(user, course: Course) -> bool:
    """Start new versions, archive and restore: the owner and admins."""
    if not _authenticated(user):
        return False
    return user.role == "admin" or (user.role == "expert" and course.owner_id == user.id)


def can_edit_version(user, version: CourseVersion) -> bool:
    """Change a draft: whoever manages the course, and the version's own author."""
    if version.status != "draft" or not _authenticated(user) or user.role not in AUTHOR_ROLES:
        return False
    return can_manage_course(user, version.course) or version.author_id == user.id


def is_author_of(user, version: CourseVersion) -> bool:
    return _authenticated(user) and version.author_id == user.id


def can_review(user, version: CourseVersion) -> bool:
    """Approve or return: a reviewer who did not write this version."""
    return (
        _authenticated(user)
        and user.role in REVIEWER_ROLES
        and version.status == "in_review"
        and version.author_id != user.id
    )


def can_view_history(user, course: Course) -> bool:
    """Versions, drafts excepted, are visible to authors and reviewers (every expert, officer and admin)."""
    return is_staff(user)


def can_view_version(user, version: CourseVersion) -> bool:
    """See the content of a given version in the authoring pages."""
    if not _authenticated(user):
        return False
    if version.status == "draft":
        return can_manage_course(user, version.course) or version.author_id == user.id
    return user.role in STAFF_ROLES


def enrollment_of(user, course: Course) -> Enrollment | None:
    if not _authenticated(user) or user.role != "trainee":
        return None
    return queries.enrollment_for(user.id, course.id)


def can_see_course(user, course: Course) -> bool:
    """The course page: published and not archived for everyone; otherwise staff and enrolled trainees."""
    if course.published_version_id is not None and not course.archived:
        return True
    if is_staff(user):
        if course.published_version_id is not None:
            return True
        return any(can_view_version(user, v) for v in course.versions)
    enrollment = enrollment_of(user, course)
    return (
        enrollment is not None
        and enrollment.status != "withdrawn"
        and course.published_version_id is not None
    )


def can_open_lessons(user, course: Course, enrollment: Enrollment | None = None) -> bool:
    """Lesson pages and attachments of the published version: staff, and trainees enrolled in the course."""
    if course.published_version_id is None or not _authenticated(user):
        return False
    if is_staff(user):
        return True
    if user.role != "trainee":
        return False
    enrollment = enrollment if enrollment is not None else enrollment_of(user, course)
    return enrollment is not None and enrollment.status in ("active", "completed")


def can_see_attachment_of(user, version: CourseVersion) -> bool:
    course = version.course
    if course.published_version_id == version.id and can_open_lessons(user, course):
        return True
    return can_view_version(user, version)


def can_enroll_others(user) -> bool:
    return _authenticated(user) and user.role in ENROLLER_ROLES
