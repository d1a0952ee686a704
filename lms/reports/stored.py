"""Keeping the stored results and rollups (lms.reports.models) equal to the raw records.

Every ORM change to an attempt, an enrolment, a quiz's grading settings, a trainee's role or enterprise, or
an enterprise's supervising unit is noted when the session flushes; just before the transaction commits,
:func:`refresh` recomputes the stored rows those changes touch and applies the difference to the rollups,
in the same transaction. An error there fails the commit, so the attempt (or regrade, mark, withdrawal,
deletion) is rolled back with it: nothing is half-recorded.

:func:`compute` is the one definition of the stored rows from the raw records; :func:`rebuild` writes it
all afresh, and :func:`check` compares it with what is stored, naming the first difference.
Writes that bypass the ORM (Core UPDATE/DELETE of attempts or enrolments, bulk loads) must call
:func:`note` with what they changed, or be followed by ``flask --app lms reports rebuild``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.statements import bound_values, built_once
from lms.courses.models import Enrollment
from lms.database import conflict_insert
from lms.extensions import db
from lms.org.models import Enterprise
from lms.quizzes.gain import pre_post_pairs_select
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.results import as_percent, result_percent
from lms.reports.models import (
    BANDS,
    GAIN_SCALE,
    PERCENT_SCALE,
    ROLLUP_VALUES,
    EnrolmentStat,
    FeedbackStat,
    GainPair,
    QuizResult,
    ReportRollup,
    SeatStat,
)
from lms.sessions.models import FEEDBACK_QUESTIONS, Registration, SessionFeedback, TrainingSession

log = logging.getLogger(__name__)
GRADED_PURPOSES = ("exam", "post_test")
ATTENDED = ("present", "late")
RATINGS = tuple(FEEDBACK_QUESTIONS)  # content, expert, organisation, usefulness: rollup sums s1…s4
_TOUCHED = "lms.reports.touched"
_BUSY = "lms.reports.refreshing"
CHUNK = 500


# -- the definition ----------------------------------------------------------------------------------------


def local_month(moment: datetime) -> str:
    from lms.reports.filters import local_zone

    return moment.astimezone(local_zone()).strftime("%Y-%m")


def percent_e4(value) -> int:
    return int((Decimal(value) * PERCENT_SCALE).to_integral_value(ROUND_HALF_UP))


def gain_e8(pre_e4: int, post_e4: int) -> int | None:
    """The normalised gain (post − pre) / (100 − pre), rounded to 8 decimals, in hundred-millionths."""
    if pre_e4 >= 100 * PERCENT_SCALE:
        return None
    g = Decimal(post_e4 - pre_e4) / Decimal(100 * PERCENT_SCALE - pre_e4)
    return int((g * GAIN_SCALE).to_integral_value(ROUND_HALF_UP))


def band_of(value_e4: int) -> int:
    return min(value_e4 // (10 * PERCENT_SCALE), BANDS - 1)


@dataclass
class Keys:
    """Which stored rows to recompute: a filter on the raw records (None = all)."""

    pairs: set = field(default_factory=set)  # (quiz_id, user_id)
    users: set = field(default_factory=set)  # every row of these users
    quizzes: set = field(default_factory=set)  # every result of these quizzes
    courses: set = field(default_factory=set)  # every gain pair of these courses
    enrollments: set = field(default_factory=set)  # enrolment ids
    registrations: set = field(default_factory=set)  # registration ids (seats)
    sessions: set = field(default_factory=set)  # every seat and feedback of these training sessions
    feedback: set = field(default_factory=set)  # session feedback ids

    def __bool__(self) -> bool:
        return bool(
            self.pairs
            or self.users
            or self.quizzes
            or self.courses
            or self.enrollments
            or self.registrations
            or self.sessions
            or self.feedback
        )


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _units(session, user_ids=None) -> dict:
    """{user id: the unit their rows count under} for trainees of an enterprise."""
    stmt = (
        sa.select(User.id, Enterprise.unit_id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(User.role == "trainee")
    )
    out = {}
    if user_ids is None:
        return dict(session.execute(stmt).all())
    for chunk in _chunks(user_ids):
        out.update(session.execute(stmt.where(User.id.in_(chunk))).all())
    return out


def _result_row(quiz, user_id, unit_id, graded) -> dict:
    percent = result_percent(quiz.grading_method, [(n, p) for n, p, _at in graded])
    return _row_of(quiz, user_id, unit_id, len(graded), percent, max(at for _n, _p, at in graded))


def _row_of(quiz, user_id, unit_id, attempts: int, percent: Decimal, last_at: datetime) -> dict:
    return {
        "quiz_id": quiz.id,
        "user_id": user_id,
        "course_id": quiz.course_id,
        "purpose": quiz.purpose,
        "unit_id": unit_id,
        "attempts": attempts,
        "percent_e4": percent_e4(percent),
        "passed": percent >= Decimal(quiz.pass_mark),
        "last_at": last_at,
        "month": local_month(last_at),
    }


def _filter_specs(keys: Keys | None) -> list[dict]:
    """The pairs, users and quizzes of ``keys`` as filters {column: ids} (one per statement)."""
    if keys is None:
        return [{}]
    out = []
    if keys.pairs:
        by_user = defaultdict(set)
        for quiz_id, user_id in keys.pairs:
            by_user[user_id].add(quiz_id)
        for chunk in _chunks(by_user):
            quizzes = set().union(*(by_user[u] for u in chunk))
            out.append({"user_id": chunk, "quiz_id": sorted(quizzes)})
    for chunk in _chunks(keys.users):
        out.append({"user_id": chunk})
    for chunk in _chunks(keys.quizzes, 50):
        out.append({"quiz_id": chunk})
    return out


def _where(model, spec: dict) -> list:
    return [getattr(model, column).in_(list(values)) for column, values in spec.items()]


def _wanted(keys: Keys | None, quiz_id: int, user_id: int) -> bool:
    return (
        keys is None or (quiz_id, user_id) in keys.pairs or user_id in keys.users or quiz_id in keys.quizzes
    )


def compute_results(session, keys: Keys | None = None) -> dict:
    """{(quiz_id, user_id): row} of quiz_result as the raw attempts give it (one statement per chunk of
    keys: the attempts with their quiz's settings and their trainee's unit).

    Every result (``keys`` None: a rebuild, ``reports check``) reads each graded attempt and totals them here;
    the results of a few keys (a submission) are totalled by the database, one row per (quiz, trainee)
    however many attempts they took (:func:`_totalled_results`). The suite compares the two."""
    if keys is not None:
        return _totalled_results(session, keys)
    unit = _trainee_unit()
    graded: dict = defaultdict(list)
    quizzes, units, seen = {}, {}, set()
    for spec in _filter_specs(keys):
        stmt = (
            sa.select(
                Attempt.id,
                Attempt.quiz_id,
                Attempt.user_id,
                Attempt.number,
                Attempt.percent,
                Attempt.submitted_at,
                Quiz.course_id,
                Quiz.purpose,
                Quiz.grading_method,
                Quiz.pass_mark,
                unit.label("unit_id"),
            )
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .join(User, User.id == Attempt.user_id)
            .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
            .where(Attempt.status == "graded", Attempt.percent.is_not(None), *_where(Attempt, spec))
        )
        # Streamed when every result is computed; a few keys' attempts are read at once (a server-side
        # cursor would cost two more round trips on every submission).
        rows = session.execute(stmt.execution_options(yield_per=20000) if keys is None else stmt)
        for row in rows:
            if row.id not in seen and _wanted(keys, row.quiz_id, row.user_id):
                seen.add(row.id)
                graded[(row.quiz_id, row.user_id)].append((row.number, row.percent, row.submitted_at))
                if row.quiz_id not in quizzes:
                    quizzes[row.quiz_id] = _QuizInfo(
                        row.quiz_id, row.course_id, row.purpose, row.grading_method, row.pass_mark
                    )
                units[row.user_id] = row.unit_id
    return {
        (quiz_id, user_id): _result_row(quizzes[quiz_id], user_id, units.get(user_id), rows)
        for (quiz_id, user_id), rows in graded.items()
    }


def _totalled_results(session, keys: Keys) -> dict:
    """compute_results for a few keys: per (quiz, trainee) the database gives the number of graded attempts,
    the latest submission, the highest percentage, the sum of the percentages and the first and the last
    attempt's percentage; the grading method picks one. One aggregate over the pair's attempts, no join back
    to them: percentages are summed as exact integers in ten-thousandths (SQLite would sum floats), and the
    first and last attempt are found as the least and greatest of number × 10⁷ + percentage in ten-thousandths
    (a percentage is at most 1,000,000 of those)."""
    out = {}
    for spec in _filter_specs(keys):
        stmt = _totals_statement(tuple(sorted(spec)))
        params = {column: list(values) for column, values in spec.items()}
        for row in session.execute(stmt, params):
            if not _wanted(keys, row.quiz_id, row.user_id):
                continue
            quiz = _QuizInfo(row.quiz_id, row.course_id, row.purpose, row.grading_method, row.pass_mark)
            if quiz.grading_method == "highest":
                value = Decimal(row.highest)
            elif quiz.grading_method == "average":
                value = Decimal(int(row.sum_e4)) / PERCENT_SCALE / row.attempts
            else:
                value = Decimal(int(row.first if quiz.grading_method == "first" else row.last) % _PACK)
                value /= PERCENT_SCALE
            out[(row.quiz_id, row.user_id)] = _row_of(
                quiz, row.user_id, row.unit_id, row.attempts, as_percent(value), row.last_at
            )
    return out


_PACK = 10_000_000  # > 100 % in ten-thousandths


@built_once
def _totals_statement(columns: tuple[str, ...]) -> sa.Select:
    """The statement of :func:`_totalled_results` filtered on ``columns`` (lists of ids given as parameters of
    the same names), built once: building it costs more than running it for one submission. Of the tables, not
    the models: the ORM's handling of a statement of its entities' columns cost more than running it."""
    attempt, quiz, user, enterprise = (m.__table__ for m in (Attempt, Quiz, User, Enterprise))
    e4 = sa.cast(sa.func.round(attempt.c.percent * PERCENT_SCALE), sa.BigInteger)
    packed = sa.cast(attempt.c.number, sa.BigInteger) * _PACK + e4
    g = (
        sa.select(
            attempt.c.quiz_id,
            attempt.c.user_id,
            sa.func.count(attempt.c.id).label("attempts"),
            sa.func.max(attempt.c.submitted_at).label("last_at"),
            sa.func.max(attempt.c.percent).label("highest"),
            sa.func.sum(e4).label("sum_e4"),
            sa.func.min(packed).label("first"),
            sa.func.max(packed).label("last"),
        )
        .where(
            attempt.c.status == "graded",
            attempt.c.percent.is_not(None),
            *[attempt.c[c].in_(sa.bindparam(c, expanding=True)) for c in columns],
        )
        .group_by(attempt.c.quiz_id, attempt.c.user_id)
        .subquery("graded")
    )
    return (
        sa.select(
            g,
            quiz.c.course_id,
            quiz.c.purpose,
            quiz.c.grading_method,
            quiz.c.pass_mark,
            _trainee_unit(user.c, enterprise.c).label("unit_id"),
        )
        .join(quiz, quiz.c.id == g.c.quiz_id)
        .join(user, user.c.id == g.c.user_id)
        .outerjoin(enterprise, enterprise.c.id == user.c.enterprise_id)
    )


@dataclass
class _QuizInfo:
    id: int
    course_id: int
    purpose: str
    grading_method: str
    pass_mark: Decimal


def designations(session, course_ids=None) -> dict:
    """{course_id: (pre-test quiz id, post-test quiz id)} for courses with both."""
    return {
        r.course_id: (r.pre_quiz_id, r.post_quiz_id)
        for r in session.execute(pre_post_pairs_select(None if course_ids is None else list(course_ids)))
    }


def compute_gains(session, results: dict, designation: dict, units: dict, wanted=None) -> dict:
    """{(course_id, user_id): row} of gain_pair from the results (all of them, or the ``wanted`` keys)."""
    by_quiz_user = results
    out = {}
    users_by_course: dict = defaultdict(set)
    if wanted is None:
        for (_quiz_id, user_id), row in results.items():
            users_by_course[row["course_id"]].add(user_id)
        candidates = [(c, u) for c, users in users_by_course.items() for u in users]
    else:
        candidates = list(wanted)
    for course_id, user_id in candidates:
        if course_id not in designation:
            continue
        pre_q, post_q = designation[course_id]
        pre, post = by_quiz_user.get((pre_q, user_id)), by_quiz_user.get((post_q, user_id))
        if pre is None or post is None:
            continue
        out[(course_id, user_id)] = {
            "course_id": course_id,
            "user_id": user_id,
            "pre_quiz_id": pre_q,
            "post_quiz_id": post_q,
            "unit_id": units.get(user_id),
            "pre_e4": pre["percent_e4"],
            "post_e4": post["percent_e4"],
            "g_e8": gain_e8(pre["percent_e4"], post["percent_e4"]),
            "post_at": post["last_at"],
            "month": post["month"],
        }
    return out


def _enrolment_row(row, unit_id) -> dict:
    completed = row.status == "completed" and row.completed_at is not None
    return {
        "enrollment_id": row.id,
        "user_id": row.user_id,
        "course_id": row.course_id,
        "unit_id": unit_id,
        "status": row.status,
        "enrolled_month": local_month(row.enrolled_at),
        "completed_month": local_month(row.completed_at) if completed else None,
    }


def compute_enrolments(session, enrollment_ids=None, user_ids=None) -> dict:
    stmt = sa.select(
        Enrollment.id,
        Enrollment.user_id,
        Enrollment.course_id,
        Enrollment.status,
        Enrollment.enrolled_at,
        Enrollment.completed_at,
    )
    rows = []
    if enrollment_ids is None and user_ids is None:
        rows = list(session.execute(stmt.execution_options(yield_per=20000)))
    else:
        for chunk in _chunks(enrollment_ids or ()):
            rows += session.execute(stmt.where(Enrollment.id.in_(chunk))).all()
        for chunk in _chunks(user_ids or ()):
            rows += session.execute(stmt.where(Enrollment.user_id.in_(chunk))).all()
    units = _units(
        session, None if enrollment_ids is None and user_ids is None else {r.user_id for r in rows}
    )
    return {r.id: _enrolment_row(r, units.get(r.user_id)) for r in rows}


def _trainee_unit(user=User, enterprise=Enterprise):
    """The unit a person's results count for: their enterprise's, for a trainee (``user`` and ``enterprise``:
    the models, or the tables' columns ``.c``)."""
    return sa.case((user.role == "trainee", enterprise.unit_id), else_=sa.null())


def _selected(session, stmt, *filters: tuple) -> list:
    """Rows of ``stmt`` for every (column, ids) filter, a chunk of ids per statement; every row when no filter
    gives ids (all None)."""
    if all(ids is None for _column, ids in filters):
        return list(session.execute(stmt.execution_options(yield_per=20000)))
    rows = []
    for column, ids in filters:
        for chunk in _chunks(ids or ()):
            rows += session.execute(stmt.where(column.in_(chunk))).all()
    return rows


def _session_fact(r) -> dict:
    """What a seat and a feedback response are counted by: trainee, session, course, unit, local month."""
    return {
        "user_id": r.user_id,
        "session_id": r.session_id,
        "course_id": r.course_id,
        "unit_id": r.unit_id,
        "month": local_month(r.starts_at),
    }


def compute_seats(session, registration_ids=None, session_ids=None, user_ids=None) -> dict:
    """{registration id: seat_stat row}: confirmed seats at sessions not cancelled (all, or those of the given
    registrations, sessions and users)."""
    stmt = (
        sa.select(
            Registration.id,
            Registration.user_id,
            Registration.session_id,
            Registration.attendance,
            TrainingSession.course_id,
            TrainingSession.starts_at,
            _trainee_unit().label("unit_id"),
        )
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
        .where(Registration.status == "confirmed", TrainingSession.status != "cancelled")
    )
    rows = _selected(
        session,
        stmt,
        (Registration.id, registration_ids),
        (Registration.session_id, session_ids),
        (Registration.user_id, user_ids),
    )
    return {
        r.id: {"registration_id": r.id, **_session_fact(r), "attended": r.attendance in ATTENDED}
        for r in rows
    }


def compute_feedback(session, feedback_ids=None, session_ids=None, user_ids=None) -> dict:
    """{feedback id: feedback_stat row}: every response (all, or those of the given responses, sessions and
    users), counted in the month its session starts in."""
    stmt = (
        sa.select(
            SessionFeedback.id,
            Registration.user_id,
            SessionFeedback.session_id,
            TrainingSession.course_id,
            TrainingSession.starts_at,
            _trainee_unit().label("unit_id"),
            *[getattr(SessionFeedback, name) for name in RATINGS],
        )
        .join(Registration, Registration.id == SessionFeedback.registration_id)
        .join(TrainingSession, TrainingSession.id == SessionFeedback.session_id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
    )
    rows = _selected(
        session,
        stmt,
        (SessionFeedback.id, feedback_ids),
        (SessionFeedback.session_id, session_ids),
        (Registration.user_id, user_ids),
    )
    return {
        r.id: {"feedback_id": r.id, **_session_fact(r), **{name: getattr(r, name) for name in RATINGS}}
        for r in rows
    }


# -- rollup contributions ----------------------------------------------------------------------------------


def _zero() -> dict:
    return dict.fromkeys(ROLLUP_VALUES, 0)


def contributions(kind: str, row: dict) -> list[tuple[tuple, dict]]:
    """[((metric, unit, course, month), {column: amount})] that one stored row adds to the rollups."""
    if row["unit_id"] is None:
        return []
    if kind == "result":
        if row["purpose"] not in GRADED_PURPOSES:
            return []
        values = {"n": 1, "n2": int(bool(row["passed"])), "s1": row["percent_e4"]}
        values[f"b{band_of(row['percent_e4'])}"] = 1
        return [(("results", row["unit_id"], row["course_id"], row["month"]), values)]
    if kind == "gain":
        g = row["g_e8"]
        values = {
            "n": 1,
            "s1": row["pre_e4"],
            "s2": row["post_e4"],
            "n2": int(g is not None),
            "s3": g or 0,
        }
        return [(("gain", row["unit_id"], row["course_id"], row["month"]), values)]
    if kind == "seat":
        values = {"n": 1, "n2": int(bool(row["attended"]))}
        return [(("attendance", row["unit_id"], row["course_id"], row["month"]), values)]
    if kind == "feedback":
        values = {"n": 1, **{f"s{i}": row[name] for i, name in enumerate(RATINGS, start=1)}}
        return [(("satisfaction", row["unit_id"], row["course_id"], row["month"]), values)]
    out = [
        (
            ("enrolled", row["unit_id"], row["course_id"], row["enrolled_month"]),
            {"n": 1, "n2": int(row["status"] == "completed")},
        )
    ]
    if row["completed_month"] is not None:
        out.append((("completed", row["unit_id"], row["course_id"], row["completed_month"]), {"n": 1}))
    return out


def _accumulate(totals: dict, kind: str, row: dict, sign: int) -> None:
    for key, values in contributions(kind, row):
        cell = totals.setdefault(key, _zero())
        for column, amount in values.items():
            cell[column] += sign * amount


def compute_rollups(results: dict, gains: dict, enrolments: dict, seats: dict, feedback: dict) -> dict:
    totals: dict = {}
    for kind, rows in (
        ("result", results),
        ("gain", gains),
        ("enrolment", enrolments),
        ("seat", seats),
        ("feedback", feedback),
    ):
        for row in rows.values():
            _accumulate(totals, kind, row, 1)
    return {key: cell for key, cell in totals.items() if any(cell.values())}


# -- writing -----------------------------------------------------------------------------------------------


def apply_rollup_deltas(session, deltas: dict) -> None:
    """Add ``deltas`` to the rollup rows (creating them), in a stable order (no deadlocks between
    transactions adding to the same rows)."""
    table = ReportRollup.__table__
    for key in sorted(deltas):
        cell = deltas[key]
        if not any(cell.values()):
            continue
        metric, unit_id, course_id, month = key
        stmt = conflict_insert(ReportRollup, session.get_bind().dialect.name).values(
            metric=metric, unit_id=unit_id, course_id=course_id, month=month, **cell
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["metric", "unit_id", "course_id", "month"],
            set_={c: table.c[c] + stmt.excluded[c] for c in ROLLUP_VALUES if cell[c]},
        )
        session.execute(stmt)


def _key_clause(model, columns: tuple[str, ...], keys: list[tuple]) -> sa.ColumnElement[bool]:
    return sa.tuple_(*[getattr(model, c) for c in columns]).in_(keys)


def _sync(session, model, columns: tuple[str, ...], old: dict, new: dict, kind: str, deltas: dict) -> list:
    """Write ``new`` over ``old`` (both {key: row}); add the difference to ``deltas``; return changed keys."""
    changed = []
    for key in set(old) | set(new):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        changed.append(key)
        if before is not None:
            _accumulate(deltas, kind, before, -1)
        if after is not None:
            _accumulate(deltas, kind, after, 1)
    if not changed:
        return changed
    gone = [k for k in changed if k not in new]
    for chunk in _chunks(gone):
        session.execute(sa.delete(model).where(_key_clause(model, columns, chunk)))
    fresh = [new[k] for k in changed if k in new]
    if len(fresh) == 1:  # a submission's result: a statement built once, the row as its parameters
        dialect = session.get_bind().dialect.name
        session.execute(_upsert_one(dialect, model, columns, tuple(fresh[0])), fresh[0])
        return changed
    for chunk in _chunks(fresh, 1000):
        stmt = conflict_insert(model, session.get_bind().dialect.name).values(chunk)
        session.execute(_upsert(stmt, columns, chunk[0]))
    return changed


def _upsert(stmt, columns: tuple[str, ...], row) -> sa.Insert:
    """``stmt`` (an INSERT of rows like ``row``) writing over the stored row of the same ``columns``."""
    return stmt.on_conflict_do_update(
        index_elements=list(columns), set_={c: stmt.excluded[c] for c in row if c not in columns}
    )


@built_once
def _upsert_one(dialect: str, model, columns: tuple[str, ...], names: tuple[str, ...]) -> sa.Insert:
    # Into the table, not the model: the ORM's bulk INSERT machinery cost more than the statement.
    stmt = conflict_insert(model.__table__, dialect).values(bound_values(model.__table__, names))
    return _upsert(stmt, columns, names)


def _stored(session, model, specs: list[dict]) -> list[dict]:
    """The stored rows of ``model`` matching each {column: ids} of ``specs``, as dicts."""
    out = []
    for spec in specs:
        # Core rows, not ORM objects: an object already in the session's identity map would be returned
        # as it was loaded, not as the table now holds it.
        params = {column: list(values) for column, values in spec.items()}
        stmt = _stored_statement(model.__table__, tuple(sorted(spec)))
        out += [dict(row._mapping) for row in session.execute(stmt, params)]
    return out


@built_once
def _stored_statement(table: sa.Table, columns: tuple[str, ...]) -> sa.Select:
    return sa.select(table).where(*[table.c[c].in_(sa.bindparam(c, expanding=True)) for c in columns])


def refresh(session, keys: Keys) -> None:
    """Recompute the stored rows ``keys`` touch and move the rollups by the difference."""
    deltas: dict = {}
    # Results
    if keys.pairs or keys.users or keys.quizzes:
        new = compute_results(session, keys)
        old_rows = _stored(session, QuizResult, _filter_specs(keys))
        old = {(r["quiz_id"], r["user_id"]): r for r in old_rows if _wanted(keys, r["quiz_id"], r["user_id"])}
        changed = _sync(session, QuizResult, ("quiz_id", "user_id"), old, new, "result", deltas)
        # Only pre- and post-test results make gain pairs.
        affected_gain = {
            (row["course_id"], key[1])
            for key in changed
            for row in (old.get(key), new.get(key))
            if row is not None and row["purpose"] in ("pre_test", "post_test")
        }
    else:
        affected_gain = set()
    # Gain pairs: the (course, user) pairs whose results changed, every pair of the courses whose pre- or
    # post-test designation may have changed, and every pair of the users whose unit may have changed.
    if affected_gain or keys.courses or keys.users:
        old_rows = []
        for chunk in _chunks(keys.users):
            old_rows += _stored(session, GainPair, [{"user_id": chunk}])
        for chunk in _chunks(keys.courses, 50):
            old_rows += _stored(session, GainPair, [{"course_id": chunk}])
        by_user = defaultdict(set)
        for c, u in affected_gain:
            by_user[u].add(c)
        for chunk in _chunks(by_user):
            courses = set().union(*(by_user[u] for u in chunk))
            old_rows += _stored(session, GainPair, [{"user_id": chunk, "course_id": courses}])
        wanted = set(affected_gain) | {(r["course_id"], r["user_id"]) for r in old_rows}
        # The results the pairs are made of, as now stored.
        designation = designations(session)
        result_rows = []
        for chunk in _chunks(keys.courses, 50):
            quiz_ids = [q for c in chunk if c in designation for q in designation[c]]
            if quiz_ids:
                result_rows += _stored(session, QuizResult, [{"quiz_id": quiz_ids}])
        users = {u for _c, u in wanted} | set(keys.users)
        for chunk in _chunks(users):
            result_rows += _stored(session, QuizResult, [{"user_id": chunk}])
        results = {(r["quiz_id"], r["user_id"]): r for r in result_rows}
        for key, row in results.items():
            if row["course_id"] in keys.courses or key[1] in keys.users:
                wanted.add((row["course_id"], key[1]))
        units = _units(session, {u for _c, u in wanted})
        new = compute_gains(session, results, designation, units, wanted)
        old = {(r["course_id"], r["user_id"]): r for r in old_rows}
        old = {k: v for k, v in old.items() if k in wanted}
        _sync(session, GainPair, ("course_id", "user_id"), old, new, "gain", deltas)
    # Enrolments
    if keys.enrollments or keys.users:
        new = compute_enrolments(session, keys.enrollments, keys.users)
        old_rows = []
        for chunk in _chunks(keys.enrollments):
            old_rows += _stored(session, EnrolmentStat, [{"enrollment_id": chunk}])
        for chunk in _chunks(keys.users):
            old_rows += _stored(session, EnrolmentStat, [{"user_id": chunk}])
        old = {r["enrollment_id"]: r for r in old_rows}
        _sync_enrolments(session, old, new, deltas)
    # Seats and feedback
    if keys.registrations or keys.sessions or keys.users:
        _refresh_by_id(session, SeatStat, "registration_id", compute_seats, keys.registrations, keys, deltas)
    if keys.feedback or keys.sessions or keys.users:
        _refresh_by_id(session, FeedbackStat, "feedback_id", compute_feedback, keys.feedback, keys, deltas)
    apply_rollup_deltas(session, deltas)


def _refresh_by_id(session, model, id_col: str, compute, ids: set, keys: Keys, deltas: dict) -> None:
    """Recompute the stored rows of ``model`` (one per raw row, keyed by ``id_col``) of these raw rows and of
    the sessions and users ``keys`` names; move the rollups by the difference."""
    old_rows = []
    for column, values in ((id_col, ids), ("session_id", keys.sessions), ("user_id", keys.users)):
        for chunk in _chunks(values):
            old_rows += _stored(session, model, [{column: chunk}])
    old = {r[id_col]: r for r in old_rows}
    new = compute(session, set(ids) | set(old), keys.sessions, keys.users)
    for chunk in _chunks(set(new) - set(old)):  # a raw row now of these sessions or users, stored before
        for r in _stored(session, model, [{id_col: chunk}]):
            old[r[id_col]] = r
    _sync(
        session,
        model,
        (id_col,),
        {(k,): v for k, v in old.items()},
        {(k,): v for k, v in new.items()},
        "seat" if model is SeatStat else "feedback",
        deltas,
    )


def _sync_enrolments(session, old: dict, new: dict, deltas: dict) -> None:
    _sync(
        session,
        EnrolmentStat,
        ("enrollment_id",),
        {(k,): v for k, v in old.items()},
        {(k,): v for k, v in new.items()},
        "enrolment",
        deltas,
    )


# -- noticing changes --------------------------------------------------------------------------------------

_ATTEMPT_FIELDS = ("status", "percent", "submitted_at", "number", "quiz_id", "user_id")
_ENROLMENT_FIELDS = ("status", "completed_at", "enrolled_at", "course_id", "user_id")
_QUIZ_FIELDS = ("grading_method", "pass_mark", "purpose", "course_id", "archived")
_REGISTRATION_FIELDS = ("status", "attendance", "user_id", "session_id")
_FEEDBACK_FIELDS = ("registration_id", "session_id", *RATINGS)
_SESSION_FIELDS = ("status", "starts_at", "course_id")


def touched(session) -> Keys:
    if _TOUCHED not in session.info:
        session.info[_TOUCHED] = Keys()
    return session.info[_TOUCHED]


def note(
    session=None,
    *,
    pairs=(),
    users=(),
    quizzes=(),
    courses=(),
    enrollments=(),
    registrations=(),
    sessions=(),
    feedback=(),
) -> None:
    """Record that raw rows changed outside the ORM; the stored rows follow at commit."""
    keys = touched(session if session is not None else db.session())
    keys.pairs.update(pairs)
    keys.users.update(users)
    keys.quizzes.update(quizzes)
    keys.courses.update(courses)
    keys.enrollments.update(enrollments)
    keys.registrations.update(registrations)
    keys.sessions.update(sessions)
    keys.feedback.update(feedback)


def note_attempt(session, attempt: Attempt, status_before, percent_before) -> None:
    """An attempt's status or percentage written outside the unit of work (a Core UPDATE): note its
    (quiz, trainee) result as :func:`_before_flush` would have, if the attempt counts now or did before."""
    if _counts(attempt.status, attempt.percent) or _counts(status_before, percent_before):
        touched(session).pairs.add((attempt.quiz_id, attempt.user_id))


def _changed(obj, fields) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _old(obj, name):
    history = sa.inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else getattr(obj, name)


def _counts(status, percent) -> bool:
    """Whether an attempt in this state is part of its (quiz, trainee) result (what compute_results reads)."""
    return status == "graded" and percent is not None


def _attempt_counts_now_or_before(obj, is_new: bool) -> bool:
    """An attempt that is not part of its result, before or after this flush, cannot change it: starting one,
    saving its answers or claiming it for grading leaves the stored result as it is."""
    if _counts(obj.status, obj.percent):
        return True
    return not is_new and _counts(_old(obj, "status"), _old(obj, "percent"))


def _note_row(session, ids: set, obj) -> None:
    """Note a raw row by its id; a new one's id is known after the flush (taken at commit)."""
    if obj.id is not None:
        ids.add(obj.id)
    else:
        session.info.setdefault(_TOUCHED + ".new", []).append((ids, obj))


def _before_flush(session: Session, flush_context, instances) -> None:
    if session.info.get(_BUSY):
        return
    keys = None
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        is_new, is_deleted = obj in session.new, obj in session.deleted
        if isinstance(obj, Attempt):
            if (is_new or is_deleted or _changed(obj, _ATTEMPT_FIELDS)) and _attempt_counts_now_or_before(
                obj, is_new
            ):
                keys = keys or touched(session)
                keys.pairs.add((obj.quiz_id, obj.user_id))
                keys.pairs.add((_old(obj, "quiz_id"), _old(obj, "user_id")))
        elif isinstance(obj, Enrollment):
            if is_new or is_deleted or _changed(obj, _ENROLMENT_FIELDS):
                keys = keys or touched(session)
                _note_row(session, keys.enrollments, obj)
        elif isinstance(obj, Registration):
            if is_new or is_deleted or _changed(obj, _REGISTRATION_FIELDS):
                keys = keys or touched(session)
                _note_row(session, keys.registrations, obj)
        elif isinstance(obj, SessionFeedback):
            if is_new or is_deleted or _changed(obj, _FEEDBACK_FIELDS):
                keys = keys or touched(session)
                _note_row(session, keys.feedback, obj)
        elif isinstance(obj, TrainingSession):
            if not is_new and (is_deleted or _changed(obj, _SESSION_FIELDS)):
                keys = keys or touched(session)
                keys.sessions.add(obj.id)
        elif isinstance(obj, Quiz):
            if is_new or is_deleted or _changed(obj, _QUIZ_FIELDS):
                keys = keys or touched(session)
                if obj.id is not None:
                    keys.quizzes.add(obj.id)
                keys.courses.add(obj.course_id)
                keys.courses.add(_old(obj, "course_id"))
        elif isinstance(obj, User):
            if not is_new and (is_deleted or _changed(obj, ("role", "enterprise_id"))):
                keys = keys or touched(session)
                keys.users.add(obj.id)
        elif isinstance(obj, Enterprise):
            if not is_new and (is_deleted or _changed(obj, ("unit_id",))):
                keys = keys or touched(session)
                keys.users.update(
                    session.execute(sa.select(User.id).where(User.enterprise_id == obj.id)).scalars()
                )


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY) or session.get_nested_transaction() is not None:
        return  # a savepoint's release: the outermost commit refreshes what the whole transaction touched
    if session.new or session.dirty or session.deleted:
        session.flush()  # notes what this last flush changes
    keys = session.info.pop(_TOUCHED, None)
    if keys is None:
        return
    for ids, obj in session.info.pop(_TOUCHED + ".new", []):
        if obj.id is not None:
            ids.add(obj.id)
    keys.pairs.discard((None, None))
    keys.pairs = {(q, u) for q, u in keys.pairs if q is not None and u is not None}
    for ids in (keys.courses, keys.users, keys.registrations, keys.feedback, keys.sessions):
        ids.discard(None)
    if not keys:
        return
    session.info[_BUSY] = True
    try:
        refresh(session, keys)
        session.flush()
    finally:
        session.info.pop(_BUSY, None)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return
    session.info.pop(_TOUCHED, None)
    session.info.pop(_TOUCHED + ".new", None)


sa.event.listen(Session, "before_flush", _before_flush)
# First among the commit hooks, before the ledger seals its pending entries: the stored rows are written
# while other writers may still run, not under the ledger lock.
sa.event.listen(Session, "before_commit", _before_commit, insert=True)
sa.event.listen(Session, "after_soft_rollback", _after_soft_rollback)


# -- rebuild and check -------------------------------------------------------------------------------------


@dataclass
class Computed:
    """Every stored row as the raw records give it."""

    results: dict
    gains: dict
    enrolments: dict
    seats: dict
    feedback: dict
    rollups: dict


def compute_all(session) -> Computed:
    results = compute_results(session)
    units = _units(session)
    gains = compute_gains(session, results, designations(session), units)
    enrolments = compute_enrolments(session)
    seats, feedback = compute_seats(session), compute_feedback(session)
    return Computed(
        results,
        gains,
        enrolments,
        seats,
        feedback,
        compute_rollups(results, gains, enrolments, seats, feedback),
    )


STORED_TABLES = (ReportRollup, GainPair, QuizResult, EnrolmentStat, SeatStat, FeedbackStat)


def rebuild(session) -> dict:
    """Rewrite every stored row and rollup from the raw records (one transaction, the caller commits)."""
    c = compute_all(session)
    log.info(
        "rebuild: %s results, %s gain pairs, %s enrolments, %s seats, %s feedback responses computed",
        len(c.results),
        len(c.gains),
        len(c.enrolments),
        len(c.seats),
        len(c.feedback),
    )
    session.info[_BUSY] = True
    try:
        for model in STORED_TABLES:
            session.execute(sa.delete(model))
        rollup_rows = [
            {"metric": k[0], "unit_id": k[1], "course_id": k[2], "month": k[3], **cell}
            for k, cell in c.rollups.items()
        ]
        for model, rows in (
            (QuizResult, list(c.results.values())),
            (GainPair, list(c.gains.values())),
            (EnrolmentStat, list(c.enrolments.values())),
            (SeatStat, list(c.seats.values())),
            (FeedbackStat, list(c.feedback.values())),
            (ReportRollup, rollup_rows),
        ):
            connection = session.connection()
            for chunk in _chunks(rows, 5000):
                connection.execute(model.__table__.insert(), chunk)  # Core: no per-row ORM work
        session.info.pop(_TOUCHED, None)
    finally:
        session.info.pop(_BUSY, None)
    return {
        "results": len(c.results),
        "gain pairs": len(c.gains),
        "enrolments": len(c.enrolments),
        "seats": len(c.seats),
        "feedback responses": len(c.feedback),
        "rollup rows": len(c.rollups),
    }


class Difference(Exception):
    pass


def _compare(name: str, expected: dict, stored: dict, describe) -> None:
    for key in sorted(set(expected) | set(stored), key=repr):
        want, have = expected.get(key), stored.get(key)
        if want == have:
            continue
        if want is None:
            raise Difference(f"{name} {describe(key)}: stored but the raw records give none ({have})")
        if have is None:
            raise Difference(f"{name} {describe(key)}: missing (the raw records give {want})")
        fields = [f for f in want if want[f] != have.get(f)]
        field_name = fields[0] if fields else "?"
        raise Difference(
            f"{name} {describe(key)}: {field_name} is {have.get(field_name)!r}, "
            f"the raw records give {want.get(field_name)!r}"
        )


def check(session) -> dict:
    """Recompute everything from the raw records and compare; raise :class:`Difference` naming the first
    one, or return the counts compared."""
    c = compute_all(session)

    def load(model, key_columns):
        out = {}
        for row in (dict(r._mapping) for r in session.execute(sa.select(model.__table__))):
            out[tuple(row[c] for c in key_columns)] = row
        return out

    _compare(
        "quiz result",
        c.results,
        load(QuizResult, ("quiz_id", "user_id")),
        lambda k: f"(quiz {k[0]}, user {k[1]})",
    )
    _compare(
        "gain pair",
        c.gains,
        load(GainPair, ("course_id", "user_id")),
        lambda k: f"(course {k[0]}, user {k[1]})",
    )
    _compare(
        "enrolment",
        {(k,): v for k, v in c.enrolments.items()},
        load(EnrolmentStat, ("enrollment_id",)),
        lambda k: f"{k[0]}",
    )
    _compare(
        "seat",
        {(k,): v for k, v in c.seats.items()},
        load(SeatStat, ("registration_id",)),
        lambda k: f"(registration {k[0]})",
    )
    _compare(
        "feedback response",
        {(k,): v for k, v in c.feedback.items()},
        load(FeedbackStat, ("feedback_id",)),
        lambda k: f"{k[0]}",
    )
    stored_rollups = {}
    for row in session.execute(sa.select(ReportRollup.__table__)):
        cell = {c: int(getattr(row, c)) for c in ROLLUP_VALUES}
        if any(cell.values()):
            stored_rollups[(row.metric, row.unit_id, row.course_id, row.month)] = cell
    _compare("rollup", c.rollups, stored_rollups, lambda k: f"({k[0]}, unit {k[1]}, course {k[2]}, {k[3]})")
    return {
        "quiz results": len(c.results),
        "gain pairs": len(c.gains),
        "enrolments": len(c.enrolments),
        "seats": len(c.seats),
        "feedback responses": len(c.feedback),
        "rollup rows": len(c.rollups),
    }
