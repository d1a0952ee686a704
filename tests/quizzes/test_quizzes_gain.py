"""Learning gain: the formula, results under each grading method, SQL over many trainees, the summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.quizzes.gain import gain, gain_summary, learning_gains, summarise
from lms.quizzes.results import quiz_results

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}


@pytest.mark.parametrize(
    "pre,post,points,normalised",
    [
        ("40", "70", "30.00", "0.5000"),
        ("0", "100", "100.00", "1.0000"),
        ("80", "60", "-20.00", "-1.0000"),
        ("25", "25", "0.00", "0.0000"),
        ("66.6667", "83.3333", "16.6666", "0.5000"),  # exact: the page rounds once, to what it shows
        ("100", "100", "0.00", None),  # undefined when nothing was left to learn
        ("100", "75", "-25.00", None),
    ],
)
def test_gain_formula(pre, post, points, normalised):
    result = gain(Decimal(pre), Decimal(post))
    assert result[0] == Decimal(points)
    assert result[1] == (None if normalised is None else Decimal(normalised))


def _answers(right: int):
    """Answers to four true/false questions with ``right`` of them right."""
    return {slot: ("true" if slot <= right else "false") for slot in range(1, 5)}


@pytest.fixture
def course_with_tests(kit, db):
    course = kit.course()
    for _ in range(4):
        kit.question(course, "true_false", TF)
    pre = kit.quiz(course, key="pre", purpose="pre_test", max_attempts=1)
    post = kit.quiz(course, key="post", purpose="post_test", max_attempts=0)
    return course, pre, post


@pytest.mark.parametrize(
    "method,expected_post",
    [
        ("highest", "100"),
        ("last", "75"),
        ("first", "50"),
        ("average", "75"),
    ],
)
def test_post_test_result_follows_the_grading_method(kit, db, course_with_tests, method, expected_post):
    course, pre, post = course_with_tests
    post.grading_method = method
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.take(trainee, pre, _answers(1))
    for right in (2, 4, 3):
        kit.take(trainee, post, _answers(right))
    # an attempt still in progress does not count
    kit.take(trainee, post, _answers(0), submit=False)
    result = quiz_results(quiz_ids=[post.id], user_ids=[trainee.id])[(post.id, trainee.id)]
    assert result.percent == Decimal(expected_post) and result.attempts == 3
    (row,) = learning_gains(course_ids=[course.id])
    assert row.pre == Decimal(25) and row.post == Decimal(expected_post)
    assert row.gain == Decimal(expected_post) - 25
    assert row.normalised_gain == ((Decimal(expected_post) - 25) / 75).quantize(Decimal("0.0001"))


def test_gain_over_several_trainees_and_the_summary(kit, db, course_with_tests):
    course, pre, post = course_with_tests
    people = []
    for pre_right, post_right in ((1, 3), (2, 4), (4, 3), (0, 0)):
        trainee = kit.trainee()
        kit.enrol(trainee, course)
        kit.take(trainee, pre, _answers(pre_right))
        kit.take(trainee, post, _answers(post_right))
        people.append(trainee)
    only_pre = kit.trainee()
    kit.enrol(only_pre, course)
    kit.take(only_pre, pre, _answers(2))

    rows = {r.user_id: r for r in learning_gains(course_ids=[course.id])}
    assert set(rows) == {p.id for p in people}  # the trainee without a post-test has no gain
    assert (rows[people[0].id].gain, rows[people[0].id].normalised_gain) == (Decimal(50), Decimal("0.6667"))
    assert (rows[people[1].id].gain, rows[people[1].id].normalised_gain) == (Decimal(50), Decimal(1))
    assert (rows[people[2].id].gain, rows[people[2].id].normalised_gain) == (Decimal(-25), None)
    assert (rows[people[3].id].gain, rows[people[3].id].normalised_gain) == (Decimal(0), Decimal(0))

    summary = summarise(list(rows.values()))
    assert summary.trainees == 4
    assert summary.mean_pre == Decimal("43.75") and summary.mean_post == Decimal("62.50")
    assert summary.mean_gain == Decimal("18.75")
    assert summary.mean_normalised_gain == Decimal("0.5556")  # (0.6667 + 1 + 0) / 3
    assert summary.class_normalised_gain == Decimal("0.3333")  # 18.75 / 56.25
    in_sql = gain_summary(course_ids=[course.id])
    assert (in_sql.trainees, in_sql.mean_pre, in_sql.mean_post, in_sql.mean_gain) == (
        4,
        Decimal("43.75"),
        Decimal("62.50"),
        Decimal("18.75"),
    )
    assert in_sql.mean_normalised_gain == Decimal("0.5556")

    # filters take ids or sub-selects (the reports area passes jurisdiction sub-selects)
    assert [r.user_id for r in learning_gains(user_ids=[people[0].id])] == [people[0].id]


def test_no_gain_without_both_tests(kit, db):
    course = kit.course()
    kit.question(course, "true_false", TF)
    post = kit.quiz(course, purpose="post_test")
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.take(trainee, post, {1: "true"})
    assert learning_gains(course_ids=[course.id]) == []


@pytest.mark.parametrize("method", ["highest", "last", "first", "average"])
def test_python_and_sql_results_agree(kit, db, course_with_tests, method):
    from lms.quizzes.results import user_quiz_results

    course, pre, post = course_with_tests
    post.grading_method = method
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    for right in (1, 4, 2):
        kit.take(trainee, post, _answers(right))
    in_sql = quiz_results(quiz_ids=[post.id], user_ids=[trainee.id])[(post.id, trainee.id)]
    assert user_quiz_results(trainee.id, [post])[post.id] == in_sql


@pytest.mark.parametrize("method", ["highest", "last", "first", "average"])
def test_trainee_pages_read_the_same_results_and_gain_as_the_reports(kit, db, course_with_tests, method):
    """The course page's quiz panel and the trainee dashboard (lms.quizzes.queries) show the result, attempts
    and learning gain that the SQL of the reports gives, attempts in progress aside."""
    from lms.quizzes.queries import gains_from, pre_post_pairs, trainee_dashboard, trainee_results

    course, pre, post = course_with_tests
    post.grading_method = method
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.take(trainee, pre, _answers(1))
    for right in (2, 4, 3):
        kit.take(trainee, post, _answers(right))
    kit.take(trainee, post, _answers(0), submit=False)
    db.session.commit()
    mine = trainee_results(trainee.id, [pre, post])
    in_sql = quiz_results(quiz_ids=[pre.id, post.id], user_ids=[trainee.id])
    assert mine.results == {quiz_id: r for (quiz_id, _uid), r in in_sql.items()}
    assert mine.used == {pre.id: 1, post.id: 4}
    assert list(mine.open) == [post.id] and mine.open[post.id].status == "in_progress"
    expected = learning_gains(course_ids=[course.id], user_ids=[trainee.id])
    assert gains_from(trainee.id, pre_post_pairs([pre, post]), mine.results) == expected
    dashboard = trainee_dashboard(trainee.id)
    assert dashboard.gains == expected
    assert [a.status for a, _q in dashboard.open] == ["in_progress"]
    assert [a.number for a, _q in dashboard.recent] == [3, 2, 1, 1]


def test_a_gain_is_rounded_once_half_up(app):
    """The gain is kept exact and rounded once for the page: 100 − 33.8542 = 66.1458 shows as 66.1 (it showed
    66.2 when the points were first rounded to 66.15); a half rounds up."""
    from lms.quizzes.gain import gain
    from lms.quizzes.views import _format_gain, _format_percent

    with app.test_request_context():
        points, _normalised = gain(Decimal("33.8542"), Decimal("100"))
        assert points == Decimal("66.1458")
        assert _format_gain(points) == "+66.1"
        assert _format_gain(gain(Decimal("33.75"), Decimal("100"))[0]) == "+66.3"
        assert _format_gain(gain(Decimal("50"), Decimal("25"))[0]) == "-25"
        assert _format_percent(Decimal("33.85")) == "33.9%"
