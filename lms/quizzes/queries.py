"""The queries behind the quiz attempt pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course, CourseVersion
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.permissions import attempt_clause


def attempt_index(actor) -> sa.Select:
    """Attempts ``actor`` may see (own; an officer's jurisdiction; a course expert's courses), newest first,
    with their quiz, person and course title: the rows of the quizzes page."""
    return (
        sa.select(Attempt, Quiz, User, CourseVersion.title)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(User, User.id == Attempt.user_id)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(attempt_clause(actor, Quiz.course_id))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
