"""Report metrics: every figure the dashboards and exports show, each computed by one grouped SQL query.

A figure is asked for within a :class:`Scope` (the actor's jurisdiction, the period and the other filters,
narrowed to a unit's tree, an enterprise or a trainee) and grouped by a :class:`Dim` (nothing, sub-unit,
enterprise, trainee, course, expert or month). Each function returns ``{key: figures}`` from one statement;
the key is ``None`` for the ungrouped total. The exact definitions (shown on the pages too):

* **Completion rate** = completed enrolments / enrolments, over the enrolments made in the period
(``enrolled_at``), withdrawn ones included; "completed" is the enrolment's status now. * **Result** of a
trainee at a quiz: computed from their graded attempts submitted before the end of the period under the quiz's
grading method (highest, last, first or average attempt), dated by the latest of those attempts. A result is
*in the period* when that date is. * **Pass rate** = results at or above the quiz's pass mark / results, over
the results in the period at quizzes whose purpose is exam or post-test (one result per trainee and quiz).
**Average score** = mean percentage of the same results; the score distribution counts them in ten-point
bands. * **Learning gain**, per trainee and course with both results: the course's pre-test and post-test are
its first non-archived quizzes with those purposes; the pair counts when the post-test result is in the period
(the pre-test result may be older). Mean pre-test %, mean post-test %, mean raw gain in points (post − pre),
and mean normalised gain g = (post − pre) / (100 − pre) over those pairs (each g rounded to eight decimals); a
pre-test of 100% has no g and is left out of that mean only. * **Attendance rate** = registrations marked
present or late / confirmed registrations, for sessions that started in the period and have taken place
(completed, or ended, and not cancelled). * **Satisfaction**: mean of the feedback ratings (1–5) given for
sessions that started in the period, over all four questions, and per question. * **Cultivation funnel**:
cases opened in the period (applied for or nominated; by the case's opening date), and of these the ones whose
audit trail ever reached the key training list, training completed, certification applied for, and certified;
a case that moved on (or was terminated later) still counts in every stage it reached. * **Jurisdiction**:
figures about trainees count the trainees of the enterprises the actor supervises, by the enterprise's
supervising unit; the funnel counts those enterprises' cases. * **Expert**: session figures belong to the
experts assigned to the session; enrolments and results belong to the experts of the non-cancelled sessions of
that course where the trainee had a confirmed seat.

The rules live in ``dimensions``, ``figures``, ``grid``; this module re-exports them so that
``lms.reports.metrics`` keeps every name it had.
"""

from __future__ import annotations

from lms.reports.dimensions import (
    ATTENDED,
    FUNNEL_STAGES,
    GAIN_Q,
    GRADED_PURPOSES,
    HUNDRED,
    RATE_Q,
    RATING_Q,
    SCORE_BANDS,
    SCORE_Q,
    TOTAL,
    Dim,
    Scope,
    _add,
    _add_into,
    _apply_dim,
    _aware,
    _mean,
    _narrowed,
    _number,
    _ratio,
    _rows,
    _taught,
    _taught_by,
    _user_clauses,
    _with_trainees,
    child_of,
    enterprise_clauses,
    expert_ids,
    month_case,
    stored_cover,
    trainee_ids,
)
from lms.reports.figures import (
    _PACK,
    _PERCENT_SCALE,
    DIMENSIONS,
    GAIN_SCALES,
    LEARNING,
    METRICS,
    OUTCOME_SCALES,
    ROLLED_UP,
    ROLLUP_DIMS,
    Attendance,
    Completion,
    Funnel,
    Gain,
    Outcomes,
    Satisfaction,
    TrendPoint,
    _attendance_stmt,
    _band_sums,
    _completion_stmt,
    _figures_of,
    _funnel_stmt,
    _gain_stmt,
    _materialized,
    _opened_in_period,
    _outcomes_stmt,
    _outcomes_stored_stmt,
    _packed_attempt,
    _rollup_columns,
    _rollup_stmt,
    _satisfaction_stmt,
    _unpacked_percent,
    attendance,
    completion,
    completion_trend,
    funnel,
    gain_pairs_select,
    grouped,
    learning_gain,
    outcomes,
    results_select,
    rollup_units,
    satisfaction,
    scale_rows,
    score_distribution,
)
from lms.reports.grid import (
    Figures,
    Grid,
    _assemble,
    figures,
    grid,
    page_statements,
)

__all__ = [
    "ATTENDED",
    "Attendance",
    "Completion",
    "DIMENSIONS",
    "Dim",
    "FUNNEL_STAGES",
    "Figures",
    "Funnel",
    "GAIN_Q",
    "GAIN_SCALES",
    "GRADED_PURPOSES",
    "Gain",
    "Grid",
    "HUNDRED",
    "LEARNING",
    "METRICS",
    "OUTCOME_SCALES",
    "Outcomes",
    "RATE_Q",
    "RATING_Q",
    "ROLLED_UP",
    "ROLLUP_DIMS",
    "SCORE_BANDS",
    "SCORE_Q",
    "Satisfaction",
    "Scope",
    "TOTAL",
    "TrendPoint",
    "_PACK",
    "_PERCENT_SCALE",
    "_add",
    "_add_into",
    "_apply_dim",
    "_assemble",
    "_attendance_stmt",
    "_aware",
    "_band_sums",
    "_completion_stmt",
    "_figures_of",
    "_funnel_stmt",
    "_gain_stmt",
    "_materialized",
    "_mean",
    "_narrowed",
    "_number",
    "_opened_in_period",
    "_outcomes_stmt",
    "_outcomes_stored_stmt",
    "_packed_attempt",
    "_ratio",
    "_rollup_columns",
    "_rollup_stmt",
    "_rows",
    "_satisfaction_stmt",
    "scale_rows",
    "_taught",
    "_taught_by",
    "_unpacked_percent",
    "_user_clauses",
    "_with_trainees",
    "attendance",
    "child_of",
    "completion",
    "completion_trend",
    "enterprise_clauses",
    "expert_ids",
    "figures",
    "funnel",
    "gain_pairs_select",
    "grid",
    "grouped",
    "learning_gain",
    "month_case",
    "outcomes",
    "page_statements",
    "results_select",
    "rollup_units",
    "satisfaction",
    "score_distribution",
    "stored_cover",
    "trainee_ids",
]
