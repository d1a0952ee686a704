"""A trainee's result at a quiz under the quiz's grading method (highest, last, first, average).

Computed in SQL over the graded attempts so that lists, completion, learning gain and reports can share it
without a query per trainee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz

PERCENT_QUANTUM = Decimal("0.0001")


def as_percent(value) -> Decimal | None:
    """A percentage from SQL (Decimal on PostgreSQL, float from SQLite aggregates) as a 4-place Decimal."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def _filtered(stmt, column, values):
    if values is None:
        return stmt
    if isinstance(values, sa.Select | sa.Subquery | sa.CTE):
        return stmt.where(column.in_(values))
    return stmt.where(column.in_(list(values)))


def results_select(*, quiz_ids=None, user_ids=None, course_ids=None) -> sa.Select:
    """Rows (quiz_id, course_id, user_id, attempts, percent, pass_mark): one per trainee and quiz with at
    least one graded attempt. Each filter is a list of ids or a sub-select."""
    grouped = sa.select(
        Attempt.quiz_id,
        Attempt.user_id,
        sa.func.min(Attempt.number).label("first_n"),
        sa.func.max(Attempt.number).label("last_n"),
        sa.func.max(Attempt.percent).label("highest"),
        sa.func.avg(Attempt.percent).label("average"),
        sa.func.count(Attempt.id).label("attempts"),
    ).where(Attempt.status == "graded")
    grouped = _filtered(grouped, Attempt.quiz_id, quiz_ids)
    grouped = _filtered(grouped, Attempt.user_id, user_ids)
    if course_ids is not None:
        grouped = grouped.where(
            Attempt.quiz_id.in_(_filtered(sa.select(Quiz.id), Quiz.course_id, course_ids))
        )
    g = grouped.group_by(Attempt.quiz_id, Attempt.user_id).subquery("graded")
    first, last = aliased(Attempt, name="first_attempt"), aliased(Attempt, name="last_attempt")
    percent = sa.case(
        (Quiz.grading_method == "highest", g.c.highest),
        (Quiz.grading_method == "average", g.c.average),
        (Quiz.grading_method == "first", first.percent),
        else_=last.percent,
    )
    return (
        sa.select(
            g.c.quiz_id, Quiz.course_id, g.c.user_id, g.c.attempts, percent.label("percent"), Quiz.pass_mark
        )
        .join(Quiz, Quiz.id == g.c.quiz_id)
        .join(
            first,
            sa.and_(first.quiz_id == g.c.quiz_id, first.user_id == g.c.user_id, first.number == g.c.first_n),
        )
        .join(
            last, sa.and_(last.quiz_id == g.c.quiz_id, last.user_id == g.c.user_id, last.number == g.c.last_n)
        )
    )


@dataclass
class QuizResult:
    quiz_id: int
    user_id: int
    attempts: int
    percent: Decimal
    passed: bool


def quiz_results(*, quiz_ids=None, user_ids=None, course_ids=None) -> dict[tuple[int, int], QuizResult]:
    """{(quiz_id, user_id): QuizResult} in one query."""
    out = {}
    for row in db.session.execute(
        results_select(quiz_ids=quiz_ids, user_ids=user_ids, course_ids=course_ids)
    ):
        percent = as_percent(row.percent)
        out[(row.quiz_id, row.user_id)] = QuizResult(
            quiz_id=row.quiz_id,
            user_id=row.user_id,
            attempts=row.attempts,
            percent=percent,
            passed=percent >= Decimal(row.pass_mark),
        )
    return out


def result_percent(method: str, graded: list[tuple[int, Decimal]]) -> Decimal | None:
    """The result of one trainee at one quiz from its graded attempts [(number, percent)], as the SQL does."""
    if not graded:
        return None
    graded = sorted(graded)
    if method == "highest":
        value = max(p for _n, p in graded)
    elif method == "average":
        value = sum((Decimal(p) for _n, p in graded), Decimal(0)) / len(graded)
    elif method == "first":
        value = graded[0][1]
    else:
        value = graded[-1][1]
    return as_percent(value)


def user_quiz_results(user_id: int, quizzes) -> dict[int, QuizResult]:
    """{quiz_id: QuizResult} of one trainee for a few quizzes: one plain query, the arithmetic in Python
    (cheaper than :func:`results_select` on the grading path, which runs on every submission)."""
    by_quiz: dict[int, list[tuple[int, Decimal]]] = {}
    quizzes = {q.id: q for q in quizzes}
    if not quizzes:
        return {}
    for quiz_id, number, percent in db.session.execute(
        sa.select(Attempt.quiz_id, Attempt.number, Attempt.percent).where(
            Attempt.user_id == user_id, Attempt.quiz_id.in_(list(quizzes)), Attempt.status == "graded"
        )
    ):
        by_quiz.setdefault(quiz_id, []).append((number, percent))
    return results_from(user_id, by_quiz, quizzes)


def results_from(user_id: int, graded: dict[int, list[tuple[int, Decimal]]], quizzes: dict) -> dict:
    """{quiz_id: QuizResult} from one trainee's graded (number, percent) pairs per quiz."""
    out = {}
    for quiz_id, rows in graded.items():
        quiz = quizzes[quiz_id]
        percent = result_percent(quiz.grading_method, rows)
        out[quiz_id] = QuizResult(
            quiz_id=quiz_id,
            user_id=user_id,
            attempts=len(rows),
            percent=percent,
            passed=percent >= Decimal(quiz.pass_mark),
        )
    return out
