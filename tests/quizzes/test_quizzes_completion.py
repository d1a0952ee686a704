"""A course completes only when its required quizzes are passed (under each quiz's grading method)."""

from __future__ import annotations

from lms.courses.completion import requirement_statuses
from lms.quizzes import attempts as svc

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}


def _setup(kit, require=("post",), grading="highest"):
    course = kit.course(require_quizzes=require)
    for _ in range(2):
        kit.question(course, "true_false", TF)
    quiz = kit.quiz(course, key="post", purpose="post_test", pass_mark=60, grading_method=grading)
    trainee = kit.trainee()
    enrollment = kit.enrol(trainee, course)
    return course, quiz, trainee, enrollment


def test_failing_then_passing_the_required_quiz_completes_the_course(kit, db):
    course, quiz, trainee, enrollment = _setup(kit)
    kit.take(trainee, quiz, {1: "true", 2: "false"})
    assert enrollment.status == "active"
    (status,) = [s for s in requirement_statuses(enrollment, course.published_version) if s.key == "quizzes"]
    assert not status.met and status.detail == "0 of 1 passed"
    kit.take(trainee, quiz, {1: "true", 2: "true"})
    assert enrollment.status == "completed" and enrollment.completed_at is not None


def test_last_attempt_grading_can_keep_the_course_open(kit, db):
    course, quiz, trainee, enrollment = _setup(kit, grading="last")
    quiz.max_attempts = 0
    kit.take(trainee, quiz, {1: "true", 2: "true"})
    assert enrollment.status == "completed"  # completion is never taken back


def test_average_grading_needs_the_average_to_pass(kit, db):
    course, quiz, trainee, enrollment = _setup(kit, grading="average")
    kit.take(trainee, quiz, {1: "false", 2: "false"})
    kit.take(trainee, quiz, {1: "true", 2: "true"})
    assert enrollment.status == "active"  # average 50 < 60
    kit.take(trainee, quiz, {1: "true", 2: "true"})
    assert enrollment.status == "completed"  # average 66.67


def test_a_required_key_without_a_quiz_is_never_met(kit, db):
    course, quiz, trainee, enrollment = _setup(kit, require=("post", "missing"))
    kit.take(trainee, quiz, {1: "true", 2: "true"})
    assert enrollment.status == "active"


def test_no_required_quizzes_means_no_quiz_requirement(kit, db):
    course, _quiz, _trainee, enrollment = _setup(kit, require=())
    assert [
        s.key for s in requirement_statuses(enrollment, course.published_version) if s.key == "quizzes"
    ] == []


def test_essay_quiz_completes_when_marked(kit, db):
    course = kit.course(require_quizzes=["reflection"])
    kit.question(course, "essay", {}, mark=4)
    quiz = kit.quiz(course, key="reflection", pass_mark=50)
    trainee, expert = kit.trainee(), kit.expert()
    enrollment = kit.enrol(trainee, course)
    attempt = kit.take(trainee, quiz, {1: "My plan"})
    assert attempt.status == "needs_marking" and enrollment.status == "active"
    svc.mark_question(expert, kit.rows(attempt)[0], "3")
    assert attempt.status == "graded" and enrollment.status == "completed"
