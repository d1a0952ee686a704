"""A question type is one module: a throwaway type registered here is edited, taken, graded, analysed and
exported (GIFT and xAPI) through the registry, with no other module knowing its name."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.quizzes.analysis import analyse_quiz
from lms.quizzes.bank import export_gift
from lms.quizzes.models import Question
from lms.quizzes.qtypes import QUESTION_TYPES, Interaction, QuestionType, ResponseError, registered
from lms.quizzes.services import set_fixed_questions
from lms.xapi.statements import iter_statements


class Ordering(QuestionType):
    """Put the items in order: the grade is the share of items in their place."""

    name = "ordering"
    label = "Ordering"
    editor_rows = "answers"
    editor_hint = "Write the items in their right order, %% included."
    interaction_type = "sequencing"
    analysis = "typed"

    @classmethod
    def validate(cls, data):
        problems = super().validate(data)
        if not problems and len(data.get("items") or []) < 2:
            problems.append("Give at least two items.")
        return problems

    @classmethod
    def parse_response(cls, data, form, field):
        values = [v for v in form.getlist(field) if v]
        if values and sorted(values) != sorted(data["items"]):
            raise ResponseError("Order the items that are there.")
        return values or None

    @classmethod
    def grade(cls, data, response):
        items = data["items"]
        if not isinstance(response, list):
            return Decimal(0)
        placed = sum(1 for mine, right in zip(response, items, strict=False) if mine == right)
        return (Decimal(placed) / Decimal(len(items))).quantize(Decimal("0.0000001"))

    @classmethod
    def gift_block(cls, data, general_feedback):
        return "{=" + " then ".join(data["items"]) + "}"

    @classmethod
    def data_from_editor(cls, form, rows):
        return {"items": [row["text"] for row in rows]}

    @classmethod
    def editor_rows_from_data(cls, data):
        return [{"text": item} for item in data["items"]]

    @classmethod
    def xapi_interaction(cls, data, describe):
        codes = {item: f"i{n}" for n, item in enumerate(data["items"], start=1)}
        definition = {
            "interactionType": cls.interaction_type,
            "choices": [{"id": code, "description": describe(item)} for item, code in codes.items()],
            "correctResponsesPattern": ["[,]".join(codes.values())],
        }
        return Interaction(definition, codes)

    @classmethod
    def xapi_response(cls, value, codes):
        return "[,]".join(codes[v] for v in value if v in codes) if isinstance(value, list) else None

    @classmethod
    def pick_keys(cls, response):
        return [" > ".join(response)] if isinstance(response, list) else []


@pytest.fixture
def ordering():
    before = dict(QUESTION_TYPES)
    with registered(Ordering):
        yield Ordering
    assert QUESTION_TYPES == before  # unregistered again: no other test sees the type


def test_a_registered_type_is_edited_graded_analysed_and_exported(ordering, kit, db, client):
    expert = kit.expert(login_name="orderer")
    course = kit.course(expert, slug="order-course")
    db.session.commit()
    client.login("orderer")

    # Editor: the form shows the type's rows and hint; the type turns the rows into its data.
    url = "/quizzes/course/order-course/bank/new?type=ordering"
    page = client.get(url).get_data(as_text=True)
    assert "Write the items in their right order, % included." in page and 'name="rows-3-text"' in page
    rows = {f"rows-{i}-text": text for i, text in enumerate(["Apply", "Audit", "Certify"])}
    form = {"name": "Steps", "category": "core", "default_mark": "3", "stem_format": "markdown"}
    response = client.submit(url, {**form, "stem": "Put the steps in order.", "general_feedback": "", **rows})
    assert response.status_code == 302
    question = db.session.execute(sa.select(Question).where(Question.name == "Steps")).scalar_one()
    assert question.qtype == "ordering"
    assert question.current_version.data == {"items": ["Apply", "Audit", "Certify"]}
    edit = client.get(f"/quizzes/questions/{question.id}/edit").get_data(as_text=True)
    assert 'value="Certify"' in edit  # the type fills the editor's rows back from its data

    # Attempts: answers are read and graded by the type.
    quiz = kit.quiz(course)
    set_fixed_questions(quiz, [question.id])
    ann, bo = kit.trainee(), kit.trainee()
    kit.enrol(ann, course)
    kit.enrol(bo, course)
    right = kit.take(ann, quiz, {1: ["Apply", "Audit", "Certify"]})
    half = kit.take(bo, quiz, {1: ["Apply", "Certify", "Audit"]})
    assert [r.fraction for r in kit.rows(right)] == [Decimal(1)]
    assert kit.rows(half)[0].fraction == Decimal("0.3333333")
    assert (right.status, right.percent, half.percent) == ("graded", Decimal(100), Decimal("33.3333"))

    # Item analysis: the type says how its picks are counted.
    (item,) = analyse_quiz(quiz).items
    assert item.qtype == "ordering"
    assert sorted((p.label, p.count) for p in item.picks) == [
        ("Apply > Audit > Certify", 1),
        ("Apply > Certify > Audit", 1),
    ]

    # GIFT export: the type writes its block.
    assert "::Steps::[markdown]Put the steps in order.{=Apply then Audit then Certify}" in export_gift(course)

    # xAPI: the type gives the interaction and the response string.
    db.session.commit()
    answered = [
        item.statement
        for item in iter_statements()
        if item.statement["verb"]["id"].endswith("/answered")
        and item.statement["object"]["definition"].get("interactionType") == "sequencing"
    ]
    assert sorted(s["result"]["response"] for s in answered) == ["i1[,]i2[,]i3", "i1[,]i3[,]i2"]
    definition = answered[0]["object"]["definition"]
    assert definition["correctResponsesPattern"] == ["i1[,]i2[,]i3"]
    assert [c["id"] for c in definition["choices"]] == ["i1", "i2", "i3"]


def test_without_the_module_the_type_is_unknown(kit, db):
    course = kit.course()
    with pytest.raises(KeyError, match="ordering"):
        QUESTION_TYPES["ordering"]
    assert "ordering" not in export_gift(course)
