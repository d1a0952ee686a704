"""The figures, one grouped SQL query each, and the stored rollups they read when a report allows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from lms.auth.scopes import unit_ids_in_scope
from lms.courses.models import Enrollment
from lms.cultivation.models import CaseEvent, CultivationCase
from lms.experts.appraisal import taught_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.quizzes.gain import pre_post_pairs_select
from lms.quizzes.models import Attempt, Quiz
from lms.reports import snapshot
from lms.reports.dimensions import (
    ATTENDED,
    FUNNEL_STAGES,
    GAIN_Q,
    GRADED_PURPOSES,
    RATING_Q,
    SCORE_BANDS,
    SCORE_Q,
    TOTAL,
    Dim,
    Scope,
    _apply_dim,
    _mean,
    _narrowed,
    _number,
    _ratio,
    _rows,
    _with_trainees,
    dim_key,
    enterprise_clauses,
    trainee_ids,
)
from lms.reports.models import (
    GAIN_SCALE,
    PERCENT_SCALE,
    FeedbackStat,
    GainPair,
    QuizResult,
    ReportRollup,
    SeatStat,
)
from lms.sessions.models import (
    FEEDBACK_QUESTIONS,
    Registration,
    SessionFeedback,
    TrainingSession,
)

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


def grouped(name: str, scope: Scope, dim: Dim = TOTAL, *, scaled: bool = True):
    """{key: [aggregates]} of metric ``name`` grouped by ``dim``: one statement. With ``scaled`` False,
    ``(rows, scales)``: the sums as stored (integers of ten-thousandths where ``scales`` says so), for a
    caller that adds rows up before scaling once (:func:`scale_rows`)."""
    return snapshot.remembered(
        ("grouped", name, scaled, scope.snapshot_key, dim_key(dim)),
        lambda: grouped_afresh(name, scope, dim, scaled),
    )


def grouped_afresh(name: str, scope: Scope, dim: Dim, scaled: bool = True):
    """:func:`grouped` without the report snapshot (a caller that keeps only what it makes of the rows)."""
    if name == "funnel" and dim.kind in ("trainee", "course", "expert"):
        raise ValueError("the funnel is counted per enterprise, not per trainee, course or expert")
    scope = _narrowed(scope, dim)
    if name in ROLLED_UP and dim.kind in ROLLUP_DIMS and scope.rollups:
        stmt, nkeys, scales = _rollup_stmt(ROLLED_UP[name], scope, dim)
        if name in LEFT_OUT:
            left_out, left_out_keys = _left_out_stmt(name, scope, dim)
            rows = _less(_rows(stmt, dim, nkeys), _rows(left_out, dim, left_out_keys))
            return scale_rows(rows, scales) if scaled else (rows, scales)
    else:
        builder, _cls = METRICS[name]
        stmt, columns, *rest = builder(scope)
        stmt, nkeys = _apply_dim(stmt, scope, dim, **columns)
        scales = rest[0] if rest else None
    rows = _rows(stmt, dim, nkeys)
    return scale_rows(rows, scales) if scaled else (rows, scales)


# -- rollups ----------------------------------------------------------------------------------------------

# metric name: rollup metric
ROLLED_UP = {
    "completion": "enrolled",
    "outcomes": "results",
    "gain": "gain",
    "attendance": "attendance",
    "satisfaction": "satisfaction",
}
ROLLUP_DIMS = ("total", "unit", "course", "unit_course", "month")


def _unscaled(value, scale: int):
    if scale == 1 or value is None:
        return value
    if type(value) is float:
        return _number(value) / scale
    return Decimal(value) / scale  # an int or a Decimal: exact (a power of ten, far within the precision)


def scale_rows(rows: dict, scales) -> dict:
    """Integer sums of ten-thousandths (and hundred-millionths) back to exact Decimals."""
    if scales is None:
        return rows
    return {
        key: [_unscaled(value, scale) for value, scale in zip(values, scales, strict=True)]
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
    if metric == "satisfaction":
        return [total(r.n), total(r.s1), total(r.s2), total(r.s3), total(r.s4)], None
    return [total(r.n), total(r.n2)], None


def rollup_units(scope: Scope) -> sa.Select:
    """The units whose rollup rows a scope reads: its node's tree within the actor's jurisdiction."""
    units = sa.select(CustomsUnit.id)
    if scope.unit is not None:
        units = units.where(CustomsUnit.path.startswith(scope.unit.path, autoescape=True))
    if scope.actor.role != "admin":
        units = units.where(CustomsUnit.id.in_(unit_ids_in_scope(scope.actor)))
    return units


def _months_of(model, scope: Scope) -> list:
    """The months of the period, the scope's units and the course filter, on a rollup or stat table."""
    clauses = [
        model.month >= scope.filters.start.strftime("%Y-%m"),
        model.month <= scope.filters.end.strftime("%Y-%m"),
        model.unit_id.in_(rollup_units(scope)),
    ]
    if scope.filters.course_id is not None:
        clauses.append(model.course_id == scope.filters.course_id)
    return clauses


def _keyed(stmt, model, dim: Dim, count) -> tuple:
    """Group a statement over a rollup or stat table by ``dim``: (statement, number of key columns)."""
    if dim.kind == "total":
        return stmt, 0
    # A rollup row whose contributions were all taken away again holds zeros (n counts every contribution).
    stmt = stmt.having(count != 0)
    if dim.kind == "unit_course":
        return stmt.add_columns(model.unit_id, model.course_id).group_by(model.unit_id, model.course_id), 2
    key = {"unit": model.unit_id, "course": model.course_id, "month": model.month}[dim.kind]
    if dim.keys is not None and dim.kind != "unit":
        stmt = stmt.where(key.in_(list(dim.keys)))
    return stmt.add_columns(key.label("key")).group_by(key), 1


def _rollup_stmt(metric: str, scope: Scope, dim: Dim):
    """One statement over report_rollup: the months of the period, the scope's units, the course filter."""
    r = ReportRollup
    columns, scales = _rollup_columns(metric)
    stmt = sa.select(*columns).where(r.metric == metric, *_months_of(r, scope))
    stmt, nkeys = _keyed(stmt, r, dim, sa.func.sum(r.n))
    return stmt, nkeys, scales


# The rollups count seats and feedback by the month their session starts in; what a period leaves out of its
# months is taken away when asked: sessions starting after the period's last day, and (attendance) sessions
# not taught yet, which the clock decides.
LEFT_OUT = ("attendance", "satisfaction")


def _left_out_stmt(name: str, scope: Scope, dim: Dim) -> tuple:
    ts = TrainingSession
    if name == "attendance":
        model = SeatStat
        columns = [sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((model.attended, 1), else_=0)), 0)]
        left_out = sa.or_(ts.starts_at >= scope.end, sa.not_(taught_clause(scope.now)))
    else:
        model = FeedbackStat
        columns = [sa.func.count(), *[sa.func.sum(getattr(model, d)) for d in DIMENSIONS]]
        left_out = ts.starts_at >= scope.end
    stmt = (
        sa.select(*columns)
        .select_from(model)
        .join(ts, ts.id == model.session_id)
        .where(left_out, *_months_of(model, scope))
    )
    return _keyed(stmt, model, dim, sa.func.count())


def _less(rows: dict, taken: dict) -> dict:
    """``rows`` less ``taken`` (both {key: [counts and sums]}); keys left with no count go."""
    for key, values in taken.items():
        have = rows.get(key)
        if have is None:
            continue
        rows[key] = [(a or 0) - (b or 0) for a, b in zip(have, values, strict=True)]
        if key is not None and not rows[key][0]:
            del rows[key]
    return rows


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
    return snapshot.remembered(("trend", scope.snapshot_key), lambda: _completion_trend(scope))


def _completion_trend(scope: Scope) -> list[TrendPoint]:
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
