"""True / false: a statement to judge (GIFT ``{TRUE}``).

Data: ``{"answer": bool, "feedback_true", "feedback_false"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.base import (
    ONE,
    ZERO,
    Describe,
    Interaction,
    QuestionType,
    ResponseError,
    _finish,
    _text,
)


class TrueFalse(QuestionType):
    """A statement to judge true or false."""

    name = "true_false"
    label = _l("True / false")
    gift_kinds = ("true_false",)
    editor_fields = ("tf_answer", "feedback_true", "feedback_false")
    interaction_type = "true-false"
    analysis = "options"

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        problems = super().validate(data)
        if not problems and not isinstance(data.get("answer"), bool):
            problems.append(_("Say whether the statement is true or false."))
        return problems

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> bool | None:
        value = form.get(field)
        if value is None or value == "":
            return None
        lowered = str(value).strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise ResponseError(_("Answer true or false."))

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal:
        right = isinstance(response, bool) and isinstance(data, Mapping) and response is data.get("answer")
        return _finish(ONE if right else ZERO)

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        if not isinstance(data, Mapping) or not isinstance(data.get("answer"), bool):
            return ""
        return _("True") if data["answer"] else _("False")

    @classmethod
    def feedback_for(cls, data: Any, response: Any) -> list[str]:
        if not isinstance(response, bool) or not isinstance(data, Mapping):
            return []
        text = _text(data.get("feedback_true" if response else "feedback_false"))
        return [text] if text else []

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.true_false_block(data, general_feedback)

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        return {
            "answer": form.tf_answer.data == "true",
            "feedback_true": (form.feedback_true.data or "").strip(),
            "feedback_false": (form.feedback_false.data or "").strip(),
        }

    @classmethod
    def fill_editor(cls, form: Any, data: Mapping[str, Any]) -> None:
        form.tf_answer.data = "true" if data.get("answer") else "false"
        form.feedback_true.data = data.get("feedback_true", "")
        form.feedback_false.data = data.get("feedback_false", "")

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction:
        definition: dict[str, Any] = {"interactionType": cls.interaction_type}
        if isinstance(data.get("answer"), bool):
            definition["correctResponsesPattern"] = ["true" if data["answer"] else "false"]
        return Interaction(definition, {})

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        return ("true" if value else "false") if isinstance(value, bool) else None

    @classmethod
    def pick_options(cls, data: Mapping[str, Any]) -> dict[Any, tuple[str, bool]]:
        answer = data.get("answer")
        return {True: (_("True"), answer is True), False: (_("False"), answer is False)}

    @classmethod
    def answer_shape(cls, data: Mapping[str, Any]) -> object:
        return (data.get("answer"),)

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        return [(field, "true" if data["answer"] is right else "false")]
