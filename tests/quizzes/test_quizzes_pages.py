"""Taking a quiz in the browser (no JavaScript), results per review policy, and bad input refused cleanly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Attempt, AttemptQuestion

TF_TRUE = {"answer": True, "feedback_true": "Well done", "feedback_false": "It is true"}
SINGLE = {
    "choices": [
        {"id": "a", "text": "Article 5", "fraction": "1", "feedback": "Right article"},
        {"id": "b", "text": "Article 1", "fraction": "0", "feedback": "Wrong article"},
    ]
}
NUMBER = {"answers": [{"value": "5", "tolerance": "0", "fraction": "1", "feedback": ""}]}


@pytest.fixture
def world(kit, db):
    expert = kit.expert(login_name="owner.expert")
    course = kit.course(expert)
    trainee = kit.trainee(login_name="taker")
    other = kit.trainee(login_name="other.taker")
    kit.enrol(trainee, course)
    kit.enrol(other, course)
    kit.question(course, "true_false", TF_TRUE, stem="Decree 282 has **five** levels.")
    kit.question(course, "single_choice", SINGLE, stem="Which article?")
    kit.question(course, "numerical", NUMBER, stem="How many levels?")
    quiz = kit.quiz(course, title="Check", questions_per_page=2, pass_mark=50, max_attempts=2)
    db.session.commit()
    return {"expert": expert, "course": course, "trainee": trainee, "other": other, "quiz": quiz}


def _start(client, quiz):
    response = client.submit(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    return int(response.location.rstrip("/").split("/")[-1].split("?")[0])


def test_trainee_takes_a_quiz_page_by_page(client, db, world):
    quiz = world["quiz"]
    client.login("taker")
    page = client.get(f"/quizzes/{quiz.id}")
    assert page.status_code == 200 and "Start attempt" in page.get_data(as_text=True)
    attempt_id = _start(client, quiz)

    first = client.get(f"/quizzes/attempts/{attempt_id}")
    html = first.get_data(as_text=True)
    assert (
        "Page 1 of 2" in html
        and "<strong>five</strong>" in html
        and 'name="q1"' in html
        and 'name="q3"' not in html
    )

    saved = client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true", "q2": "b", "go": "next"})
    assert saved.status_code == 302 and saved.location.endswith("page=2")
    back = client.submit(f"/quizzes/attempts/{attempt_id}?page=2", {"q3": "5", "go": "prev"})
    assert back.location.endswith("page=1")
    again = client.get(f"/quizzes/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert 'value="true"\n        checked' in again or 'value="true" checked' in again.replace(
        "\n        ", " "
    )
    client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true", "q2": "a", "go": "summary"})
    summary = client.get(f"/quizzes/attempts/{attempt_id}/summary")
    assert summary.status_code == 200 and "Not answered" not in summary.get_data(as_text=True)

    done = client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    assert done.status_code == 302 and done.location.endswith(f"/quizzes/attempts/{attempt_id}/result")
    result = client.get(done.location).get_data(as_text=True)
    assert "100%" in result and "Passed" in result and "Right article" in result
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.score == Decimal(3)


def test_double_submit_gives_one_result(client, db, world):
    client.login("taker")
    attempt_id = _start(client, world["quiz"])
    first = client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    second = client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    assert first.status_code == second.status_code == 302
    follow = client.get(second.location)
    assert follow.status_code == 200
    from lms.evidence.models import LedgerEntry

    assert db.session.execute(sa.select(sa.func.count(LedgerEntry.id))).scalar_one() == 1
    late_save = client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true"})
    assert late_save.status_code == 302 and late_save.location.endswith("/result")
    assert (
        db.session.execute(
            sa.select(AttemptQuestion.response).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.slot == 1
            )
        ).scalar_one()
        is None
    )


@pytest.mark.parametrize(
    "form,message",
    [
        ({"q1": "true", "q2": "z"}, "That choice does not exist."),
        ({"q1": "maybe", "q2": "a"}, "Answer true or false."),
        ({"q1": "true", "q2": "a", "q7": "true"}, "not on this page"),
        ({"q1": "true", "q3": "5"}, "not on this page"),
        (
            {"q1": "true", "q2": "a", "q2-0": "a"},
            None,
        ),  # a stray sub-field of a question on the page is ignored
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(client, db, world, form, message):
    client.login("taker")
    attempt_id = _start(client, world["quiz"])
    response = client.submit(f"/quizzes/attempts/{attempt_id}?page=1", form)
    responses = (
        db.session.execute(
            sa.select(AttemptQuestion.response)
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.slot)
        )
        .scalars()
        .all()
    )
    if message is None:
        assert response.status_code == 302 and responses == [True, "a", None]
        return
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert responses == [None, None, None]


def test_a_number_that_is_not_one_is_refused_and_shown_again(client, db, world):
    client.login("taker")
    attempt_id = _start(client, world["quiz"])
    response = client.submit(f"/quizzes/attempts/{attempt_id}?page=2", {"q3": "3,14"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "is not a number" in html and 'value="3,14"' in html
    assert (
        db.session.execute(
            sa.select(AttemptQuestion.response).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.slot == 3
            )
        ).scalar_one()
        is None
    )


def test_autosave_answers_in_json(client, db, world):
    client.login("taker")
    attempt_id = _start(client, world["quiz"])
    ok = client.submit(
        f"/quizzes/attempts/{attempt_id}/autosave?page=1",
        {"q1": "false"},
        headers={"Accept": "application/json"},
    )
    assert ok.status_code == 200 and ok.get_json()["saved"] == 1
    bad = client.submit(f"/quizzes/attempts/{attempt_id}/autosave?page=1", {"q2": "nope"})
    assert bad.status_code == 400 and "does not exist" in bad.get_json()["error"]
    client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    closed = client.submit(f"/quizzes/attempts/{attempt_id}/autosave?page=1", {"q1": "true"})
    assert closed.status_code == 409 and closed.get_json()["redirect"].endswith("/result")


def test_post_without_csrf_token_is_refused(client, db, world):
    client.login("taker")
    attempt_id = _start(client, world["quiz"])
    response = client.post(f"/quizzes/attempts/{attempt_id}?page=1", data={"q1": "true"})
    assert response.status_code == 400
    assert (
        db.session.execute(
            sa.select(AttemptQuestion.response).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.slot == 1
            )
        ).scalar_one()
        is None
    )


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/quizzes/attempts/{id}"),
        ("get", "/quizzes/attempts/{id}/summary"),
        ("get", "/quizzes/attempts/{id}/result"),
        ("post", "/quizzes/attempts/{id}?page=1"),
        ("post", "/quizzes/attempts/{id}/autosave"),
        ("post", "/quizzes/attempts/{id}/submit"),
    ],
)
def test_another_trainees_attempt_does_not_exist(app, client, db, world, method, path):
    other_client = app.test_client()
    other_client.login("other.taker")
    other_attempt = _start(other_client, world["quiz"])
    client.login("taker")
    url = path.format(id=other_attempt)
    response = client.get(url) if method == "get" else client.submit(url, {"q1": "true"})
    assert response.status_code == 404
    attempt = db.session.get(Attempt, other_attempt)
    assert attempt.status == "in_progress"


def test_closed_quiz_refuses_to_start(client, db, world, frozen):
    quiz = world["quiz"]
    quiz.closes_at = frozen.current - timedelta(hours=1)
    db.session.commit()
    client.login("taker")
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "This quiz is closed." in page and "Start attempt" not in page
    response = client.submit(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    assert "This quiz is closed." in client.get(response.location).get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one() == 0


def test_not_enrolled_trainee_cannot_start(client, db, kit, world):
    kit.trainee(login_name="stranger")
    db.session.commit()
    client.login("stranger")
    response = client.submit(f"/quizzes/{world['quiz'].id}/start")
    assert "Enrol in the course" in client.get(response.location).get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one() == 0


def test_attempt_limit_is_shown_and_enforced(client, db, world):
    client.login("taker")
    for _ in range(2):
        attempt_id = _start(client, world["quiz"])
        client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    page = client.get(f"/quizzes/{world['quiz'].id}").get_data(as_text=True)
    assert "You have used all your attempts" in page
    client.submit(f"/quizzes/{world['quiz'].id}/start")
    assert db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one() == 2


def test_answers_after_the_deadline_are_refused_with_a_message(client, db, world, frozen):
    quiz = world["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    client.login("taker")
    attempt_id = _start(client, quiz)
    client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true", "q2": "a", "go": "stay"})
    frozen.advance(minutes=5, seconds=31)
    late = client.submit(f"/quizzes/attempts/{attempt_id}?page=2", {"q3": "5"})
    assert late.status_code == 302 and late.location.endswith("/result")
    html = client.get(late.location).get_data(as_text=True)
    assert "arrived too late" in html and "Closed at the deadline" in html
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.score == Decimal(2) and attempt.closed_by == "deadline"


def test_overdue_attempt_closes_when_the_trainee_comes_back(client, db, world, frozen):
    quiz = world["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    client.login("taker")
    attempt_id = _start(client, quiz)
    frozen.advance(hours=1)
    response = client.get(f"/quizzes/attempts/{attempt_id}")
    assert response.status_code == 302 and response.location.endswith("/result")
    assert db.session.get(Attempt, attempt_id).status == "graded"


def test_time_up_from_the_page_script_submits(client, db, world, frozen):
    quiz = world["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    client.login("taker")
    attempt_id = _start(client, quiz)
    frozen.advance(minutes=5)
    response = client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true", "go": "timeup"})
    assert response.location.endswith("/result")
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.score == Decimal(1)


@pytest.mark.parametrize(
    "policy,shows_answers", [("score_only", False), ("with_answers", True), ("after_close", False)]
)
def test_review_policy(client, db, world, policy, shows_answers):
    quiz = world["quiz"]
    quiz.review_policy = policy
    db.session.commit()
    client.login("taker")
    attempt_id = _start(client, quiz)
    client.submit(f"/quizzes/attempts/{attempt_id}?page=1", {"q1": "true", "q2": "b"})
    client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    html = client.get(f"/quizzes/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "33.3%" in html
    assert ("Wrong article" in html) is shows_answers
    assert ("Right answer:" in html) is shows_answers
    expert = client.application.test_client()
    expert.login("owner.expert")
    staff = expert.get(f"/quizzes/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Wrong article" in staff


def test_after_close_shows_answers_once_closed(client, db, world, frozen):
    quiz = world["quiz"]
    quiz.review_policy = "after_close"
    quiz.closes_at = frozen.current + timedelta(days=1)
    db.session.commit()
    client.login("taker")
    attempt_id = _start(client, quiz)
    client.submit(f"/quizzes/attempts/{attempt_id}/submit")
    assert "Right answer:" not in client.get(f"/quizzes/attempts/{attempt_id}/result").get_data(as_text=True)
    frozen.advance(days=2)
    assert "Right answer:" in client.get(f"/quizzes/attempts/{attempt_id}/result").get_data(as_text=True)
