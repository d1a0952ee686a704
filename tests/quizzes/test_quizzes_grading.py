"""Grading through the engine: start, save answers as a form sends them, submit, read the stored marks."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.errors import InvalidInput, RuleViolation
from lms.evidence.models import LedgerEntry
from lms.quizzes import attempts as svc

SINGLE = {
    "choices": [
        {"id": "a", "text": "Right", "fraction": "1", "feedback": "Yes"},
        {"id": "b", "text": "Half", "fraction": "0.5", "feedback": "Nearly"},
        {"id": "c", "text": "Wrong", "fraction": "0", "feedback": "No"},
        {"id": "d", "text": "Very wrong", "fraction": "-1", "feedback": "Certainly not"},
    ]
}
MULTI = {
    "choices": [
        {"id": "a", "text": "A", "fraction": "0.3333333", "feedback": ""},
        {"id": "b", "text": "B", "fraction": "0.3333333", "feedback": ""},
        {"id": "c", "text": "C", "fraction": "0.3333333", "feedback": ""},
        {"id": "d", "text": "D", "fraction": "-1", "feedback": ""},
        {"id": "e", "text": "E", "fraction": "-0.5", "feedback": ""},
    ]
}
MULTI_HALVES = {
    "choices": [
        {"id": "a", "text": "A", "fraction": "0.5", "feedback": ""},
        {"id": "b", "text": "B", "fraction": "0.5", "feedback": ""},
        {"id": "c", "text": "C", "fraction": "-0.25", "feedback": ""},
    ]
}
TF_TRUE = {"answer": True, "feedback_true": "", "feedback_false": "It is true"}
SHORT = {
    "answers": [
        {"text": "Decree 282", "fraction": "1", "feedback": ""},
        {"text": "282", "fraction": "1", "feedback": ""},
        {"text": "Decree", "fraction": "0.25", "feedback": "Which one?"},
        {"text": "GB*2015", "fraction": "0.5", "feedback": ""},
    ]
}
NUMERICAL = {
    "answers": [
        {"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": ""},
        {"value": "3", "tolerance": "0.2", "fraction": "0.5", "feedback": "Close"},
        {"min": "10", "max": "20", "fraction": "0.25", "feedback": ""},
    ]
}
MATCHING = {
    "pairs": [
        {"left": "Decree 251", "right": "2021"},
        {"left": "Decree 282", "right": "2026"},
        {"left": "Measures", "right": "2020"},
        {"left": "", "right": "1999"},
    ]
}

CASES = [
    ("single_choice", SINGLE, "a", "1"),
    ("single_choice", SINGLE, "b", "0.5"),
    ("single_choice", SINGLE, "c", "0"),
    ("single_choice", SINGLE, "d", "0"),  # a negative choice weight never gives a negative mark
    ("single_choice", SINGLE, None, "0"),
    ("multiple_response", MULTI, ["a", "b", "c"], "1"),  # three thirds are full marks
    ("multiple_response", MULTI, ["a", "b"], "0.6666666"),
    ("multiple_response", MULTI, ["a", "b", "c", "e"], "0.4999999"),
    ("multiple_response", MULTI, ["a", "d"], "0"),  # total below 0 is 0
    ("multiple_response", MULTI, ["a", "b", "c", "d", "e"], "0"),  # ticking everything is penalised
    ("multiple_response", MULTI_HALVES, ["a", "b", "c"], "0.75"),
    ("multiple_response", MULTI_HALVES, ["c"], "0"),
    ("true_false", TF_TRUE, "true", "1"),
    ("true_false", TF_TRUE, "false", "0"),
    ("true_false", TF_TRUE, None, "0"),
    ("short_answer", SHORT, "decree   282", "1"),  # case and spacing do not matter
    ("short_answer", SHORT, "  282 ", "1"),
    ("short_answer", SHORT, "DECREE", "0.25"),
    ("short_answer", SHORT, "gb 32100-2015", "0.5"),  # wildcard
    ("short_answer", SHORT, "Decree 251", "0"),
    ("numerical", NUMERICAL, "3.15", "1"),  # within the tolerance
    ("numerical", NUMERICAL, "3.13", "1"),
    ("numerical", NUMERICAL, "3.1", "0.5"),  # only the partial-credit alternative matches
    ("numerical", NUMERICAL, "2.8", "0.5"),  # edge of the alternative's tolerance
    ("numerical", NUMERICAL, "2.79", "0"),
    ("numerical", NUMERICAL, "20", "0.25"),  # range end included
    ("numerical", NUMERICAL, "1e1", "0.25"),
    ("numerical", NUMERICAL, "20.01", "0"),
    ("matching", MATCHING, {0: "2021", 1: "2026", 2: "2020"}, "1"),
    ("matching", MATCHING, {0: "2021", 1: "2020", 2: "2026"}, "0.3333333"),
    ("matching", MATCHING, {0: "1999", 1: "1999"}, "0"),
]


@pytest.mark.parametrize("qtype,data,answer,expected", CASES)
def test_grading_of_every_type(kit, db, qtype, data, answer, expected):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, qtype, data, mark=2)
    quiz = kit.quiz(course)
    attempt = kit.take(trainee, quiz, {1: answer} if answer is not None else None)

    (row,) = kit.rows(attempt)
    assert row.fraction == Decimal(expected)
    assert row.mark == (Decimal(expected) * 2).quantize(Decimal("0.0001"))
    assert attempt.status == "graded"
    assert attempt.max_score == Decimal(2)
    assert attempt.score == row.mark
    assert attempt.percent == (Decimal(expected) * 100).quantize(Decimal("0.0001"))


def test_marks_weight_questions_and_percent_rounds(kit, db):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF_TRUE, mark=1)
    kit.question(course, "true_false", TF_TRUE, mark=2)
    kit.question(course, "single_choice", SINGLE, mark=3)
    quiz = kit.quiz(course, pass_mark=50)
    attempt = kit.take(trainee, quiz, {1: "true", 2: "false", 3: "b"})
    assert [r.mark for r in kit.rows(attempt)] == [Decimal(1), Decimal(0), Decimal("1.5")]
    assert attempt.score == Decimal("2.5") and attempt.max_score == Decimal(6)
    assert attempt.percent == Decimal("41.6667")
    assert attempt.passed is False


def test_submission_writes_one_ledger_entry_with_the_result(kit, db):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF_TRUE)
    quiz = kit.quiz(course, pass_mark=60)
    attempt = kit.take(trainee, quiz, {1: "true"})
    entries = (
        db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.subject_type == "attempt"))
        .scalars()
        .all()
    )
    assert len(entries) == 1
    assert entries[0].kind == "attempt_graded"
    assert entries[0].actor_id == trainee.id
    assert json.loads(entries[0].payload) == {
        "attempt_id": attempt.id,
        "user_id": trainee.id,
        "quiz_id": quiz.id,
        "number": 1,
        "score": "1.0000",
        "max_score": "1.0000",
        "percent": "100.0000",
        "passed": True,
        "status": "graded",
    }


def test_essay_waits_for_marking_then_completes_grading(kit, db):
    course = kit.course()
    trainee, expert = kit.trainee(), kit.expert()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF_TRUE, mark=1)
    kit.question(course, "essay", {}, mark=4)
    quiz = kit.quiz(course, pass_mark=50)
    attempt = kit.take(trainee, quiz, {1: "true", 2: "My plan: train staff and keep records."})
    assert attempt.status == "needs_marking"
    assert attempt.score == Decimal(1) and attempt.percent is None and attempt.passed is None
    essay = kit.rows(attempt)[1]
    assert essay.fraction is None

    with pytest.raises(InvalidInput):
        svc.mark_question(expert, essay, "5")  # above the question's mark
    with pytest.raises(InvalidInput):
        svc.mark_question(expert, essay, "lots")
    svc.mark_question(expert, essay, "3", "Good start; add the review step.")
    db.session.flush()
    assert essay.fraction == Decimal("0.75") and essay.mark == Decimal(3)
    assert essay.marked_by_id == expert.id and essay.feedback.startswith("Good start")
    assert attempt.status == "graded" and attempt.score == Decimal(4) and attempt.percent == Decimal(80)
    assert attempt.passed is True
    kinds = db.session.execute(sa.select(LedgerEntry.kind).order_by(LedgerEntry.seq)).scalars().all()
    assert kinds == ["attempt_graded", "essay_marked"]


def test_blank_essay_needs_no_marking(kit, db):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, "essay", {}, mark=2)
    kit.question(course, "true_false", TF_TRUE)
    attempt = kit.take(trainee, kit.quiz(course), {2: "true"})
    assert attempt.status == "graded" and attempt.score == Decimal(1) and attempt.max_score == Decimal(3)


def test_auto_graded_question_cannot_be_marked_by_hand(kit, db):
    course = kit.course()
    trainee, expert = kit.trainee(), kit.expert()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF_TRUE)
    attempt = kit.take(trainee, kit.quiz(course), {1: "false"})
    with pytest.raises(RuleViolation):
        svc.mark_question(expert, kit.rows(attempt)[0], "1")


def test_attempt_keeps_the_version_it_showed(kit, db):
    from lms.quizzes.bank import QuestionContent, update_question

    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    question = kit.question(course, "true_false", TF_TRUE)
    quiz = kit.quiz(course)
    first = kit.take(trainee, quiz, {1: "true"})
    old_version = question.current_version_id
    outcome = update_question(
        None,
        question,
        content=QuestionContent(
            qtype="true_false",
            stem="A question?",
            stem_format="markdown",
            data={"answer": False, "feedback_true": "", "feedback_false": ""},
        ),
    )
    assert outcome == "new_version"
    assert question.current_version_id != old_version and question.current_version.number == 2
    assert kit.rows(first)[0].question_version_id == old_version
    second = kit.take(trainee, quiz, {1: "true"})
    assert kit.rows(second)[0].question_version_id == question.current_version_id
    assert first.percent == Decimal(100) and second.percent == Decimal(0)


def test_editing_an_unused_question_changes_it_in_place(kit, db):
    from lms.quizzes.bank import QuestionContent, update_question

    course = kit.course()
    question = kit.question(course, "true_false", TF_TRUE)
    outcome = update_question(
        None,
        question,
        content=QuestionContent(qtype="true_false", stem="Changed?", stem_format="markdown", data=TF_TRUE),
    )
    assert outcome == "edited" and question.current_version.number == 1
    assert question.current_version.stem == "Changed?"
    assert (
        update_question(
            None,
            question,
            content=QuestionContent(
                qtype="true_false", stem="Changed?", stem_format="markdown", data=TF_TRUE
            ),
        )
        == "unchanged"
    )
