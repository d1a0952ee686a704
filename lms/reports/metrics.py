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
  (the pre-test result may be older). Mean pre-test %, mean post-test %, mean raw gain in points
  (post − pre), and mean normalised gain g = (post − pre) / (100 − pre) over those pairs (each g rounded to
  eight decimals); a pre-test of 100% has no g and is left out of that mean only.
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

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause, unit_ids_in_scope
from lms.courses.models import Enrollment
from lms.cultivation.models import CaseEvent, CultivationCase
from lms.database import utcnow
from lms.experts.appraisal import taught_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.quizzes.gain import pre_post_pairs_select
from lms.quizzes.models import Attempt, Quiz
from lms.reports.filters import Filters, local_midnight_utc
from lms.reports.models import GAIN_SCALE, PERCENT_SCALE, GainPair, QuizResult, ReportRollup
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
    # One page of a table: only these enterprises or trainees (set from a Dim's keys).
    enterprise_ids: tuple | None = None
    user_ids: tuple | None = None
    covered: bool | None = field(default=None, repr=False)  # see ``stored``

    @property
    def start(self) -> datetime:
        return self.filters.start_utc

    @property
    def stored(self) -> bool:
        """Whether the stored results answer for this period: it ends after every stored result, gain pair
        and enrolment (so no attempt after the period's end counts). Otherwise the figures are computed
        from the raw attempts, bounded in time. Asked once per page."""
        if self.covered is None:
            self.covered = stored_cover(self.end)
        return self.covered

    @property
    def rollups(self) -> bool:
        """Whether the rollups answer: stored results, whole months, a unit's tree, no expert filter."""
        return (
            self.filters.start.day == 1
            and self.enterprise_id is None
            and self.user_id is None
            and self.enterprise_ids is None
            and self.user_ids is None
            and self.filters.expert_id is None
            and self.actor.role in ("admin", "officer")
            and self.stored
        )

    @property
    def end(self) -> datetime:
        return self.filters.end_utc


def stored_cover(end: datetime) -> bool:
    """True when ``end`` is after every stored result, gain pair, enrolment and completion."""
    latest = db.session.execute(
        sa.select(
            sa.select(sa.func.max(QuizResult.last_at)).scalar_subquery(),
            sa.select(sa.func.max(GainPair.post_at)).scalar_subquery(),
            sa.select(sa.func.max(Enrollment.enrolled_at)).scalar_subquery(),
            sa.select(sa.func.max(Enrollment.completed_at)).scalar_subquery(),
        )
    ).one()
    return all(value is None or _aware(value) < end for value in latest)


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Dim:
    """How to group: ``total`` (one row, key None), ``unit`` (the children of ``node``, and ``node`` itself
    for the enterprises it supervises directly), ``enterprise``, ``trainee``, ``course``, ``expert``,
    ``month``, or ``unit_course`` ((own unit of the enterprise, course) pairs, which :func:`grid` adds up).
    ``keys`` restricts the rows to those keys (one page of a table)."""

    kind: str = "total"
    node: CustomsUnit | None = None
    keys: tuple | None = None


TOTAL = Dim()


def _narrowed(scope: Scope, dim: Dim) -> Scope:
    """Push a page's keys down into the scope, so that only those enterprises' or trainees' facts are read."""
    if dim.keys is None:
        return scope
    if dim.kind == "enterprise":
        return replace(scope, enterprise_ids=tuple(dim.keys))
    if dim.kind == "trainee":
        return replace(scope, user_ids=tuple(dim.keys))
    return scope


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
    if scope.enterprise_ids is not None:
        clauses.append(Enterprise.id.in_(list(scope.enterprise_ids)))
    return clauses


def _user_clauses(scope: Scope) -> list:
    clauses = [User.role == "trainee"]
    if scope.user_id is not None:
        clauses.append(User.id == scope.user_id)
    if scope.user_ids is not None:
        clauses.append(User.id.in_(list(scope.user_ids)))
    return clauses


def _with_trainees(stmt, scope: Scope, user_col):
    """Join the fact's trainee and their enterprise, keeping the trainees within the scope."""
    stmt = stmt.join(User, User.id == user_col).join(Enterprise, Enterprise.id == User.enterprise_id)
    return stmt.where(*_user_clauses(scope), *enterprise_clauses(scope))


def trainee_ids(scope: Scope) -> sa.Select:
    return (
        sa.select(User.id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(*_user_clauses(scope), *enterprise_clauses(scope))
    )


def _taught(expert_ids=None) -> sa.Subquery:
    """(expert, trainee, course): the trainee had a confirmed seat at a non-cancelled session of the course
    that the expert was assigned to. ``expert_ids``: only these experts' (one page of a table), so that the
    distinct triples are taken over their sessions rather than over every seat."""
    stmt = (
        sa.select(SessionExpert.expert_id, Registration.user_id, TrainingSession.course_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .where(Registration.status == "confirmed", TrainingSession.status != "cancelled")
    )
    if expert_ids is not None:
        stmt = stmt.where(SessionExpert.expert_id.in_(list(expert_ids)))
    return stmt.distinct().subquery("taught")


def expert_ids(scope: Scope) -> sa.Select:
    """The experts a by-expert table lists: those who taught (a confirmed seat at a non-cancelled session of
    theirs) a trainee within the scope, in the course and expert filtered by.

    Asked as "assigned to a session that has such a seat", so that no (expert, trainee, course) triple is
    built: the national list reads each session's seats once."""
    seated = (
        sa.select(Registration.session_id)
        .join(User, User.id == Registration.user_id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(Registration.status == "confirmed", *_user_clauses(scope), *enterprise_clauses(scope))
    )
    stmt = (
        sa.select(SessionExpert.expert_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .where(TrainingSession.status != "cancelled", SessionExpert.session_id.in_(seated))
        .distinct()
    )
    if scope.filters.course_id is not None:
        stmt = stmt.where(TrainingSession.course_id == scope.filters.course_id)
    if scope.filters.expert_id is not None:
        stmt = stmt.where(SessionExpert.expert_id == scope.filters.expert_id)
    return stmt


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
    """Add the joins and the key columns for ``dim``; apply the course and expert filters.
    Returns the statement and the number of key columns it ends with."""
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
    if dim.kind == "total":
        return stmt, 0
    if dim.kind == "unit_course":
        if course_col is None:  # facts without a course (the funnel): grouped by unit only
            return stmt.add_columns(Enterprise.unit_id, sa.null()).group_by(Enterprise.unit_id), 2
        return stmt.add_columns(Enterprise.unit_id, course_col).group_by(Enterprise.unit_id, course_col), 2
    if dim.kind == "unit":
        # Grouped by the enterprise's own unit here; _rows adds the units up into the node's children.
        key = Enterprise.unit_id
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
            taught = _taught(dim.keys)
            stmt = stmt.join(taught, sa.and_(taught.c.user_id == user_col, taught.c.course_id == course_col))
            key = taught.c.expert_id
    elif dim.kind == "month":
        key = month_case(time_col, scope.filters.months(), dates=isinstance(time_col.type, sa.Date))
    else:
        raise ValueError(f"unknown dimension {dim.kind}")
    if dim.keys is not None and dim.kind not in ("unit", "enterprise", "trainee"):
        stmt = stmt.where(key.in_(list(dim.keys)))
    return stmt.add_columns(key.label("key")).group_by(key), 1


def child_of(node: CustomsUnit) -> dict[int, int]:
    """{unit id: the child of ``node`` it lies under (``node`` itself for node)} over node's tree."""
    out = {}
    below_node = sa.select(CustomsUnit.id, CustomsUnit.path).where(
        CustomsUnit.path.startswith(node.path, autoescape=True)
    )
    for unit_id, path in db.session.execute(below_node).all():
        below = path[len(node.path) :].strip("/")
        out[unit_id] = int(below.split("/")[0]) if below else node.id
    return out


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return _number(a) + _number(b)


def _add_into(out: dict, key, values: list) -> None:
    out[key] = [_add(a, b) for a, b in zip(out[key], values, strict=True)] if key in out else list(values)


def _rows(stmt, dim: Dim, nkeys: int) -> dict:
    """{key: [aggregates]}; the key is the statement's last column(s) (None for the total).

    Every aggregate is a count or a sum, so the figures of a sub-unit are the sums over the units below it:
    the statement groups by the enterprise's own unit, and the (few) unit rows are added up here.
    """
    rows = db.session.execute(stmt).all()
    if nkeys == 0:
        return {None: list(rows[0])} if rows else {}
    if nkeys == 2:
        return {(row[-2], row[-1]): list(row[:-2]) for row in rows}
    if dim.kind != "unit":
        return {row[-1]: list(row[:-1]) for row in rows}
    mapping = child_of(dim.node)
    out: dict = {}
    for row in rows:
        key = mapping.get(row[-1])
        if key is not None and (dim.keys is None or key in dim.keys):
            _add_into(out, key, list(row[:-1]))
    return out


# -- the figures -------------------------------------------------------------------------------------------


@dataclass
class Completion:
    enrolments: int = 0
    completed: int = 0

    @classmethod
    def of(cls, values: list) -> Completion:
        return cls(int(values[0] or 0), int(values[1] or 0))

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.completed, self.enrolments)


def _completion_stmt(scope: Scope):
    stmt = sa.select(
        sa.func.count(Enrollment.id),
        sa.func.coalesce(sa.func.sum(sa.case((Enrollment.status == "completed", 1), else_=0)), 0),
    ).select_from(Enrollment)
    stmt = _with_trainees(stmt, scope, Enrollment.user_id).where(
        Enrollment.enrolled_at >= scope.start, Enrollment.enrolled_at < scope.end
    )
    return stmt, {
        "user_col": Enrollment.user_id,
        "course_col": Enrollment.course_id,
        "time_col": Enrollment.enrolled_at,
    }


@dataclass
class Outcomes:
    results: int = 0
    passed: int = 0
    score_sum: Decimal = Decimal(0)
    bands: list = field(default_factory=lambda: [0] * len(SCORE_BANDS))

    @classmethod
    def of(cls, values: list) -> Outcomes:
        return cls(
            int(values[0] or 0), int(values[1] or 0), _number(values[2]), [int(v or 0) for v in values[3:]]
        )

    @property
    def pass_rate(self) -> Decimal | None:
        return _ratio(self.passed, self.results)

    @property
    def average(self) -> Decimal | None:
        return _mean(self.score_sum, self.results, SCORE_Q)


# First and last attempts without joining the attempts again: each attempt is packed into one integer,
# number × 10^7 + percent × 10^4 (percent has four decimals and is at most 100), so that min() and max() of it
# pick the first and the last attempt and its remainder gives their percent. One pass over the attempts.
_PACK = 10_000_000
_PERCENT_SCALE = 10_000


def _packed_attempt():
    percent = sa.cast(sa.func.round(Attempt.percent * _PERCENT_SCALE), sa.BigInteger)
    return sa.cast(Attempt.number, sa.BigInteger) * _PACK + percent


def _unpacked_percent(packed):
    remainder = packed % _PACK
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(remainder, sa.Numeric(12, 4)) / _PERCENT_SCALE  # stays numeric like the other methods
    return remainder / sa.literal(float(_PERCENT_SCALE))


def results_select(scope: Scope, purposes=("pre_test", "post_test", "exam")) -> sa.Select:
    """(quiz_id, user_id, course_id, purpose, pass_mark, percent, last_at): each trainee's result at each quiz
    from the graded attempts submitted before the end of the period, under the quiz's grading method
    (the rule of lms.quizzes.results, bounded in time), dated by the latest of those attempts."""
    quizzes = sa.select(Quiz.id).where(Quiz.purpose.in_(purposes))
    if scope.filters.course_id is not None:
        quizzes = quizzes.where(Quiz.course_id == scope.filters.course_id)
    grouped = (
        sa.select(
            Attempt.quiz_id,
            Attempt.user_id,
            sa.func.min(_packed_attempt()).label("first_packed"),
            sa.func.max(_packed_attempt()).label("last_packed"),
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
    chosen = sa.case(
        (Quiz.grading_method == "highest", grouped.c.highest),
        (Quiz.grading_method == "average", grouped.c.average),
        (Quiz.grading_method == "first", _unpacked_percent(grouped.c.first_packed)),
        else_=_unpacked_percent(grouped.c.last_packed),
    )
    # Four decimals, as lms.quizzes.results rounds them, then a float: cheaper to compare and add up than
    # numeric, and exact enough (distinct four-decimal percentages stay distinct, so the pass decision holds).
    percent = sa.cast(sa.func.round(chosen, 4), sa.Float)
    return sa.select(
        grouped.c.quiz_id,
        grouped.c.user_id,
        Quiz.course_id,
        Quiz.purpose,
        Quiz.pass_mark,
        percent.label("percent"),
        grouped.c.last_at,
    ).join(Quiz, Quiz.id == grouped.c.quiz_id)


def _materialized(stmt: sa.Select, name: str):
    """``stmt`` as a sub-query computed once: PostgreSQL would otherwise inline it and work the result's
    expression out again for every aggregate that reads it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return stmt.cte(name).prefix_with("MATERIALIZED")
    return stmt.subquery(name)


def _outcomes_stmt(scope: Scope):
    if scope.stored:
        return _outcomes_stored_stmt(scope)
    r = _materialized(results_select(scope, GRADED_PURPOSES), "results")
    band = sa.case(
        *[(r.c.percent < high, index) for index, (_low, high) in enumerate(SCORE_BANDS[:-1])],
        else_=len(SCORE_BANDS) - 1,
    )
    stmt = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((r.c.percent >= r.c.pass_mark, 1), else_=0)), 0),
        sa.func.sum(r.c.percent),
        *[
            sa.func.coalesce(sa.func.sum(sa.case((band == index, 1), else_=0)), 0)
            for index in range(len(SCORE_BANDS))
        ],
    ).select_from(r)
    stmt = _with_trainees(stmt, scope, r.c.user_id).where(r.c.last_at >= scope.start)
    return stmt, {"user_col": r.c.user_id, "course_col": r.c.course_id, "time_col": r.c.last_at}


def _band_sums(value_e4) -> list:
    band = sa.case(
        *[(value_e4 < high * PERCENT_SCALE, index) for index, (_low, high) in enumerate(SCORE_BANDS[:-1])],
        else_=len(SCORE_BANDS) - 1,
    )
    return [
        sa.func.coalesce(sa.func.sum(sa.case((band == index, 1), else_=0)), 0)
        for index in range(len(SCORE_BANDS))
    ]


OUTCOME_SCALES = (1, 1, PERCENT_SCALE) + (1,) * len(SCORE_BANDS)
GAIN_SCALES = (1, PERCENT_SCALE, PERCENT_SCALE, 1, GAIN_SCALE)


def _outcomes_stored_stmt(scope: Scope):
    """The same figures from the stored results (lms.reports.stored)."""
    r = QuizResult
    stmt = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((r.passed.is_(True), 1), else_=0)), 0),
        sa.func.sum(r.percent_e4),
        *_band_sums(r.percent_e4),
    ).select_from(QuizResult)
    stmt = _with_trainees(stmt, scope, r.user_id).where(
        r.purpose.in_(GRADED_PURPOSES), r.last_at >= scope.start
    )
    return stmt, {"user_col": r.user_id, "course_col": r.course_id, "time_col": r.last_at}, OUTCOME_SCALES


@dataclass
class Gain:
    trainees: int = 0
    pre_sum: Decimal = Decimal(0)
    post_sum: Decimal = Decimal(0)
    defined: int = 0
    g_sum: Decimal = Decimal(0)

    @classmethod
    def of(cls, values: list) -> Gain:
        return cls(
            int(values[0] or 0),
            _number(values[1]),
            _number(values[2]),
            int(values[3] or 0),
            _number(values[4]),
        )

    @property
    def mean_pre(self) -> Decimal | None:
        return _mean(self.pre_sum, self.trainees, SCORE_Q)

    @property
    def mean_post(self) -> Decimal | None:
        return _mean(self.post_sum, self.trainees, SCORE_Q)

    @property
    def mean_points(self) -> Decimal | None:
        """Mean raw gain in percentage points: the mean of post − pre (= mean post − mean pre)."""
        return _mean(self.post_sum - self.pre_sum, self.trainees, SCORE_Q)

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


def _gain_stmt(scope: Scope):
    if scope.stored:
        gp = GainPair
        stmt = sa.select(
            sa.func.count(),
            sa.func.sum(gp.pre_e4),
            sa.func.sum(gp.post_e4),
            sa.func.count(gp.g_e8),
            sa.func.sum(gp.g_e8),
        ).select_from(GainPair)
        stmt = _with_trainees(stmt, scope, gp.user_id).where(gp.post_at >= scope.start)
        return stmt, {"user_col": gp.user_id, "course_col": gp.course_id, "time_col": gp.post_at}, GAIN_SCALES
    gp = gain_pairs_select(scope).subquery("gain_pairs")
    stmt = sa.select(
        sa.func.count(),
        sa.func.sum(gp.c.pre),
        sa.func.sum(gp.c.post),
        sa.func.count(gp.c.g),
        sa.func.sum(gp.c.g),
    ).select_from(gp)
    stmt = _with_trainees(stmt, scope, gp.c.user_id)
    return stmt, {"user_col": gp.c.user_id, "course_col": gp.c.course_id, "time_col": gp.c.post_at}


@dataclass
class Attendance:
    confirmed: int = 0
    attended: int = 0

    @classmethod
    def of(cls, values: list) -> Attendance:
        return cls(int(values[0] or 0), int(values[1] or 0))

    @property
    def rate(self) -> Decimal | None:
        return _ratio(self.attended, self.confirmed)


def _attendance_stmt(scope: Scope):
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
    return stmt, {
        "user_col": Registration.user_id,
        "course_col": TrainingSession.course_id,
        "session_col": TrainingSession.id,
        "time_col": TrainingSession.starts_at,
    }


DIMENSIONS = tuple(FEEDBACK_QUESTIONS)


@dataclass
class Satisfaction:
    responses: int = 0
    sums: dict = field(default_factory=dict)

    @classmethod
    def of(cls, values: list) -> Satisfaction:
        return cls(int(values[0] or 0), {d: _number(values[1 + i]) for i, d in enumerate(DIMENSIONS)})

    @property
    def mean(self) -> Decimal | None:
        total = sum((self.sums.get(d, Decimal(0)) for d in DIMENSIONS), Decimal(0))
        return _mean(total, self.responses * len(DIMENSIONS), RATING_Q)

    def dimension_mean(self, dimension: str) -> Decimal | None:
        return _mean(self.sums.get(dimension, 0), self.responses, RATING_Q)


def _satisfaction_stmt(scope: Scope):
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
    return stmt, {
        "user_col": Registration.user_id,
        "course_col": TrainingSession.course_id,
        "session_col": TrainingSession.id,
        "time_col": TrainingSession.starts_at,
    }


@dataclass
class Funnel:
    counts: dict = field(default_factory=dict)

    @classmethod
    def of(cls, values: list) -> Funnel:
        stages = [stage for stage, _state, _label in FUNNEL_STAGES]
        return cls({stage: int(values[i] or 0) for i, stage in enumerate(stages)})

    def count(self, stage: str) -> int:
        return self.counts.get(stage, 0)

    def share(self, stage: str) -> Decimal | None:
        """Share of the cases opened that reached ``stage``, in percent."""
        return _ratio(self.count(stage), self.count("applied"))


def _opened_in_period(scope: Scope) -> sa.ColumnElement[bool]:
    """A case counts from its opening date (the day the application or nomination counts from)."""
    return CultivationCase.opened_on.between(scope.filters.start, scope.filters.end)


def _funnel_stmt(scope: Scope):
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
    return stmt, {"time_col": CultivationCase.opened_on}


# name: (statement builder, figures class)
METRICS = {
    "completion": (_completion_stmt, Completion),
    "outcomes": (_outcomes_stmt, Outcomes),
    "gain": (_gain_stmt, Gain),
    "attendance": (_attendance_stmt, Attendance),
    "satisfaction": (_satisfaction_stmt, Satisfaction),
    "funnel": (_funnel_stmt, Funnel),
}
LEARNING = ("completion", "outcomes", "gain", "attendance", "satisfaction")


def grouped(name: str, scope: Scope, dim: Dim = TOTAL) -> dict:
    """{key: [aggregates]} of metric ``name`` grouped by ``dim``: one statement."""
    if name == "funnel" and dim.kind in ("trainee", "course", "expert"):
        raise ValueError("the funnel is counted per enterprise, not per trainee, course or expert")
    scope = _narrowed(scope, dim)
    if name in ROLLED_UP and dim.kind in ROLLUP_DIMS and scope.rollups:
        stmt, nkeys, scales = _rollup_stmt(ROLLED_UP[name], scope, dim)
        return _scaled(_rows(stmt, dim, nkeys), scales)
    builder, _cls = METRICS[name]
    stmt, columns, *scales = builder(scope)
    stmt, nkeys = _apply_dim(stmt, scope, dim, **columns)
    rows = _rows(stmt, dim, nkeys)
    return _scaled(rows, scales[0]) if scales else rows


# -- rollups ----------------------------------------------------------------------------------------------

# metric name: rollup metric
ROLLED_UP = {"completion": "enrolled", "outcomes": "results", "gain": "gain"}
ROLLUP_DIMS = ("total", "unit", "course", "unit_course", "month")


def _scaled(rows: dict, scales) -> dict:
    """Integer sums of ten-thousandths (and hundred-millionths) back to exact Decimals."""
    if scales is None:
        return rows
    return {
        key: [
            value if scale == 1 or value is None else _number(value) / scale
            for value, scale in zip(values, scales, strict=True)
        ]
        for key, values in rows.items()
    }


def _rollup_columns(metric: str) -> tuple[list, tuple | None]:
    r = ReportRollup
    total = sa.func.sum
    if metric == "results":
        bands = [sa.func.coalesce(total(getattr(r, f"b{i}")), 0) for i in range(len(SCORE_BANDS))]
        return [total(r.n), total(r.n2), total(r.s1), *bands], OUTCOME_SCALES
    if metric == "gain":
        return [total(r.n), total(r.s1), total(r.s2), total(r.n2), total(r.s3)], GAIN_SCALES
    return [total(r.n), total(r.n2)], None


def rollup_units(scope: Scope) -> sa.Select:
    """The units whose rollup rows a scope reads: its node's tree within the actor's jurisdiction."""
    units = sa.select(CustomsUnit.id)
    if scope.unit is not None:
        units = units.where(CustomsUnit.path.startswith(scope.unit.path, autoescape=True))
    if scope.actor.role != "admin":
        units = units.where(CustomsUnit.id.in_(unit_ids_in_scope(scope.actor)))
    return units


def _rollup_stmt(metric: str, scope: Scope, dim: Dim):
    """One statement over report_rollup: the months of the period, the scope's units, the course filter."""
    r = ReportRollup
    columns, scales = _rollup_columns(metric)
    stmt = sa.select(*columns).where(
        r.metric == metric,
        r.month >= scope.filters.start.strftime("%Y-%m"),
        r.month <= scope.filters.end.strftime("%Y-%m"),
        r.unit_id.in_(rollup_units(scope)),
    )
    if scope.filters.course_id is not None:
        stmt = stmt.where(r.course_id == scope.filters.course_id)
    if dim.kind == "total":
        return stmt, 0, scales
    # A row whose contributions were all taken away again holds zeros (n counts every contribution).
    stmt = stmt.having(sa.func.sum(r.n) != 0)
    if dim.kind == "unit_course":
        return stmt.add_columns(r.unit_id, r.course_id).group_by(r.unit_id, r.course_id), 2, scales
    key = {"unit": r.unit_id, "course": r.course_id, "month": r.month}[dim.kind]
    if dim.keys is not None and dim.kind != "unit":
        stmt = stmt.where(key.in_(list(dim.keys)))
    return stmt.add_columns(key.label("key")).group_by(key), 1, scales


def _figures_of(name: str, scope: Scope, dim: Dim) -> dict:
    cls = METRICS[name][1]
    return {key: cls.of(values) for key, values in grouped(name, scope, dim).items()}


def completion(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("completion", scope, dim)


def outcomes(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("outcomes", scope, dim)


def learning_gain(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("gain", scope, dim)


def attendance(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("attendance", scope, dim)


def satisfaction(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("satisfaction", scope, dim)


def funnel(scope: Scope, dim: Dim = TOTAL) -> dict:
    return _figures_of("funnel", scope, dim)


def score_distribution(scope: Scope) -> list[tuple[tuple[int, int], int]]:
    """[((low, high), results)] over the same results as the pass rate, in ten-point bands."""
    total = outcomes(scope).get(None) or Outcomes()
    return list(zip(SCORE_BANDS, total.bands, strict=True))


@dataclass
class TrendPoint:
    month: date
    enrolments: int = 0
    completions: int = 0


def completion_trend(scope: Scope) -> list[TrendPoint]:
    """Per local month of the period: enrolments made, and enrolments completed, in that month."""
    months = scope.filters.months()
    points = {m.strftime("%Y-%m"): TrendPoint(m) for m in months}
    if scope.rollups:
        for metric, attr in (("enrolled", "enrolments"), ("completed", "completions")):
            stmt, nkeys, _scales = _rollup_stmt(metric, scope, Dim("month"))
            for key, values in _rows(stmt, Dim("month"), nkeys).items():
                if key in points:
                    setattr(points[key], attr, int(values[0] or 0))
        return list(points.values())
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
        stmt, nkeys = _apply_dim(
            stmt,
            scope,
            Dim("month"),
            user_col=Enrollment.user_id,
            course_col=Enrollment.course_id,
            time_col=column,
        )
        for key, values in _rows(stmt, Dim("month"), nkeys).items():
            if key in points:
                setattr(points[key], attr, int(values[0]))
    return list(points.values())


# -- all figures at once -----------------------------------------------------------------------------------


@dataclass
class Figures:
    completion: Completion = field(default_factory=Completion)
    outcomes: Outcomes = field(default_factory=Outcomes)
    gain: Gain = field(default_factory=Gain)
    attendance: Attendance = field(default_factory=Attendance)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)


def _assemble(parts: dict[str, dict], total: bool) -> dict:
    keys = {None} if total else set().union(*[set(p) for p in parts.values()])
    return {
        key: Figures(**{name: METRICS[name][1].of(part[key]) for name, part in parts.items() if key in part})
        for key in keys
    }


def figures(scope: Scope, dim: Dim = TOTAL) -> dict:
    """{key: Figures} for every key that has any figure (five statements whatever the number of rows)."""
    parts = {name: grouped(name, scope, dim) for name in LEARNING}
    return _assemble(parts, dim.kind == "total")


@dataclass
class Grid:
    """The figures of a scope in total, per sub-unit of ``node`` and per course, and its funnel."""

    total: Figures
    by_unit: dict
    by_course: dict
    funnel: Funnel
    funnel_by_unit: dict


def grid(scope: Scope, node: CustomsUnit | None, *, funnel: bool = True) -> Grid:
    """Everything a report page shows per unit and per course, from one statement per metric grouped by
    (the enterprise's own unit, course): the totals, the sub-units and the courses are sums of those rows."""
    mapping = child_of(node) if node is not None else {}
    totals: dict = {}
    units: dict = {}
    courses: dict = {}
    for name in (*LEARNING, "funnel") if funnel else LEARNING:
        total_part, unit_part, course_part = {}, {}, {}
        for (unit_id, course_id), values in grouped(name, scope, Dim("unit_course")).items():
            _add_into(total_part, None, values)
            if unit_id in mapping:
                _add_into(unit_part, mapping[unit_id], values)
            if course_id is not None:
                _add_into(course_part, course_id, values)
        totals[name], units[name], courses[name] = total_part, unit_part, course_part
    funnel_cls = METRICS["funnel"][1]
    learning = list(LEARNING)
    total = _assemble({n: totals[n] for n in learning}, True)[None]
    return Grid(
        total=total,
        by_unit=_assemble({n: units[n] for n in learning}, False),
        by_course=_assemble({n: courses[n] for n in learning}, False),
        funnel=funnel_cls.of(totals["funnel"][None]) if None in totals.get("funnel", {}) else Funnel(),
        funnel_by_unit={key: funnel_cls.of(values) for key, values in units.get("funnel", {}).items()},
    )


def page_statements(scope: Scope) -> list[tuple[str, Callable[[], object]]]:
    """The statements behind a unit's report page, by name, each as a call that runs it (for timing them)."""
    statements: list[tuple[str, Callable[[], object]]] = [
        (f"{name} by unit and course", partial(grouped, name, scope, Dim("unit_course")))
        for name in (*LEARNING, "funnel")
    ]
    statements += [(f"{name} by expert", partial(grouped, name, scope, Dim("expert"))) for name in LEARNING]
    statements.append(("completions by month", partial(completion_trend, scope)))
    return statements
