"""Learning gain: how much a trainee's score rose from a course's pre-test to its post-test.

* gain = post − pre, in percentage points;
* normalised gain (Hake's g) = (post − pre) / (100 − pre): the share of the possible improvement achieved,
  undefined when the pre-test score is already 100.

Each score is the trainee's result at the quiz under that quiz's grading method (see
:mod:`lms.quizzes.results`). A course's pre-test and post-test are its first non-archived quizzes with those
purposes. :func:`learning_gain_select` builds one SQL statement for any set of courses and trainees, so the
reports area can filter it by jurisdiction and aggregate it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from lms.extensions import db
from lms.quizzes.models import Quiz
from lms.quizzes.results import as_percent, results_select

HUNDRED = Decimal(100)
GAIN_QUANTUM = Decimal("0.01")
NORMALISED_QUANTUM = Decimal("0.0001")


def gain(pre: Decimal, post: Decimal) -> tuple[Decimal, Decimal | None]:
    """(gain in points, normalised gain or None when the pre-test score was 100)."""
    pre, post = Decimal(pre), Decimal(post)
    # Exact (the grades have four decimal places): a page rounds it once, to what it shows.
    points = (post - pre).quantize(NORMALISED_QUANTUM, rounding=ROUND_HALF_UP)
    if pre >= HUNDRED:
        return points, None
    return points, ((post - pre) / (HUNDRED - pre)).quantize(NORMALISED_QUANTUM, rounding=ROUND_HALF_UP)


def pre_post_pairs_select(course_ids=None) -> sa.Select:
    """(course_id, pre_quiz_id, post_quiz_id) for courses that have both a pre-test and a post-test."""

    def first_of(purpose: str):
        stmt = sa.select(Quiz.course_id, sa.func.min(Quiz.id).label("quiz_id")).where(
            Quiz.purpose == purpose, Quiz.archived.is_(False)
        )
        if course_ids is not None:
            stmt = stmt.where(
                Quiz.course_id.in_(course_ids if isinstance(course_ids, sa.Select) else list(course_ids))
            )
        return stmt.group_by(Quiz.course_id).subquery(purpose)

    pre, post = first_of("pre_test"), first_of("post_test")
    return sa.select(
        pre.c.course_id, pre.c.quiz_id.label("pre_quiz_id"), post.c.quiz_id.label("post_quiz_id")
    ).join(post, post.c.course_id == pre.c.course_id)


def learning_gain_select(*, course_ids=None, user_ids=None) -> sa.Select:
    """Rows (course_id, user_id, pre, post, gain, normalised_gain) for trainees with both results."""
    pairs = pre_post_pairs_select(course_ids).subquery("pairs")
    results = results_select(course_ids=course_ids, user_ids=user_ids).cte("quiz_results")
    pre, post = results.alias("pre"), results.alias("post")
    hundred = sa.literal_column("100.0")
    points = post.c.percent - pre.c.percent
    normalised = sa.case(
        (pre.c.percent >= hundred, sa.null()), else_=points * 1.0 / (hundred - pre.c.percent)
    )
    return (
        sa.select(
            pairs.c.course_id,
            pre.c.user_id,
            pre.c.percent.label("pre"),
            post.c.percent.label("post"),
            points.label("gain"),
            normalised.label("normalised_gain"),
        )
        .join(pre, pre.c.quiz_id == pairs.c.pre_quiz_id)
        .join(post, sa.and_(post.c.quiz_id == pairs.c.post_quiz_id, post.c.user_id == pre.c.user_id))
        .order_by(pairs.c.course_id, pre.c.user_id)
    )


@dataclass
class GainRow:
    course_id: int
    user_id: int
    pre: Decimal
    post: Decimal
    gain: Decimal
    normalised_gain: Decimal | None


def learning_gains(*, course_ids=None, user_ids=None) -> list[GainRow]:
    rows = []
    for row in db.session.execute(learning_gain_select(course_ids=course_ids, user_ids=user_ids)):
        pre, post = as_percent(row.pre), as_percent(row.post)
        points, normalised = gain(pre, post)
        rows.append(
            GainRow(
                course_id=row.course_id,
                user_id=row.user_id,
                pre=pre,
                post=post,
                gain=points,
                normalised_gain=normalised,
            )
        )
    return rows


@dataclass
class GainSummary:
    trainees: int
    mean_pre: Decimal | None
    mean_post: Decimal | None
    mean_gain: Decimal | None
    mean_normalised_gain: Decimal | None  # average of the individual g (where defined)
    class_normalised_gain: Decimal | None  # g of the averages: (mean post − mean pre) / (100 − mean pre)


def summarise(rows: list[GainRow]) -> GainSummary:
    n = len(rows)
    if not n:
        return GainSummary(0, None, None, None, None, None)
    mean_pre = sum((r.pre for r in rows), Decimal(0)) / n
    mean_post = sum((r.post for r in rows), Decimal(0)) / n
    defined = [r.normalised_gain for r in rows if r.normalised_gain is not None]
    mean_g = (sum(defined, Decimal(0)) / len(defined)).quantize(NORMALISED_QUANTUM) if defined else None
    class_points, class_g = gain(mean_pre, mean_post)
    return GainSummary(
        trainees=n,
        mean_pre=mean_pre.quantize(GAIN_QUANTUM, rounding=ROUND_HALF_UP),
        mean_post=mean_post.quantize(GAIN_QUANTUM, rounding=ROUND_HALF_UP),
        mean_gain=class_points,
        mean_normalised_gain=mean_g,
        class_normalised_gain=class_g,
    )


def gain_summary(*, course_ids=None, user_ids=None) -> GainSummary:
    """The same summary as :func:`summarise`, aggregated in SQL (one row whatever the number of trainees)."""
    rows = learning_gain_select(course_ids=course_ids, user_ids=user_ids).order_by(None).subquery("gains")
    n, mean_pre, mean_post, mean_g = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(rows.c.pre),
            sa.func.avg(rows.c.post),
            sa.func.avg(rows.c.normalised_gain),
        )
    ).one()
    if not n:
        return GainSummary(0, None, None, None, None, None)
    pre, post = Decimal(str(mean_pre)), Decimal(str(mean_post))
    class_points, class_g = gain(pre, post)
    return GainSummary(
        trainees=n,
        mean_pre=pre.quantize(GAIN_QUANTUM, rounding=ROUND_HALF_UP),
        mean_post=post.quantize(GAIN_QUANTUM, rounding=ROUND_HALF_UP),
        mean_gain=class_points,
        mean_normalised_gain=None
        if mean_g is None
        else Decimal(str(mean_g)).quantize(NORMALISED_QUANTUM, rounding=ROUND_HALF_UP),
        class_normalised_gain=class_g,
    )
