"""Report metrics: every figure the dashboards and exports show, each computed by one grouped SQL query.

A figure is asked for within a :class:`Scope` (the actor's jurisdiction, the period and the other filters,
narrowed to a unit's tree, an enterprise or a trainee) and grouped by a :class:`Dim` (nothing, sub-unit,
enterprise, trainee, course, expert or month). Each function returns ``{key: figures}`` from one
statement; the key is ``None`` for the ungrouped total. The exact definitions (shown on the pages too):

* **Completion rate** = completed enrolments / enrolments, over the enrolments made in the period
  (``enrolled_at``), withdrawn ones included; "completed" is the enrolment's status now.
* **Result** of a trainee at a quiz: computed from their graded attempts submitted before the end of the
  period under the quiz's grading method (highest, last, first or average attempt), dated by the latest of
  those attempts. A result is *in the period* when that date is.
* **Pass rate** = results at or above the quiz's pass mark / results, over the results in the period at
  quizzes whose purpose is exam or post-test (one result per trainee and quiz). **Average score** = mean
  percentage of the same results; the score distribution counts them in ten-point bands.
* **Learning gain**, per trainee and course with both results: the course's pre-test and post-test are its
  first non-archived quizzes with those purposes; the pair counts when the post-test result is in the period
  (the pre-test result may be older). Mean pre-test %, mean post-test %, and mean normalised gain
  g = (post − pre) / (100 − pre) over those pairs; a pre-test of 100% has no g and is left out of that mean
  only.
* **Attendance rate** = registrations marked present or late / confirmed registrations, for sessions that
  started in the period and have taken place (completed, or ended, and not cancelled).
* **Satisfaction**: mean of the feedback ratings (1–5) given for sessions that started in the period, over
  all four questions, and per question.
* **Cultivation funnel**: cases opened in the period (applied for or nominated; by the case's opening date),
  and of these the ones whose
  audit trail ever reached the key training list, training completed, certification applied for, and
  certified; a case that moved on (or was terminated later) still counts in every stage it reached.
* **Jurisdiction**: figures about trainees count the trainees of the enterprises the actor supervises, by the
  enterprise's supervising unit; the funnel counts those enterprises' cases.
* **Expert**: session figures belong to the experts assigned to the session; enrolments and results belong
  to the experts of the non-cancelled sessions of that course where the trainee had a confirmed seat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause
from lms.courses.models import Enrollment
from lms.cultivation.models import CaseEvent, CultivationCase
from lms.database import utcnow
from lms.experts.appraisal import taught_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.quizzes.gain import pre_post_pairs_select
from lms.quizzes.models import Attempt, Quiz
from lms.reports.filters import Filters, local_midnight_utc
from lms.sessions.models import (
    FEEDBACK_QUESTIONS,
    Registration,
    SessionExpert,
    SessionFeedback,
    TrainingSession,
)

GRADED_PURPOSES = ("exam", "post_test")
ATTENDED = ("present", "late")
HUNDRED = Decimal(100)
RATE_Q = Decimal("0.1")
SCORE_Q = Decimal("0.01")
GAIN_Q = Decimal("0.001")
RATING_Q = Decimal("0.01")

# Funnel stages: key, the case state whose presence in the audit trail marks the stage, label.
FUNNEL_STAGES = (
    ("applied", None, _l("Applied")),
    ("listed", "listed", _l("On the key training list")),
    ("trained", "completed", _l("Training completed")),
    ("certification_applied", "certification_applied", _l("Applied for certification")),
    ("certified", "certified", _l("Certified")),
)
SCORE_BANDS = tuple((10 * i, 10 * i + 10) for i in range(10))  # the last band includes 100


def _ratio(part: int, whole: int, quantum: Decimal = RATE_Q, scale: int = 100) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(quantum, rounding=ROUND_HALF_UP)


def _number(value) -> Decimal:
    """A SQL aggregate (Decimal on PostgreSQL, float or int on SQLite) as a Decimal."""
    return Decimal(str(value)) if value is not None else Decimal(0)


def _mean(total, count: int, quantum: Decimal) -> Decimal | None:
    if not count:
        return None
    return (_number(total) / count).quantize(quantum, rounding=ROUND_HALF_UP)


# -- scope and dimensions ----------------------------------------------------------------------------------


@dataclass
class Scope:
    """Who asks, for which period and filters, narrowed to a unit's tree, an enterprise or a trainee."""

    actor: User
    filters: Filters
    unit: CustomsUnit | None = None
    enterprise_id: int | None = None
    user_id: int | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def start(self) -> datetime:
        return self.filters.start_utc

    @property
    def end(self) -> datetime:
        return self.filters.end_utc


@dataclass(frozen=True)
class Dim:
    """How to group: ``total`` (one row, key None), ``unit`` (the children of ``node``, or ``node`` itself for
    enterprises it supervises directly), ``enterprise``, ``trainee``, ``course``, ``expert``, ``month``.
    ``keys`` restricts the rows to those keys (one page of a table)."""

    kind: str = "total"
    node: CustomsUnit | None = None
    keys: tuple | None = None


TOTAL = Dim()


def enterprise_clauses(scope: Scope) -> list:
    """The enterprises in the actor's jurisdiction (lms.auth.scopes) and in the scope's narrowing."""
    clauses = [enterprise_clause(scope.actor)]
    if scope.unit is not None:
        clauses.append(
            Enterprise.unit_id.in_(
                sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(scope.unit.path, autoescape=True))
            )
        )
    if scope.enterprise_id is not None:
        clauses.append(Enterprise.id == scope.enterprise_id)
    return clauses


def _with_trainees(stmt, scope: Scope, user_col):
    """Join the fact's trainee and their enterprise, keeping the trainees within the scope."""
    stmt = stmt.join(User, User.id == user_col).join(Enterprise, Enterprise.id == User.enterprise_id)
    stmt = stmt.where(User.role == "trainee", *enterprise_clauses(scope))
    if scope.user_id is not None:
        stmt = stmt.where(User.id == scope.user_id)
    return stmt


def trainee_ids(scope: Scope) -> sa.Select:
    stmt = (
        sa.select(User.id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(User.role == "trainee", *enterprise_clauses(scope))
    )
    if scope.user_id is not None:
        stmt = stmt.where(User.id == scope.user_id)
    return stmt


def _taught() -> sa.Subquery:
    """(expert, trainee, course): the trainee had a confirmed seat at a non-cancelled session of the course
    that the expert was assigned to."""
    return (
        sa.select(SessionExpert.expert_id, Registration.user_id, TrainingSession.course_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .where(Registration.status == "confirmed", TrainingSession.status != "cancelled")
        .distinct()
        .subquery("taught")
    )


def _taught_by(expert_id: int, user_col, course_col) -> sa.ColumnElement[bool]:
    # Aliases: the outer query may join these tables itself (expert dimension, session facts).
    se, ts, reg = (
        aliased(SessionExpert, name="tb_expert"),
        aliased(TrainingSession, name="tb_session"),
        aliased(Registration, name="tb_registration"),
    )
    return sa.exists(
        sa.select(se.id)
        .join(ts, ts.id == se.session_id)
        .join(reg, reg.session_id == ts.id)
        .where(
            se.expert_id == expert_id,
            reg.user_id == user_col,
            ts.course_id == course_col,
            reg.status == "confirmed",
            ts.status != "cancelled",
        )
    )


def month_case(column, months: list[date], *, dates: bool = False):
    """The local month ``column`` falls in, as 'YYYY-MM' (boundaries computed here, so SQLite and PostgreSQL
    agree and the time zone is exact). ``dates``: the column holds local dates, not UTC times."""
    whens = []
    for index, first in enumerate(months):
        following = (
            months[index + 1]
            if index + 1 < len(months)
            else date(first.year + first.month // 12, first.month % 12 + 1, 1)
        )
        whens.append(
            (column < (following if dates else local_midnight_utc(following)), first.strftime("%Y-%m"))
        )
    return sa.case(*whens, else_=sa.null())


def _apply_dim(
    stmt, scope: Scope, dim: Dim, *, user_col=None, course_col=None, session_col=None, time_col=None
):
    """Add the joins and the key column for ``dim``; apply the course and expert filters."""
    filters = scope.filters
    if filters.course_id is not None and course_col is not None:
        stmt = stmt.where(course_col == filters.course_id)
    if filters.expert_id is not None:
        if session_col is not None:
            assigned = aliased(SessionExpert, name="filter_expert")
            stmt = stmt.where(
                sa.exists(
                    sa.select(assigned.id).where(
                        assigned.session_id == session_col, assigned.expert_id == filters.expert_id
                    )
                )
            )
        elif user_col is not None and course_col is not None:
            stmt = stmt.where(_taught_by(filters.expert_id, user_col, course_col))
    key = None
    if dim.kind == "unit":
        node = dim.node
        own, child = aliased(CustomsUnit, name="own_unit"), aliased(CustomsUnit, name="child_unit")
        stmt = stmt.join(own, own.id == Enterprise.unit_id).outerjoin(
            child, sa.and_(child.parent_id == node.id, own.path.startswith(child.path))
        )
        key = sa.func.coalesce(child.id, node.id)
    elif dim.kind == "enterprise":
        key = Enterprise.id
    elif dim.kind == "trainee":
        key = user_col
    elif dim.kind == "course":
        key = course_col
    elif dim.kind == "expert":
        if session_col is not None:
            stmt = stmt.join(SessionExpert, SessionExpert.session_id == session_col)
            key = SessionExpert.expert_id
        else:
            taught = _taught()
            stmt = stmt.join(taught, sa.and_(taught.c.user_id == user_col, taught.c.course_id == course_col))
            key = taught.c.expert_id
    elif dim.kind == "month":
        key = month_case(time_col, scope.filters.months(), dates=isinstance(time_col.type, sa.Date))
    elif dim.kind != "total":
        raise ValueError(f"unknown dimension {dim.kind}")
    if key is None:
        return stmt, None
    if dim.keys is not None:
        stmt = stmt.where(key.in_(list(dim.keys)))
    return stmt.add_columns(key.label("key")).group_by(key), key


def _rows(stmt, dim: Dim):
    """{key: row}; the key is the last column (None for the total)."""
    out = {}
    for row in db.session.execute(stmt).all():
        out[row[-1] if dim.kind != "total" else None] = row
    return out


# -- completion --------------------------------------------------------------------------------------------


@dataclass
class Completion:
    enrolments: int = 0
    completed: int = 0

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.completed, self.enrolments)


def completion(scope: Scope, dim: Dim = TOTAL) -> dict:
    stmt = sa.select(
        sa.func.count(Enrollment.id),
        sa.func.coalesce(sa.func.sum(sa.case((Enrollment.status == "completed", 1), else_=0)), 0),
    ).select_from(Enrollment)
    stmt = _with_trainees(stmt, scope, Enrollment.user_id).where(
        Enrollment.enrolled_at >= scope.start, Enrollment.enrolled_at < scope.end
    )
    stmt, _key = _apply_dim(
        stmt,
        scope,
        dim,
        user_col=Enrollment.user_id,
        course_col=Enrollment.course_id,
        time_col=Enrollment.enrolled_at,
    )
    return {k: Completion(int(r[0]), int(r[1])) for k, r in _rows(stmt, dim).items()}


@dataclass
class TrendPoint:
    month: date
    enrolments: int = 0
    completions: int = 0


def completion_trend(scope: Scope) -> list[TrendPoint]:
    """Per local month of the period: enrolments made, and enrolments completed, in that month."""
    months = scope.filters.months()
    points = {m.strftime("%Y-%m"): TrendPoint(m) for m in months}
    for column, attr, extra in (
        (Enrollment.enrolled_at, "enrolments", None),
        (Enrollment.completed_at, "completions", Enrollment.status == "completed"),
    ):
        stmt = sa.select(sa.func.count(Enrollment.id)).select_from(Enrollment)
        stmt = _with_trainees(stmt, scope, Enrollment.user_id).where(
            column >= scope.start, column < scope.end
        )
        if extra is not None:
            stmt = stmt.where(extra)
        stmt, _key = _apply_dim(
            stmt,
            scope,
            Dim("month"),
            user_col=Enrollment.user_id,
            course_col=Enrollment.course_id,
            time_col=column,
        )
        for key, row in _rows(stmt, Dim("month")).items():
            if key in points:
                setattr(points[key], attr, int(row[0]))
    return list(points.values())


# -- quiz results ------------------------------------------------------------------------------------------


def results_select(scope: Scope, purposes=("pre_test", "post_test", "exam")) -> sa.Select:
    """(quiz_id, user_id, course_id, purpose, pass_mark, percent, last_at): each trainee's result at each quiz
    from the graded attempts submitted before the end of the period, under the quiz's grading method
    (the same rule as lms.quizzes.results, bounded in time)."""
    quizzes = sa.select(Quiz.id).where(Quiz.purpose.in_(purposes))
    if scope.filters.course_id is not None:
        quizzes = quizzes.where(Quiz.course_id == scope.filters.course_id)
    grouped = (
        sa.select(
            Attempt.quiz_id,
            Attempt.user_id,
            sa.func.min(Attempt.number).label("first_n"),
            sa.func.max(Attempt.number).label("last_n"),
            sa.func.max(Attempt.percent).label("highest"),
            sa.func.avg(Attempt.percent).label("average"),
            sa.func.max(Attempt.submitted_at).label("last_at"),
        )
        .where(
            Attempt.status == "graded",
            Attempt.submitted_at < scope.end,
            Attempt.user_id.in_(trainee_ids(scope)),
            Attempt.quiz_id.in_(quizzes),
        )
        .group_by(Attempt.quiz_id, Attempt.user_id)
        .subquery("graded")
    )
    first, last = aliased(Attempt, name="first_attempt"), aliased(Attempt, name="last_attempt")
    percent = sa.case(
        (Quiz.grading_method == "highest", grouped.c.highest),
        (Quiz.grading_method == "average", grouped.c.average),
        (Quiz.grading_method == "first", first.percent),
        else_=last.percent,
    )
    return (
        sa.select(
            grouped.c.quiz_id,
            grouped.c.user_id,
            Quiz.course_id,
            Quiz.purpose,
            Quiz.pass_mark,
            percent.label("percent"),
            grouped.c.last_at,
        )
        .join(Quiz, Quiz.id == grouped.c.quiz_id)
        .join(
            first,
            sa.and_(
                first.quiz_id == grouped.c.quiz_id,
                first.user_id == grouped.c.user_id,
                first.number == grouped.c.first_n,
            ),
        )
        .join(
            last,
            sa.and_(
                last.quiz_id == grouped.c.quiz_id,
                last.user_id == grouped.c.user_id,
                last.number == grouped.c.last_n,
            ),
        )
    )


@dataclass
class Outcomes:
    results: int = 0
    passed: int = 0
    score_sum: Decimal = Decimal(0)

    @property
    def pass_rate(self) -> Decimal | None:
        return _ratio(self.passed, self.results)

    @property
    def average(self) -> Decimal | None:
        return _mean(self.score_sum, self.results, SCORE_Q)


def _graded_results(scope: Scope) -> sa.Subquery:
    return results_select(scope, GRADED_PURPOSES).subquery("results")


def outcomes(scope: Scope, dim: Dim = TOTAL) -> dict:
    r = _graded_results(scope)
    stmt = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((r.c.percent >= r.c.pass_mark, 1), else_=0)), 0),
        sa.func.sum(r.c.percent),
    ).select_from(r)
    stmt = _with_trainees(stmt, scope, r.c.user_id).where(r.c.last_at >= scope.start)
    stmt, _key = _apply_dim(
        stmt, scope, dim, user_col=r.c.user_id, course_col=r.c.course_id, time_col=r.c.last_at
    )
    return {k: Outcomes(int(row[0]), int(row[1]), _number(row[2])) for k, row in _rows(stmt, dim).items()}


def score_distribution(scope: Scope) -> list[tuple[tuple[int, int], int]]:
    """[((low, high), results)] over the same results as the pass rate, in ten-point bands."""
    r = _graded_results(scope)
    band = sa.case(
        *[(r.c.percent < high, index) for index, (_low, high) in enumerate(SCORE_BANDS[:-1])],
        else_=len(SCORE_BANDS) - 1,
    )
    stmt = sa.select(sa.func.count()).select_from(r)
    stmt = _with_trainees(stmt, scope, r.c.user_id).where(r.c.last_at >= scope.start)
    stmt, _key = _apply_dim(stmt, scope, TOTAL, user_col=r.c.user_id, course_col=r.c.course_id)
    stmt = stmt.add_columns(band.label("band")).group_by(band)
    counts = {int(row.band): int(row[0]) for row in db.session.execute(stmt).all()}
    return [(bounds, counts.get(index, 0)) for index, bounds in enumerate(SCORE_BANDS)]


# -- learning gain -----------------------------------------------------------------------------------------


@dataclass
class Gain:
    trainees: int = 0
    pre_sum: Decimal = Decimal(0)
    post_sum: Decimal = Decimal(0)
    defined: int = 0
    g_sum: Decimal = Decimal(0)

    @property
    def mean_pre(self) -> Decimal | None:
        return _mean(self.pre_sum, self.trainees, SCORE_Q)

    @property
    def mean_post(self) -> Decimal | None:
        return _mean(self.post_sum, self.trainees, SCORE_Q)

    @property
    def mean_normalised(self) -> Decimal | None:
        return _mean(self.g_sum, self.defined, GAIN_Q)


def gain_pairs_select(scope: Scope) -> sa.Select:
    """(course_id, user_id, pre_quiz_id, post_quiz_id, pre, post, g, post_at): one row per trainee and course
    with both results and the post-test result in the period (g is NULL when the pre-test was 100%)."""
    course_ids = [scope.filters.course_id] if scope.filters.course_id is not None else None
    pairs = pre_post_pairs_select(course_ids).subquery("pairs")
    results = results_select(scope, ("pre_test", "post_test")).cte("quiz_results")
    pre, post = results.alias("pre"), results.alias("post")
    hundred = sa.literal_column("100.0")
    g = sa.case(
        (pre.c.percent >= hundred, sa.null()),
        else_=(post.c.percent - pre.c.percent) * 1.0 / (hundred - pre.c.percent),
    )
    return (
        sa.select(
            pairs.c.course_id,
            post.c.user_id,
            pairs.c.pre_quiz_id,
            pairs.c.post_quiz_id,
            pre.c.percent.label("pre"),
            post.c.percent.label("post"),
            g.label("g"),
            post.c.last_at.label("post_at"),
        )
        .select_from(pairs)
        .join(pre, pre.c.quiz_id == pairs.c.pre_quiz_id)
        .join(post, sa.and_(post.c.quiz_id == pairs.c.post_quiz_id, post.c.user_id == pre.c.user_id))
        .where(post.c.last_at >= scope.start)
    )


def learning_gain(scope: Scope, dim: Dim = TOTAL) -> dict:
    gp = gain_pairs_select(scope).subquery("gain_pairs")
    stmt = sa.select(
        sa.func.count(),
        sa.func.sum(gp.c.pre),
        sa.func.sum(gp.c.post),
        sa.func.count(gp.c.g),
        sa.func.sum(gp.c.g),
    ).select_from(gp)
    stmt = _with_trainees(stmt, scope, gp.c.user_id)
    stmt, _key = _apply_dim(
        stmt, scope, dim, user_col=gp.c.user_id, course_col=gp.c.course_id, time_col=gp.c.post_at
    )
    return {
        k: Gain(int(row[0]), _number(row[1]), _number(row[2]), int(row[3]), _number(row[4]))
        for k, row in _rows(stmt, dim).items()
    }


# -- sessions ----------------------------------------------------------------------------------------------


@dataclass
class Attendance:
    confirmed: int = 0
    attended: int = 0

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.attended, self.confirmed)


def attendance(scope: Scope, dim: Dim = TOTAL) -> dict:
    stmt = (
        sa.select(
            sa.func.count(Registration.id),
            sa.func.coalesce(sa.func.sum(sa.case((Registration.attendance.in_(ATTENDED), 1), else_=0)), 0),
        )
        .select_from(Registration)
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
    )
    stmt = _with_trainees(stmt, scope, Registration.user_id).where(
        Registration.status == "confirmed",
        taught_clause(scope.now),
        TrainingSession.starts_at >= scope.start,
        TrainingSession.starts_at < scope.end,
    )
    stmt, _key = _apply_dim(
        stmt,
        scope,
        dim,
        user_col=Registration.user_id,
        course_col=TrainingSession.course_id,
        session_col=TrainingSession.id,
        time_col=TrainingSession.starts_at,
    )
    return {k: Attendance(int(r[0]), int(r[1])) for k, r in _rows(stmt, dim).items()}


DIMENSIONS = tuple(FEEDBACK_QUESTIONS)


@dataclass
class Satisfaction:
    responses: int = 0
    sums: dict = field(default_factory=dict)

    @property
    def mean(self) -> Decimal | None:
        total = sum((self.sums.get(d, Decimal(0)) for d in DIMENSIONS), Decimal(0))
        return _mean(total, self.responses * len(DIMENSIONS), RATING_Q)

    def dimension_mean(self, dimension: str) -> Decimal | None:
        return _mean(self.sums.get(dimension, 0), self.responses, RATING_Q)


def satisfaction(scope: Scope, dim: Dim = TOTAL) -> dict:
    stmt = (
        sa.select(
            sa.func.count(SessionFeedback.id),
            *[sa.func.sum(getattr(SessionFeedback, d)) for d in DIMENSIONS],
        )
        .select_from(SessionFeedback)
        .join(Registration, Registration.id == SessionFeedback.registration_id)
        .join(TrainingSession, TrainingSession.id == SessionFeedback.session_id)
    )
    stmt = _with_trainees(stmt, scope, Registration.user_id).where(
        TrainingSession.starts_at >= scope.start, TrainingSession.starts_at < scope.end
    )
    stmt, _key = _apply_dim(
        stmt,
        scope,
        dim,
        user_col=Registration.user_id,
        course_col=TrainingSession.course_id,
        session_col=TrainingSession.id,
        time_col=TrainingSession.starts_at,
    )
    return {
        k: Satisfaction(int(r[0]), {d: _number(r[1 + i]) for i, d in enumerate(DIMENSIONS)})
        for k, r in _rows(stmt, dim).items()
    }


# -- cultivation funnel ------------------------------------------------------------------------------------


@dataclass
class Funnel:
    counts: dict = field(default_factory=dict)

    def count(self, stage: str) -> int:
        return self.counts.get(stage, 0)

    def share(self, stage: str) -> Decimal | None:
        """Share of the cases opened that reached ``stage``, in percent."""
        return _ratio(self.count(stage), self.count("applied"))


def _opened_in_period(scope: Scope) -> sa.ColumnElement[bool]:
    """The case counts from its opening date (the day the application or nomination counts from)."""
    return CultivationCase.opened_on.between(scope.filters.start, scope.filters.end)


def funnel(scope: Scope, dim: Dim = TOTAL) -> dict:
    in_scope = (
        sa.select(CultivationCase.id)
        .join(Enterprise, Enterprise.id == CultivationCase.enterprise_id)
        .where(_opened_in_period(scope), *enterprise_clauses(scope))
    )
    reached = (
        sa.select(
            CaseEvent.case_id,
            *[
                sa.func.max(sa.case((CaseEvent.to_state == state, 1), else_=0)).label(stage)
                for stage, state, _label in FUNNEL_STAGES
                if state
            ],
        )
        .where(CaseEvent.case_id.in_(in_scope))
        .group_by(CaseEvent.case_id)
        .subquery("reached")
    )
    stmt = (
        sa.select(
            sa.func.count(CultivationCase.id),
            *[
                sa.func.coalesce(sa.func.sum(reached.c[stage]), 0)
                for stage, state, _label in FUNNEL_STAGES
                if state
            ],
        )
        .select_from(CultivationCase)
        .join(Enterprise, Enterprise.id == CultivationCase.enterprise_id)
        .outerjoin(reached, reached.c.case_id == CultivationCase.id)
        .where(_opened_in_period(scope), *enterprise_clauses(scope))
    )
    if dim.kind in ("trainee", "course", "expert"):
        raise ValueError("the funnel is counted per enterprise, not per trainee, course or expert")
    stmt, _key = _apply_dim(stmt, scope, dim, time_col=CultivationCase.opened_on)
    out = {}
    for key, row in _rows(stmt, dim).items():
        counts = {"applied": int(row[0])}
        for index, stage in enumerate(s for s, state, _label in FUNNEL_STAGES if state):
            counts[stage] = int(row[1 + index])
        out[key] = Funnel(counts)
    return out


# -- all learning figures at once --------------------------------------------------------------------------


@dataclass
class Figures:
    completion: Completion = field(default_factory=Completion)
    outcomes: Outcomes = field(default_factory=Outcomes)
    gain: Gain = field(default_factory=Gain)
    attendance: Attendance = field(default_factory=Attendance)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)


def figures(scope: Scope, dim: Dim = TOTAL) -> dict:
    """{key: Figures} for every key that has any figure (five statements whatever the number of rows)."""
    parts = {
        "completion": completion(scope, dim),
        "outcomes": outcomes(scope, dim),
        "gain": learning_gain(scope, dim),
        "attendance": attendance(scope, dim),
        "satisfaction": satisfaction(scope, dim),
    }
    keys = set().union(*[set(p) for p in parts.values()])
    if dim.kind == "total":
        keys = {None}
    return {key: Figures(**{name: part[key] for name, part in parts.items() if key in part}) for key in keys}
