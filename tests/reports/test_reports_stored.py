"""Stored results and rollups (lms.reports.stored) stay equal to recomputation from the raw records.

Random sequences of attempts, regrading, manual marking, grading-setting changes, withdrawals, completions,
deletions, moves of trainees and enterprises, seats, attendance marks, feedback, and sessions cancelled,
moved (into the future: not yet taught) and deleted are applied to the hand-computed data set; after each few
steps ``reports check`` passes and every figure read from the rollups or the stored rows equals the figure
computed from the raw attempts, for several actors, periods and filters and every grouping.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.courses.models import Enrollment
from lms.quizzes.models import Attempt, Quiz
from lms.reports import metrics, stored
from lms.reports.filters import Filters
from lms.reports.metrics import Dim, Scope
from lms.reports.models import GainPair, QuizResult, ReportRollup
from lms.reports.permissions import root_unit
from lms.sessions.models import Registration, SessionFeedback, TrainingSession
from tests.reports.conftest import at

FUTURE_END = date(2027, 12, 31)  # after every generated attempt: the stored rows answer
FILTERS = [
    Filters(preset="custom", start=date(2025, 1, 1), end=FUTURE_END),  # whole months: rollups
    Filters(preset="custom", start=date(2025, 4, 1), end=FUTURE_END),
    Filters(preset="custom", start=date(2025, 3, 15), end=FUTURE_END),  # mid-month: stored rows
    # Rollups to a mid-month end: sessions later in June 2027 are taken away, as are those not yet taught.
    Filters(preset="custom", start=date(2025, 1, 1), end=date(2027, 6, 15)),
]
DIMS = ("total", "unit", "course", "month", "enterprise", "trainee", "expert")
LEARNING = ("completion", "outcomes", "gain", "attendance", "satisfaction")
EXACT = Decimal("0.000001")


def _same(a, b) -> bool:
    if a is None or b is None:
        return (a or 0) == (b or 0)
    return abs(Decimal(str(a)) - Decimal(str(b))) <= EXACT


def _compare_figures(demo, data, where: str) -> None:
    """Every learning figure from the stored rows / rollups equals the one computed from the raw attempts."""
    cases = []
    admin, officer = demo.user("admin"), demo.user("officer.shenzhen")
    for filters in FILTERS:
        cases.append((admin, root_unit(admin), filters))
    cases.append((admin, root_unit(admin), replace(FILTERS[0], course_id=data.A.id)))
    cases.append((admin, root_unit(admin), replace(FILTERS[1], expert_id=data.expert_shenzhen.id)))
    cases.append((officer, root_unit(officer), FILTERS[0]))
    for actor, node, filters in cases:
        fast = Scope(actor, filters, unit=node)
        assert fast.stored, where
        assert fast.rollups == (filters.start.day == 1 and filters.expert_id is None), where
        raw = replace(fast, covered=False)
        for kind in DIMS:
            dim = Dim(kind, node=node) if kind == "unit" else Dim(kind)
            for name in LEARNING:
                got, want = metrics.grouped(name, fast, dim), metrics.grouped(name, raw, dim)
                assert set(got) == set(want), (
                    f"{where} {actor.login_name} {filters} {kind} {name}: {got} != {want}"
                )
                for key in want:
                    assert all(_same(g, w) for g, w in zip(got[key], want[key], strict=True)), (
                        where,
                        actor.login_name,
                        filters,
                        kind,
                        name,
                        key,
                        got[key],
                        want[key],
                    )
        assert metrics.completion_trend(fast) == metrics.completion_trend(raw), where
        grid = metrics.grid(fast, node, funnel=False)
        assert grid.total.outcomes.results == metrics.outcomes(raw)[None].results


class Steps:
    """Random changes to the raw records, each committed as the application would."""

    def __init__(self, db, demo, data, rng: random.Random):
        self.db, self.demo, self.data, self.rng = db, demo, data, rng
        self.trainees = list(data.users.values())
        self.quizzes = list(data.quizzes.values())
        self.when = at("2025-01-05")

    def _moment(self):
        self.when += timedelta(days=self.rng.randint(0, 9), hours=self.rng.randint(0, 23))
        return self.when

    def _percent(self) -> Decimal:
        return Decimal(self.rng.randint(0, 1000000)) / 10000

    def _attempts(self, **where):
        stmt = sa.select(Attempt).order_by(Attempt.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Attempt, key) == value)
        return list(self.db.session.execute(stmt).scalars())

    def attempt(self, status="graded"):
        quiz, user = self.rng.choice(self.quizzes), self.rng.choice(self.trainees)
        number = 1 + len(self._attempts(quiz_id=quiz.id, user_id=user.id))
        moment = self._moment()
        attempt = Attempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=number,
            status=status,
            started_at=moment - timedelta(hours=1),
        )
        attempt.submitted_at, attempt.closed_by = moment, "trainee"
        if status == "graded":
            value = self._percent()
            attempt.score, attempt.max_score, attempt.percent = value, Decimal(100), value
            attempt.passed, attempt.graded_at = value >= quiz.pass_mark, moment
        self.db.session.add(attempt)

    def needs_marking(self):
        self.attempt(status="needs_marking")

    def mark(self):
        waiting = self._attempts(status="needs_marking")
        if waiting:
            attempt = self.rng.choice(waiting)
            value = self._percent()
            attempt.status, attempt.percent, attempt.score, attempt.max_score = "graded", value, value, 100
            attempt.graded_at, attempt.passed = attempt.submitted_at, True

    def regrade(self):
        graded = self._attempts(status="graded")
        if graded:
            attempt = self.rng.choice(graded)
            attempt.percent = attempt.score = self._percent()

    def grading(self):
        quiz = self.rng.choice(self.quizzes)
        quiz.grading_method = self.rng.choice(["highest", "last", "first", "average"])
        quiz.pass_mark = Decimal(self.rng.choice([0, 50, 60, 70, 100]))

    def delete_attempt(self):
        attempts = self._attempts()
        if attempts:
            self.db.session.delete(self.rng.choice(attempts))

    def enrol(self):
        user, course = self.rng.choice(self.trainees), self.rng.choice([self.data.A, self.data.B])
        existing = self.db.session.execute(
            sa.select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        ).scalar_one_or_none()
        if existing is None:
            self.db.session.add(
                Enrollment(user_id=user.id, course_id=course.id, status="active", enrolled_at=self._moment())
            )
        elif self.rng.random() < 0.5:
            existing.status, existing.withdrawn_at = "withdrawn", self._moment()
        else:
            existing.status, existing.completed_at = "completed", self._moment()
            existing.completed_version_id = course.published_version_id

    def delete_enrolment(self):
        enrolments = list(self.db.session.execute(sa.select(Enrollment).order_by(Enrollment.id)).scalars())
        if enrolments:
            enrolment = self.rng.choice(enrolments)
            enrolment.progress.clear()
            self.db.session.delete(enrolment)

    def move_enterprise(self):
        enterprise = self.rng.choice(list(self.data.enterprises.values()))
        enterprise.unit_id = self.rng.choice(list(self.data.units.values())).id

    def move_trainee(self):
        user = self.rng.choice(self.trainees)
        user.enterprise_id = self.rng.choice(list(self.data.enterprises.values())).id

    def designation(self):
        pre = self.data.quizzes["PA"]
        pre.archived = not pre.archived

    def _sessions(self):
        return list(
            self.db.session.execute(sa.select(TrainingSession).order_by(TrainingSession.id)).scalars()
        )

    def _registrations(self):
        return list(self.db.session.execute(sa.select(Registration).order_by(Registration.id)).scalars())

    def seat(self):
        session, user = self.rng.choice(self._sessions()), self.rng.choice(self.trainees)
        seat = self.db.session.execute(
            sa.select(Registration).where(
                Registration.session_id == session.id, Registration.user_id == user.id
            )
        ).scalar_one_or_none()
        if seat is None:
            seat = Registration(session_id=session.id, user_id=user.id, status="confirmed")
            self.db.session.add(seat)
        seat.status = self.rng.choice(["confirmed", "confirmed", "waitlisted", "cancelled"])

    def attendance(self):
        seats = self._registrations()
        if seats:
            self.rng.choice(seats).attendance = self.rng.choice(
                [None, "present", "late", "absent", "excused"]
            )

    def feedback(self):
        seats = self._registrations()
        if not seats:
            return
        seat = self.rng.choice(seats)
        given = self.db.session.execute(
            sa.select(SessionFeedback).where(SessionFeedback.registration_id == seat.id)
        ).scalar_one_or_none()
        if given is not None and self.rng.random() < 0.3:
            self.db.session.delete(given)
            return
        if given is None:
            given = SessionFeedback(registration_id=seat.id, session_id=seat.session_id)
            self.db.session.add(given)
        for question in ("content", "expert", "organisation", "usefulness"):
            setattr(given, question, self.rng.randint(1, 5))

    def delete_seat(self):
        seats = self._registrations()
        if seats:
            seat = self.rng.choice(seats)
            self.db.session.execute(
                sa.delete(SessionFeedback).where(SessionFeedback.registration_id == seat.id)
            )
            stored.note(feedback=self.db.session.execute(sa.select(SessionFeedback.id)).scalars().all())
            self.db.session.delete(seat)

    def session_change(self):
        session = self.rng.choice(self._sessions())
        change = self.rng.choice(["cancel", "restore", "move", "future", "course"])
        if change == "cancel":
            session.status = "cancelled"
        elif change == "restore":
            session.status = self.rng.choice(["planned", "completed"])
        elif change == "course":
            session.course_id = self.rng.choice([self.data.A, self.data.B]).id
        elif change == "future":  # not taught yet (within the periods, or after one's last day in its month)
            session.starts_at = at(
                self.rng.choice(["2027-02-01T02:00", "2027-06-14T20:00", "2027-06-20T02:00"])
            )
            session.ends_at = session.starts_at + timedelta(hours=3)
        else:  # another month, over
            days = self.rng.randint(-60, 60)
            session.starts_at = at("2025-06-01") + timedelta(days=days, hours=self.rng.randint(0, 23))
            session.ends_at = session.starts_at + timedelta(hours=3)

    OPS = (
        ("attempt", 6),
        ("needs_marking", 2),
        ("mark", 2),
        ("regrade", 3),
        ("grading", 1),
        ("delete_attempt", 2),
        ("enrol", 3),
        ("delete_enrolment", 1),
        ("move_enterprise", 1),
        ("move_trainee", 1),
        ("designation", 1),
        ("seat", 3),
        ("attendance", 2),
        ("feedback", 3),
        ("delete_seat", 1),
        ("session_change", 2),
    )

    def random_step(self) -> str:
        names = [name for name, weight in self.OPS for _ in range(weight)]
        name = self.rng.choice(names)
        getattr(self, name)()
        self.db.session.commit()
        return name


@pytest.mark.parametrize("seed", [1, 2])
def test_stored_results_equal_recomputation_after_random_changes(db, demo, data, seed):
    assert stored.check(db.session)["quiz results"] > 0
    steps = Steps(db, demo, data, random.Random(seed))
    done = []
    for index in range(30):
        done.append(steps.random_step())
        if index % 10 == 9:
            where = f"seed {seed} after {done}"
            try:
                stored.check(db.session)
            except stored.Difference as difference:  # pragma: no cover - the message says where
                pytest.fail(f"{where}: {difference}")
            _compare_figures(demo, data, where)
    assert len(set(done)) >= 10


def test_stored_rows_follow_an_attempt_and_its_regrading(db, demo, data):
    t1, qa = data.users["T1"], data.quizzes["QA"]
    row = db.session.get(QuizResult, (qa.id, t1.id))
    assert (row.percent, row.attempts, row.passed) == (Decimal(70), 2, True)  # highest of 55 and 70
    qa.grading_method = "last"
    db.session.commit()
    assert db.session.get(QuizResult, (qa.id, t1.id)).percent == Decimal(70)
    first = db.session.execute(
        sa.select(Attempt).where(Attempt.quiz_id == qa.id, Attempt.user_id == t1.id, Attempt.number == 2)
    ).scalar_one()
    first.percent = Decimal("58.5")
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(QuizResult, (qa.id, t1.id))
    assert (row.percent, row.passed) == (Decimal("58.5"), False)
    pair = db.session.get(GainPair, (data.A.id, t1.id))
    assert (pair.pre_e4, pair.post_e4) == (400000, 585000)
    assert pair.g_e8 == stored.gain_e8(400000, 585000)
    stored.check(db.session)


def test_check_names_the_first_tampered_stored_row(db, demo, data, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "check"])
    assert result.exit_code == 0, result.output
    assert "Reports check passed" in result.output
    t6, qa = data.users["T6"], data.quizzes["QA"]
    db.session.execute(
        sa.update(QuizResult)
        .where(QuizResult.quiz_id == qa.id, QuizResult.user_id == t6.id)
        .values(percent_e4=QuizResult.percent_e4 + 1)
    )
    db.session.commit()
    result = runner.invoke(args=["reports", "check"])
    assert result.exit_code == 1
    assert f"quiz result (quiz {qa.id}, user {t6.id}): percent_e4 is 900001" in result.output
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0 and "Stored rows rebuilt" in result.output
    assert runner.invoke(args=["reports", "check"]).exit_code == 0


def test_check_names_a_tampered_rollup(db, demo, data, app):
    db.session.execute(
        sa.update(ReportRollup).where(ReportRollup.metric == "enrolled").values(n=ReportRollup.n + 3)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "check"])
    assert result.exit_code == 1
    assert "Reports check FAILED: rollup (enrolled, unit" in result.output


def test_a_failure_while_updating_stored_results_rolls_back_the_attempt(db, demo, data, monkeypatch):
    t4, eb = data.users["T4"], data.quizzes["EB"]
    before = db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one()

    def broken(session, deltas):
        raise RuntimeError("rollup update failed")

    monkeypatch.setattr(stored, "apply_rollup_deltas", broken)
    moment = at("2026-02-01")
    db.session.add(
        Attempt(
            quiz_id=eb.id,
            user_id=t4.id,
            number=2,
            status="graded",
            started_at=moment - timedelta(hours=1),
            submitted_at=moment,
            graded_at=moment,
            score=Decimal(10),
            max_score=Decimal(100),
            percent=Decimal(10),
            passed=False,
        )
    )
    with pytest.raises(RuntimeError, match="rollup update failed"):
        db.session.commit()
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one() == before
    assert db.session.get(QuizResult, (eb.id, t4.id)).percent == Decimal(75)
    stored.check(db.session)


def test_stored_results_answer_only_periods_ending_after_them(db, demo, data):
    actor = demo.user("admin")
    past = Scope(actor, Filters(preset="custom", start=date(2025, 1, 1), end=date(2025, 12, 31)))
    future = Scope(actor, FILTERS[0])
    # T2's post-test attempt of January 2026 lies after the first period: raw attempts answer it.
    assert (past.stored, future.stored) == (False, True)
    assert future.rollups and not replace(future, filters=FILTERS[2]).rollups


def test_quiz_changes_move_results_between_purposes(db, demo, data):
    pr = data.quizzes["PR"]
    pr.purpose = "exam"
    db.session.commit()
    stored.check(db.session)
    assert db.session.get(QuizResult, (pr.id, data.users["T1"].id)).purpose == "exam"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Quiz)).scalar_one() >= 4


@pytest.mark.parametrize("method", ["highest", "average", "first", "last"])
def test_a_submissions_totalled_result_equals_one_totalled_from_each_attempt(db, demo, data, method):
    """A submission's result is totalled by the database (one row however many attempts); a rebuild totals
    the attempts one by one. Percentages whose sum a float would round (thirds, sevenths) agree exactly."""
    quiz, user = next(iter(data.quizzes.values())), next(iter(data.users.values()))
    quiz.grading_method = method
    db.session.execute(sa.delete(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id))
    moment = at("2025-06-10T09:00")
    awkward = ["33.3333", "66.6667", "14.2857", "85.7143", "0.0001", "99.9999", "57.1429"]
    for number, text in enumerate(awkward, start=1):
        value = Decimal(text)
        db.session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=user.id,
                number=number,
                status="graded",
                started_at=moment,
                submitted_at=moment + timedelta(hours=number),
                closed_by="trainee",
                score=value,
                max_score=Decimal(100),
                percent=value,
                passed=value >= quiz.pass_mark,
                graded_at=moment + timedelta(hours=number),
            )
        )
    db.session.commit()
    key = (quiz.id, user.id)
    totalled = stored.compute_results(db.session, stored.Keys(pairs={key}))
    one_by_one = stored.compute_results(db.session)
    assert totalled[key] == one_by_one[key]
    assert totalled[key]["attempts"] == len(awkward)
    expected = {"highest": 999999, "average": 510204, "first": 333333, "last": 571429}[method]
    assert totalled[key]["percent_e4"] == expected
    # and the stored row the commit wrote is that result
    row = db.session.execute(
        sa.select(QuizResult).where(QuizResult.quiz_id == quiz.id, QuizResult.user_id == user.id)
    ).scalar_one()
    assert (row.attempts, row.percent_e4) == (len(awkward), expected)
