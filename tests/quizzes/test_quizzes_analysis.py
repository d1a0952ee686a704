"""Item analysis on a hand-made data set whose figures were worked out by hand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.database import utcnow
from lms.quizzes.analysis import analyse_quiz, analysis_csv, group_size
from lms.quizzes.models import Attempt, AttemptQuestion

SC = {
    "choices": [
        {"id": "a", "text": "Article 5", "fraction": "1", "feedback": ""},
        {"id": "b", "text": "Article 1", "fraction": "0", "feedback": ""},
        {"id": "c", "text": "Article 12", "fraction": "0", "feedback": ""},
    ]
}
TF = {"answer": True, "feedback_true": "", "feedback_false": ""}
SA = {"answers": [{"text": "282", "fraction": "1", "feedback": ""}]}

# Ten graded attempts, best first. Per question: the response and the fraction earned (None: unanswered, 0).
PERCENTS = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]
DATA = {
    "Q1": [
        ("a", 1),
        ("a", 1),
        ("a", 1),
        ("a", 1),
        ("b", 0),
        ("a", 1),
        ("b", 0),
        ("c", 0),
        ("b", 0),
        (None, 0),
    ],
    "Q2": [
        (True, 1),
        (True, 1),
        (False, 0),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (False, 0),
        (True, 1),
    ],
    "Q3": [
        ("282", 1),
        ("282", 1),
        (" 282 ", 1),
        ("251", 0),
        ("282", 1),
        ("Decree", 0),
        ("251", 0),
        (None, 0),
        ("251", 0),
        ("gacc", 0),
    ],
    "Q4": [
        (False, 0),
        (False, 0),
        (False, 0),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
        (True, 1),
    ],
    "Q5": [(True, 1)] * 10,
    "Q6": [(False, 0)] * 4 + [(True, 1)] + [(False, 0)] * 5,
}


@pytest.fixture
def data_set(kit, db):
    course = kit.course()
    questions = {
        "Q1": kit.question(course, "single_choice", SC, name="Q1"),
        "Q2": kit.question(course, "true_false", TF, name="Q2"),
        "Q3": kit.question(course, "short_answer", SA, name="Q3"),
        "Q4": kit.question(course, "true_false", TF, name="Q4"),
        "Q5": kit.question(course, "true_false", TF, name="Q5"),
        "Q6": kit.question(course, "true_false", TF, name="Q6"),
    }
    quiz = kit.quiz(course)
    start = utcnow() - timedelta(days=1)
    for index, percent in enumerate(PERCENTS):
        attempt = _attempt(db, kit, quiz, start, status="graded", percent=percent)
        for slot, (name, question) in enumerate(questions.items(), start=1):
            response, fraction = DATA[name][index]
            _row(db, attempt, slot, question, response, fraction)
    # an attempt in progress and one awaiting marking are left out
    for status in ("in_progress", "needs_marking"):
        attempt = _attempt(db, kit, quiz, start, status=status)
        for slot, (_name, question) in enumerate(questions.items(), start=1):
            _row(db, attempt, slot, question, True, 1)
    db.session.flush()
    return quiz


def _attempt(db, kit, quiz, start, *, status, percent=None):
    graded = status == "graded"
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=kit.trainee().id,
        number=1,
        status=status,
        started_at=start,
        submitted_at=None if status == "in_progress" else start + timedelta(minutes=10),
        score=Decimal(percent * 6) / 100 if graded else None,
        max_score=Decimal(6) if graded else None,
        percent=Decimal(percent) if graded else None,
        passed=True if graded else None,
        graded_at=start + timedelta(minutes=10) if graded else None,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _row(db, attempt, slot, question, response, fraction):
    db.session.add(
        AttemptQuestion(
            attempt_id=attempt.id,
            slot=slot,
            question_id=question.id,
            question_version_id=question.current_version_id,
            max_mark=Decimal(1),
            response=response,
            fraction=None if attempt.status == "in_progress" else Decimal(fraction),
            mark=None if attempt.status == "in_progress" else Decimal(fraction),
            feedback="",
        )
    )


@pytest.mark.parametrize(
    "attempts,size", [(0, 0), (1, 1), (2, 1), (3, 1), (4, 1), (6, 2), (10, 3), (100, 27), (102, 28)]
)
def test_group_size_is_27_percent_rounded(attempts, size):
    assert group_size(attempts) == size


def test_item_analysis_of_the_hand_made_data_set(db, data_set):
    analysis = analyse_quiz(data_set)
    assert analysis.attempts == 10 and analysis.group_size == 3
    assert analysis.mean_percent == Decimal(55)
    items = {item.name: item for item in analysis.items}
    expected = {
        # facility %, discrimination, upper mean, lower mean, flags
        "Q1": ("50.00", "1.0000", "1.0000", "0.0000", []),
        "Q2": ("80.00", "0.0000", "0.6667", "0.6667", []),
        "Q3": ("40.00", "1.0000", "1.0000", "0.0000", []),
        "Q4": ("70.00", "-1.0000", "0.0000", "1.0000", ["negative_discrimination"]),
        "Q5": ("100.00", "0.0000", "1.0000", "1.0000", ["too_easy"]),
        "Q6": ("10.00", "0.0000", "0.0000", "0.0000", ["too_hard"]),
    }
    for name, (facility, discrimination, upper, lower, flags) in expected.items():
        item = items[name]
        assert item.attempts == 10, name
        assert item.facility == Decimal(facility), name
        assert item.discrimination == Decimal(discrimination), name
        assert (item.upper_mean, item.lower_mean) == (Decimal(upper), Decimal(lower)), name
        assert item.flags == flags, name
    assert items["Q1"].unanswered == 1 and items["Q3"].unanswered == 1

    picks = {p.label: (p.count, p.share, p.correct) for p in items["Q1"].picks}
    assert picks == {
        "Article 5": (5, Decimal("50.0"), True),
        "Article 1": (3, Decimal("30.0"), False),
        "Article 12": (1, Decimal("10.0"), False),
    }
    assert {p.label: p.count for p in items["Q2"].picks} == {"True": 8, "False": 2}
    typed = [(p.label, p.count) for p in items["Q3"].picks]
    assert typed[:2] == [("282", 4), ("251", 3)]  # typed answers normalised (" 282 " is "282")


def test_item_analysis_csv(db, data_set):
    rows = list(csv.reader(io.StringIO(analysis_csv(analyse_quiz(data_set)))))
    assert rows[0][:6] == [
        "Question",
        "Type",
        "Attempts",
        "Unanswered",
        "Facility index (%)",
        "Discrimination index",
    ]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Q4"][4:6] == ["70.00", "-1.0000"] and by_name["Q4"][8] == "Negative discrimination"
    assert "Article 5: 5" in by_name["Q1"][9]


def test_empty_quiz_has_no_items(db, kit):
    course = kit.course()
    kit.question(course, "true_false", TF)
    analysis = analyse_quiz(kit.quiz(course))
    assert analysis.attempts == 0 and analysis.items == []


def test_analysis_page_and_csv_download(client, db, kit, data_set):
    expert = kit.expert(login_name="analyst")
    data_set.course.owner_id = expert.id
    db.session.commit()
    client.login("analyst")
    page = client.get(f"/quizzes/{data_set.id}/analysis")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and "Negative discrimination" in html
        and "Too easy" in html
        and "Too hard" in html
    )
    download = client.get(f"/quizzes/{data_set.id}/analysis.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
