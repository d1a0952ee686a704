"""Short answer: a typed word or phrase (GIFT ``{=answer =%50%partial}``).

Data: ``{"answers": [{"text", "fraction", "feedback"}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.answers import AnswerListType
from lms.quizzes.qtypes.base import (
    ONE,
    Describe,
    Interaction,
    _fraction,
    _one_line_answer,
    _text,
    _wildcard_match,
    text_response,
)


class ShortAnswer(AnswerListType):
    """A typed word or phrase; case and spacing do not matter, ``*`` is a wildcard (as in Moodle)."""

    name = "short_answer"
    label = _l("Short answer")
    gift_kinds = ("short_answer",)
    editor_hint = _l(
        "Case and spacing are ignored; * matches any characters. Give 100 to at least one answer."
    )
    interaction_type = "fill-in"

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        problems, answers = cls._validate_answers(data)
        for number, answer in answers:
            if not _text(answer.get("text")).strip():
                problems.append(_("Answer %(n)d has no text.", n=number))
        return problems

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> str | None:
        return _one_line_answer(form, field)

    @classmethod
    def _matches(cls, answer: Mapping[str, Any], response: Any) -> bool:
        pattern = _text(answer.get("text"))
        return isinstance(response, str) and bool(pattern.strip()) and _wildcard_match(pattern, response)

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        return " / ".join(_text(a.get("text")) for a in cls._answers(data) if _fraction(a) == ONE)

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.short_answer_block(data, general_feedback)

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        from lms.quizzes.forms import fraction_text

        return {
            "answers": [
                {"text": r["text"], "fraction": fraction_text(r["grade"]), "feedback": r["feedback"]}
                for r in rows
            ]
        }

    @classmethod
    def editor_rows_from_data(cls, data: Mapping[str, Any]) -> list[dict[str, str]]:
        from lms.quizzes.forms import percent_text

        return [
            {
                "text": a.get("text", ""),
                "grade": percent_text(a.get("fraction", "0")),
                "feedback": a.get("feedback", ""),
            }
            for a in data.get("answers", [])
        ]

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction:
        definition: dict[str, Any] = {"interactionType": cls.interaction_type}
        right = [_text(a.get("text", "")).strip() for a in cls._answers(data) if _fraction(a) == 1]
        # Wildcard patterns are not literal answers, so they cannot be listed.
        if right and not any("*" in text or "[" in text for text in right):
            definition["correctResponsesPattern"] = right
        return Interaction(definition, {})

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        return text_response(value)

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        if right:
            return [(field, next(a["text"] for a in data["answers"] if Decimal(str(a["fraction"])) == 1))]
        return [(field, rng.choice(["I am not sure", "Decree 251", "GACC"]))]
