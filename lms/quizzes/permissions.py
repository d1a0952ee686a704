"""Who may do what with quizzes, in one place.

* A course's **experts** manage its question bank and quizzes, see every attempt, mark essays and read the
  item analysis and learning gain: the expert who owns the course and every expert who authored one of its
  versions. Administrators (GACC) may do the same for every course.
* A **trainee** takes the quizzes of the courses they are enrolled in and sees only their own attempts.
* An **officer** sees the attempts (and results) of the trainees in their jurisdiction, read-only.

Lists filter with the clauses below; a single object outside them answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.models import User
from lms.auth.scopes import user_clause, user_in_scope
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.quizzes.models import Attempt


def expert_course_ids(user) -> sa.Select:
    """Ids of the courses ``user`` is an expert of (owner or author of a version), as a sub-select."""
    owned = sa.select(Course.id).where(Course.owner_id == user.id)
    authored = sa.select(CourseVersion.course_id).where(CourseVersion.author_id == user.id)
    return sa.union(owned, authored)


def course_expert_clause(user, course_id_column) -> sa.ColumnElement[bool]:
    """Restrict ``course_id_column`` to the courses whose quizzes ``user`` manages."""
    if user.role == "admin":
        return sa.true()
    if user.role != "expert":
        return sa.false()
    return course_id_column.in_(expert_course_ids(user))


def is_course_expert(user, course) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    if user.role != "expert":
        return False
    if course.owner_id == user.id:
        return True
    stmt = (
        sa.select(CourseVersion.id)
        .where(CourseVersion.course_id == course.id, CourseVersion.author_id == user.id)
        .limit(1)
    )
    return db.session.execute(stmt).first() is not None


def attempt_clause(user, course_id_column) -> sa.ColumnElement[bool]:
    """Attempts ``user`` may see (``course_id_column`` is the quiz's course id in the query)."""
    if user.role == "admin":
        return sa.true()
    if user.role == "trainee":
        return Attempt.user_id == user.id
    if user.role == "expert":
        return sa.or_(Attempt.user_id == user.id, course_id_column.in_(expert_course_ids(user)))
    if user.role == "officer":
        return Attempt.user_id.in_(sa.select(User.id).where(user_clause(user)))
    return sa.false()


def can_view_attempt(user, attempt) -> bool:
    if attempt.user_id == user.id or user.role == "admin":
        return True
    if user.role == "expert":
        return is_course_expert(user, attempt.quiz.course)
    if user.role == "officer":
        return user_in_scope(user, attempt.user_id)
    return False


def can_mark_attempt(user, attempt) -> bool:
    return user.role in ("expert", "admin") and is_course_expert(user, attempt.quiz.course)
