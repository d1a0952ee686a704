"""The quiz queries the pages and the JSON API (lms/api) share.

The attempts a person may see (the quizzes page), and what a trainee's pages show about their own quizzes,
each in a fixed number of small queries: one place answers "this trainee's result, attempts used and attempt
in progress at these quizzes, and their learning gain" for the course page's quiz panel and the trainee
dashboard. It reads the trainee's own attempts (a few dozen rows at most, through the ``attempt (user_id,
...)`` index) and applies the grading method in Python exactly as :mod:`lms.quizzes.results` does in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import User
from lms.core.search import contains
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.quizzes.gain import GainRow, gain
from lms.quizzes.models import Attempt, Question, QuestionTag, Quiz
from lms.quizzes.permissions import attempt_clause, course_expert_clause
from lms.quizzes.results import QuizResult, results_from


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
        # The titles in the reader's language: three statements for the page, not three per course.
        .options(
            selectinload(Quiz.course).selectinload(Course.published_version).selectinload(CourseVersion.texts)
        )
    )


@dataclass
class TraineeQuizzes:
    results: dict[int, QuizResult] = field(default_factory=dict)  # quiz id → result (graded attempts only)
    used: dict[int, int] = field(default_factory=dict)  # quiz id → attempts started
    open: dict[int, Attempt] = field(default_factory=dict)  # quiz id → the attempt in progress


def trainee_results(user_id: int, quizzes) -> TraineeQuizzes:
    """Results, attempts used and attempts in progress of one trainee at ``quizzes``, in one query."""
    quizzes = {q.id: q for q in quizzes}
    state = TraineeQuizzes()
    if not quizzes:
        return state
    graded: dict[int, list[tuple[int, Decimal]]] = {}
    for attempt in db.session.execute(
        sa.select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id.in_(list(quizzes)))
    ).scalars():
        state.used[attempt.quiz_id] = state.used.get(attempt.quiz_id, 0) + 1
        if attempt.status == "in_progress":
            state.open[attempt.quiz_id] = attempt
        elif attempt.status == "graded":
            graded.setdefault(attempt.quiz_id, []).append((attempt.number, attempt.percent))
    state.results = results_from(user_id, graded, quizzes)
    return state


def pre_post_pairs(quizzes) -> dict[int, tuple[int, int]]:
    """{course id: (pre-test id, post-test id)} from a course's quizzes: its first non-archived quiz of each
    purpose, as :func:`lms.quizzes.gain.pre_post_pairs_select` chooses them."""
    first: dict[tuple[int, str], int] = {}
    for quiz in quizzes:
        if quiz.archived or quiz.purpose not in ("pre_test", "post_test"):
            continue
        key = (quiz.course_id, quiz.purpose)
        if key not in first or quiz.id < first[key]:
            first[key] = quiz.id
    return {
        course_id: (quiz_id, first[(course_id, "post_test")])
        for (course_id, purpose), quiz_id in first.items()
        if purpose == "pre_test" and (course_id, "post_test") in first
    }


def gains_from(
    user_id: int, pairs: dict[int, tuple[int, int]], results: dict[int, QuizResult]
) -> list[GainRow]:
    """Learning gain per course of one trainee from their results (what
    :func:`lms.quizzes.gain.learning_gains` gives for them), by course."""
    rows = []
    for course_id in sorted(pairs):
        pre_id, post_id = pairs[course_id]
        pre, post = results.get(pre_id), results.get(post_id)
        if pre is None or post is None:
            continue
        points, normalised = gain(pre.percent, post.percent)
        rows.append(GainRow(course_id, user_id, pre.percent, post.percent, points, normalised))
    return rows


@dataclass
class TraineeDashboard:
    open: list[tuple[Attempt, Quiz]]  # attempts in progress, oldest first
    recent: list[tuple[Attempt, Quiz]]  # latest submitted (graded or awaiting marking), newest first
    gains: list[GainRow]


def trainee_dashboard(user_id: int, recent: int = 5) -> TraineeDashboard:
    """A trainee's attempts in progress, latest results and learning gains: two queries (their attempts with
    quizzes, then the pre- and post-tests of those courses)."""
    rows = db.session.execute(
        sa.select(Attempt, Quiz).join(Quiz, Quiz.id == Attempt.quiz_id).where(Attempt.user_id == user_id)
    ).all()
    if not rows:
        return TraineeDashboard([], [], [])
    open_ = sorted(
        ((a, q) for a, q in rows if a.status == "in_progress"), key=lambda r: (r[0].started_at, r[0].id)
    )
    submitted = [(a, q) for a, q in rows if a.status in ("graded", "needs_marking")]
    # Newest submission first, as ORDER BY submitted_at DESC, id DESC (a submitted attempt has its time).
    submitted.sort(key=lambda r: (r[0].submitted_at is not None, r[0].submitted_at or 0, r[0].id))
    submitted.reverse()
    quizzes = {q.id: q for _a, q in rows}
    graded: dict[int, list[tuple[int, Decimal]]] = {}
    for attempt, _quiz in rows:
        if attempt.status == "graded":
            graded.setdefault(attempt.quiz_id, []).append((attempt.number, attempt.percent))
    results = results_from(user_id, graded, quizzes)
    course_ids = {q.course_id for q in quizzes.values()}
    tests = db.session.execute(
        sa.select(Quiz.id, Quiz.course_id, Quiz.purpose, Quiz.archived).where(
            Quiz.course_id.in_(list(course_ids)),
            Quiz.purpose.in_(("pre_test", "post_test")),
            Quiz.archived.is_(False),
        )
    ).all()
    gains = gains_from(user_id, pre_post_pairs(tests), results)
    return TraineeDashboard(open_, submitted[:recent], gains)


# -- the experts' pages --------------------------------------------------------------------------------------


def managed_courses(actor) -> sa.Select:
    """(course, published title, live quiz count) of the courses ``actor`` manages quizzes for, by slug."""
    quiz_count = (
        sa.select(sa.func.count(Quiz.id))
        .where(Quiz.course_id == Course.id, Quiz.archived.is_(False))
        .correlate(Course)
        .scalar_subquery()
    )
    return (
        sa.select(Course, CourseVersion.title, quiz_count.label("quizzes"))
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(Course.archived.is_(False), course_expert_clause(actor, Course.id))
        .order_by(Course.slug)
    )


def course_quiz_list(course: Course) -> sa.Select:
    """Every quiz of ``course``, live ones first."""
    return sa.select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.archived, Quiz.id)


def attempt_counts(course: Course) -> sa.Select:
    """(quiz id, status, n) of the attempts at ``course``'s quizzes."""
    return (
        sa.select(Attempt.quiz_id, Attempt.status, sa.func.count(Attempt.id).label("n"))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course.id)
        .group_by(Attempt.quiz_id, Attempt.status)
    )


def bank_size(course: Course) -> sa.Select:
    """How many questions of ``course``'s bank are not archived."""
    return sa.select(sa.func.count(Question.id)).where(
        Question.course_id == course.id, Question.archived.is_(False)
    )


def bank_questions(
    course: Course,
    *,
    category: str | None = None,
    qtype: str = "",
    tag: str = "",
    q: str = "",
    archived: bool = False,
) -> sa.Select:
    """The questions of ``course``'s bank with the bank page's filters (``category`` None or "*": any), by
    category and name."""
    stmt = (
        sa.select(Question)
        .where(Question.course_id == course.id)
        .options(joinedload(Question.current_version), selectinload(Question.tag_rows))
        .order_by(Question.category, Question.name)
    )
    if category is not None and category != "*":
        stmt = stmt.where(Question.category == category)
    if qtype:
        stmt = stmt.where(Question.qtype == qtype)
    if tag:
        stmt = stmt.where(Question.id.in_(sa.select(QuestionTag.question_id).where(QuestionTag.tag == tag)))
    if q:
        stmt = stmt.where(contains(Question.name, q))
    return stmt.where(Question.archived.is_(archived))


def bank_categories(course: Course) -> sa.Select:
    """(category, count) of the live questions of ``course``'s bank."""
    return (
        sa.select(Question.category, sa.func.count(Question.id))
        .where(Question.course_id == course.id, Question.archived.is_(False))
        .group_by(Question.category)
        .order_by(Question.category)
    )


def bank_tags(course: Course) -> sa.Select:
    """(tag, count) of the tags used in ``course``'s bank."""
    return (
        sa.select(QuestionTag.tag, sa.func.count())
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.course_id == course.id)
        .group_by(QuestionTag.tag)
        .order_by(QuestionTag.tag)
    )
