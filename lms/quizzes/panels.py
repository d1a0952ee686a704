"""Quiz panels on the course page and the dashboard. Each provider runs a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.core.panels import ALL_ROLES, course_page, dashboard
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.quizzes.attempts import ENROLLED_STATUSES
from lms.quizzes.forms import ActionForm
from lms.quizzes.models import Attempt, AttemptQuestion, Quiz
from lms.quizzes.permissions import course_expert_clause, is_course_expert
from lms.quizzes.queries import gains_from, pre_post_pairs, trainee_dashboard, trainee_results

PURPOSE_ORDER = {"pre_test": 0, "practice": 1, "post_test": 2, "exam": 3}
RECENT = 5


def course_quizzes(course_id: int) -> list[Quiz]:
    quizzes = (
        db.session.execute(
            sa.select(Quiz).where(Quiz.course_id == course_id, Quiz.archived.is_(False)).order_by(Quiz.id)
        )
        .scalars()
        .all()
    )
    return sorted(quizzes, key=lambda q: (PURPOSE_ORDER.get(q.purpose, 9), q.id))


@course_page.panel("quizzes", _l("Quizzes"), ALL_ROLES, "quizzes/panels/course_quizzes.html", order=30)
def course_quizzes_panel(user, course=None, version=None, enrollment=None):
    if course is None:
        return None
    quizzes = course_quizzes(course.id)
    manage = is_course_expert(user, course)
    if not quizzes and not manage:
        return None
    data = {
        "course": course,
        "quizzes": quizzes,
        "manage": manage,
        "form": ActionForm(),
        "required": set((version.require_quizzes if version is not None else None) or []),
        "results": {},
        "used": {},
        "open": {},
        "gain": None,
        "enrolled": False,
    }
    if user.role == "trainee" and quizzes:
        data["enrolled"] = enrollment is not None and enrollment.status in ENROLLED_STATUSES
        mine = trainee_results(user.id, quizzes)
        data["results"], data["used"], data["open"] = mine.results, mine.used, mine.open
        gains = gains_from(user.id, pre_post_pairs(quizzes), mine.results)
        data["gain"] = gains[0] if gains else None
    return data


def _course_titles(course_ids) -> dict[int, str]:
    if not course_ids:
        return {}
    versions = db.session.execute(
        sa.select(CourseVersion)
        .options(selectinload(CourseVersion.texts))
        .join(Course, Course.published_version_id == CourseVersion.id)
        .where(Course.id.in_(list(course_ids)))
    ).scalars()
    return {version.course_id: version.shown_title for version in versions}  # in the reader's language


@dashboard.panel(
    "quizzes_trainee", _l("My quizzes"), ("trainee",), "quizzes/panels/dashboard_trainee.html", order=25
)
def trainee_dashboard_panel(user):
    mine = trainee_dashboard(user.id, RECENT)
    if not mine.open and not mine.recent and not mine.gains:
        return None
    titles = _course_titles(
        {q.course_id for _a, q in [*mine.open, *mine.recent]} | {g.course_id for g in mine.gains}
    )
    return {"open": mine.open, "recent": mine.recent, "gains": mine.gains, "titles": titles}


def marking_queue_select(user) -> sa.Select:
    """Essays waiting for a mark in the courses ``user`` is an expert of, oldest submission first."""
    return (
        sa.select(AttemptQuestion, Attempt, Quiz, User)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(User, User.id == Attempt.user_id)
        .where(
            Attempt.status == "needs_marking",
            AttemptQuestion.fraction.is_(None),
            AttemptQuestion.max_mark > 0,
            AttemptQuestion.response.is_not(None),
            course_expert_clause(user, Quiz.course_id),
        )
        .order_by(Attempt.submitted_at, Attempt.id, AttemptQuestion.slot)
    )


@dashboard.panel(
    "quizzes_marking",
    _l("Essays to mark"),
    ("expert", "admin"),
    "quizzes/panels/dashboard_marking.html",
    order=25,
)
def marking_dashboard_panel(user):
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(marking_queue_select(user).order_by(None).subquery())
    ).scalar_one()
    if not count:
        return None
    items = db.session.execute(marking_queue_select(user).limit(RECENT)).all()
    return {"count": count, "queue": items}
