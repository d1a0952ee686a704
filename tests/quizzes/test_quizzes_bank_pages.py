"""The question editor and the quiz settings form, with the registry's validation messages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Question, QuestionVersion, Quiz

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}


@pytest.fixture
def expert_course(kit, db, client):
    expert = kit.expert(login_name="editor")
    course = kit.course(expert, slug="edit-course")
    db.session.commit()
    client.login("editor")
    return course


def _rows(*rows):
    data = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = value
    return data


def _post_new(client, qtype, **fields):
    data = {
        "name": fields.pop("name", ""),
        "category": "core",
        "tags": "compliance, Decree-251",
        "default_mark": "2",
        "stem_format": "markdown",
        "stem": fields.pop("stem", "Which article?"),
        "general_feedback": "",
    }
    data.update(fields)
    return client.submit(f"/quizzes/course/edit-course/bank/new?type={qtype}", data)


def test_type_choice_and_empty_form(client, expert_course):
    choice = client.get("/quizzes/course/edit-course/bank/new").get_data(as_text=True)
    assert "Multiple response" in choice and "type=numerical" in choice
    form = client.get("/quizzes/course/edit-course/bank/new?type=single_choice")
    assert form.status_code == 200 and 'name="rows-3-text"' in form.get_data(as_text=True)


@pytest.mark.parametrize(
    "qtype,rows,message",
    [
        (
            "single_choice",
            [{"text": "A", "grade": "50"}, {"text": "B", "grade": "0"}],
            "One of the choices must be fully correct (100%).",
        ),
        ("single_choice", [{"text": "A", "grade": "100"}], "A choice question needs at least two choices."),
        (
            "multiple_response",
            [{"text": "A", "grade": "50"}, {"text": "B", "grade": "30"}, {"text": "C", "grade": "-100"}],
            "they must add up to 100%",
        ),
        (
            "multiple_response",
            [{"text": "A", "grade": "lots"}, {"text": "B", "grade": "100"}],
            "the grade is not a number",
        ),
        ("numerical", [{"text": "abc", "grade": "100"}], "the value is not a number"),
        ("numerical", [{"text": "5..1", "grade": "100"}], "the minimum is above the maximum"),
        ("short_answer", [], "Give at least one accepted answer."),
        (
            "matching",
            [{"text": "Decree 251", "right": "2021"}],
            "A matching question needs at least two pairs.",
        ),
    ],
)
def test_registry_problems_are_shown_and_nothing_is_saved(client, db, expert_course, qtype, rows, message):
    response = _post_new(client, qtype, **_rows(*rows))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Question.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "qtype,rows,expected",
    [
        (
            "single_choice",
            [{"text": "Article 5", "grade": "100", "feedback": "Yes"}, {"text": "Article 1", "grade": "0"}],
            {
                "choices": [
                    {"id": "a", "text": "Article 5", "fraction": "1", "feedback": "Yes"},
                    {"id": "b", "text": "Article 1", "fraction": "0", "feedback": ""},
                ]
            },
        ),
        (
            "multiple_response",
            [
                {"text": "A", "grade": "33.33333"},
                {"text": "B", "grade": "66.66667"},
                {"text": "C", "grade": "-50"},
            ],
            {
                "choices": [
                    {"id": "a", "text": "A", "fraction": "0.3333333", "feedback": ""},
                    {"id": "b", "text": "B", "fraction": "0.6666667", "feedback": ""},
                    {"id": "c", "text": "C", "fraction": "-0.5", "feedback": ""},
                ]
            },
        ),
        (
            "numerical",
            [
                {"text": "3.14:0.01", "grade": "100"},
                {"text": "1..5", "grade": "50"},
                {"text": "*", "grade": "0", "feedback": "No"},
            ],
            {
                "answers": [
                    {"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": ""},
                    {"min": "1", "max": "5", "fraction": "0.5", "feedback": ""},
                    {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "No"},
                ]
            },
        ),
        (
            "matching",
            [
                {"text": "Decree 251", "right": "2021"},
                {"text": "Decree 282", "right": "2026"},
                {"right": "1999"},
            ],
            {
                "pairs": [
                    {"left": "Decree 251", "right": "2021"},
                    {"left": "Decree 282", "right": "2026"},
                    {"left": "", "right": "1999"},
                ]
            },
        ),
    ],
)
def test_valid_questions_are_saved_with_the_registry_layout(client, db, expert_course, qtype, rows, expected):
    response = _post_new(client, qtype, name="New one", **_rows(*rows))
    assert response.status_code == 302, response.get_data(as_text=True)
    question = db.session.execute(sa.select(Question)).scalar_one()
    assert question.current_version.data == expected
    assert question.tags == ["compliance", "decree-251"] and question.default_mark == Decimal(2)
    detail = client.get(response.location)
    assert detail.status_code == 200 and "New one" in detail.get_data(as_text=True)


def test_true_false_and_essay(client, db, expert_course):
    assert (
        _post_new(client, "true_false", name="tf", tf_answer="false", feedback_true="No").status_code == 302
    )
    assert _post_new(client, "essay", name="es", stem="Describe your plan.").status_code == 302
    versions = {q.name: q.current_version.data for q in db.session.execute(sa.select(Question)).scalars()}
    assert versions == {"tf": {"answer": False, "feedback_true": "No", "feedback_false": ""}, "es": {}}


def test_same_name_in_the_same_category_is_refused(client, db, expert_course):
    rows = _rows({"text": "A", "grade": "100"}, {"text": "B", "grade": "0"})
    assert _post_new(client, "single_choice", name="Twice", **rows).status_code == 302
    again = _post_new(client, "single_choice", name="Twice", **rows)
    assert again.status_code == 400 and "already has this name" in again.get_data(as_text=True)


def test_editing_an_answered_question_creates_a_version(client, db, kit, expert_course):
    question = kit.question(expert_course, "true_false", TF, name="Versioned")
    trainee = kit.trainee()
    kit.enrol(trainee, expert_course)
    attempt = kit.take(trainee, kit.quiz(expert_course), {1: "true"})
    db.session.commit()
    form = client.get(f"/quizzes/questions/{question.id}/edit").get_data(as_text=True)
    assert 'value="Versioned"' in form
    response = client.submit(
        f"/quizzes/questions/{question.id}/edit",
        {
            "name": "Versioned",
            "category": "core",
            "tags": "",
            "default_mark": "1",
            "stem_format": "markdown",
            "stem": "Changed statement.",
            "tf_answer": "false",
            "general_feedback": "",
        },
    )
    assert response.status_code == 302
    assert "Saved as version 2" in client.get(response.location).get_data(as_text=True)
    versions = (
        db.session.execute(
            sa.select(QuestionVersion)
            .where(QuestionVersion.question_id == question.id)
            .order_by(QuestionVersion.number)
        )
        .scalars()
        .all()
    )
    assert [v.stem for v in versions] == ["A question?", "Changed statement."]
    assert kit.rows(attempt)[0].question_version_id == versions[0].id
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "A question?" in result and "Changed statement." not in result


def test_saving_an_unchanged_form_keeps_the_version(client, db, kit, expert_course):
    question = kit.gift(expert_course, "::MR::Pick.{~%33.33333%A ~%33.33333%B ~%33.33334%C ~%-100%D}")
    db.session.commit()
    question = db.session.execute(sa.select(Question)).scalar_one()
    trainee = kit.trainee()
    kit.enrol(trainee, expert_course)
    kit.take(trainee, kit.quiz(expert_course), {1: ["a"]})
    db.session.commit()
    page = client.get(f"/quizzes/questions/{question.id}/edit").get_data(as_text=True)
    data = {
        "name": "MR",
        "category": "",
        "tags": "",
        "default_mark": "1",
        "stem_format": question.current_version.stem_format,
        "stem": "Pick.",
        "general_feedback": "",
    }
    for i, choice in enumerate(question.current_version.data["choices"]):
        data.update(
            {
                f"rows-{i}-id": choice["id"],
                f"rows-{i}-text": choice["text"],
                f"rows-{i}-grade": str(Decimal(choice["fraction"]) * 100),
                f"rows-{i}-feedback": "",
            }
        )
    assert 'value="33.33333"' in page
    response = client.submit(f"/quizzes/questions/{question.id}/edit", data)
    assert response.status_code == 302
    assert db.session.execute(sa.select(sa.func.count(QuestionVersion.id))).scalar_one() == 1


def test_quiz_settings_form(client, db, kit, expert_course):
    first = kit.question(expert_course, "true_false", TF, name="Fixed one", category="core")
    kit.question(expert_course, "true_false", TF, name="Drawn", category="extra")
    db.session.commit()
    page = client.get("/quizzes/course/edit-course/new").get_data(as_text=True)
    assert "Fixed one" in page and '<option value="extra">extra</option>' in page
    base = {
        "key": "final",
        "title": "Final exam",
        "purpose": "exam",
        "description": "",
        "use_draw": "y",
        "draw_category": "extra",
        "draw_count": "1",
        "questions_per_page": "5",
        "time_limit_minutes": "30",
        "max_attempts": "2",
        "grading_method": "average",
        "pass_mark": "70",
        "review_policy": "score_only",
        "fixed_questions": str(first.id),
    }
    bad = client.submit(
        "/quizzes/course/edit-course/new",
        {**base, "opens_at": "2026-05-02T09:00", "closes_at": "2026-05-01T09:00"},
    )
    assert bad.status_code == 400 and "The quiz must open before it closes." in bad.get_data(as_text=True)
    out_of_range = client.submit("/quizzes/course/edit-course/new", {**base, "pass_mark": "120"})
    assert out_of_range.status_code == 400
    ok = client.submit(
        "/quizzes/course/edit-course/new",
        {**base, "opens_at": "2026-05-01T09:00", "closes_at": "2026-05-02T17:30"},
    )
    assert ok.status_code == 302
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.key == "final")).scalar_one()
    assert quiz.opens_at == datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert quiz.closes_at == datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    assert [s.question_id for s in quiz.slots] == [first.id]
    assert (quiz.purpose, quiz.grading_method, quiz.pass_mark, quiz.shuffle_questions) == (
        "exam",
        "average",
        Decimal(70),
        False,
    )
    again = client.get(f"/quizzes/{quiz.id}/settings").get_data(as_text=True)
    assert 'value="2026-05-01T09:00"' in again
    duplicate = client.submit("/quizzes/course/edit-course/new", {**base, "key": "final"})
    assert duplicate.status_code == 400 and "already uses this key" in duplicate.get_data(as_text=True)
