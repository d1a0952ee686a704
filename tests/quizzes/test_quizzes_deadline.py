"""Time limits held on the server: grace period, refused late answers, overdue attempts closed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.errors import RuleViolation
from lms.evidence.models import LedgerEntry
from lms.quizzes import attempts as svc
from lms.quizzes.models import Attempt

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}


@pytest.fixture
def timed(kit, db, frozen):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF)
    kit.question(course, "true_false", TF)
    quiz = kit.quiz(course, time_limit_minutes=10)
    db.session.commit()
    return course, trainee, quiz


def _save(trainee, attempt, slot, value):
    rows = svc.load_questions(attempt, [slot])
    return svc.save_responses(trainee, attempt, rows, MultiDict({f"q{slot}": value}))


def test_deadline_is_start_plus_time_limit_or_closing_time(kit, db, frozen, timed):
    _course, trainee, quiz = timed
    attempt, created = svc.start_attempt(trainee, quiz)
    assert created and attempt.deadline == frozen.current + timedelta(minutes=10)
    db.session.rollback()
    quiz.closes_at = frozen.current + timedelta(minutes=4)
    attempt, _ = svc.start_attempt(trainee, quiz)
    assert attempt.deadline == quiz.closes_at


def test_answers_within_grace_are_saved_after_it_refused(kit, db, app, frozen, timed):
    _course, trainee, quiz = timed
    app.config["QUIZ_GRACE_SECONDS"] = 30
    attempt, _ = svc.start_attempt(trainee, quiz)
    _save(trainee, attempt, 1, "true")
    frozen.advance(minutes=10, seconds=30)  # exactly at the end of the grace period: still accepted
    assert _save(trainee, attempt, 2, "true") == 1
    db.session.commit()
    frozen.advance(seconds=1)
    with pytest.raises(svc.DeadlinePassed):
        _save(trainee, attempt, 2, "false")
    db.session.rollback()
    rows = kit.rows(attempt)
    assert [r.response for r in rows] == [True, True]


def test_grace_setting_is_honoured(kit, db, app, frozen, timed):
    _course, trainee, quiz = timed
    app.config["QUIZ_GRACE_SECONDS"] = 0
    try:
        attempt, _ = svc.start_attempt(trainee, quiz)
        frozen.advance(minutes=10, seconds=1)
        with pytest.raises(svc.DeadlinePassed):
            _save(trainee, attempt, 1, "true")
    finally:
        app.config["QUIZ_GRACE_SECONDS"] = 30


def test_late_submit_is_closed_by_the_deadline_with_saved_answers(kit, db, frozen, timed):
    _course, trainee, quiz = timed
    attempt, _ = svc.start_attempt(trainee, quiz)
    _save(trainee, attempt, 1, "true")
    frozen.advance(hours=2)
    assert svc.submit_attempt(trainee, attempt)
    assert attempt.status == "graded" and attempt.closed_by == "deadline"
    assert attempt.score == Decimal(1) and attempt.percent == Decimal(50)


def test_overdue_attempt_is_closed_when_opened_again(kit, db, frozen, timed):
    _course, trainee, quiz = timed
    attempt, _ = svc.start_attempt(trainee, quiz)
    _save(trainee, attempt, 2, "true")
    db.session.commit()
    frozen.advance(minutes=11)
    assert svc.close_if_overdue(attempt) is True
    assert attempt.status == "graded" and attempt.closed_by == "deadline" and attempt.percent == Decimal(50)
    # starting again after an overdue attempt closes it and counts it
    quiz.max_attempts = 1
    with pytest.raises(RuleViolation):
        svc.start_attempt(trainee, quiz)


def test_start_closes_the_overdue_attempt_and_begins_the_next(kit, db, frozen, timed):
    _course, trainee, quiz = timed
    first, _ = svc.start_attempt(trainee, quiz)
    db.session.commit()
    frozen.advance(minutes=30)
    second, created = svc.start_attempt(trainee, quiz)
    assert created and second.number == 2
    assert first.status == "graded" and first.closed_by == "deadline"


def test_close_overdue_command(kit, db, cli, frozen, timed):
    _course, trainee, quiz = timed
    other = kit.trainee()
    kit.enrol(other, quiz.course)
    late, _ = svc.start_attempt(trainee, quiz)
    _save(trainee, late, 1, "true")
    db.session.commit()
    frozen.advance(minutes=8)
    on_time, _ = svc.start_attempt(other, quiz)
    db.session.commit()
    frozen.advance(minutes=3)  # late: 11 min in (past 10 + 30 s); on_time: 3 min in
    result = cli.invoke(args=["quizzes", "close-overdue"])
    assert result.exit_code == 0, result.output
    assert "closed 1 overdue attempt" in result.output
    statuses = dict(db.session.execute(sa.select(Attempt.id, Attempt.status)).all())
    assert statuses == {late.id: "graded", on_time.id: "in_progress"}
    entry = db.session.execute(sa.select(LedgerEntry)).scalar_one()
    assert entry.subject_id == late.id and entry.actor_id is None
    again = cli.invoke(args=["quizzes", "close-overdue"])
    assert "closed 0 overdue attempt" in again.output


def test_closed_quiz_refuses_new_attempts(kit, db, frozen, timed):
    _course, trainee, quiz = timed
    quiz.closes_at = frozen.current - timedelta(minutes=1)
    quiz.opens_at = frozen.current - timedelta(days=1)
    with pytest.raises(RuleViolation, match="closed"):
        svc.start_attempt(trainee, quiz)
    quiz.opens_at, quiz.closes_at = frozen.current + timedelta(days=1), frozen.current + timedelta(days=2)
    with pytest.raises(RuleViolation, match="not open yet"):
        svc.start_attempt(trainee, quiz)
