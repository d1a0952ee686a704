"""Numerical: a number, right within a tolerance or a range (GIFT ``{#3.14:0.01}``).

Data: ``{"answers": [{"value", "tolerance", ...} or {"min", "max", ...}]}``, each also with "fraction" and
"feedback"; a value of ``"*"`` is Moodle's "any other answer" (GIFT ``~#feedback``).
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
    ResponseError,
    _fraction,
    _one_line_answer,
    _text,
    number_text,
    parse_number,
    to_decimal,
)


class Numerical(AnswerListType):
    """A number, right within a tolerance or a range; "3,14" is not a number."""

    name = "numerical"
    label = _l("Numerical")
    gift_kinds = ("numerical",)
    editor_hint = _l(
        "Write a value (3.14), a value with a tolerance (3.14:0.01), a range (1..5), "
        "or * for any other answer."
    )
    interaction_type = "numeric"

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        problems, answers = cls._validate_answers(data)
        for number, answer in answers:
            where = _l("Answer %(n)d", n=number)
            if "min" in answer or "max" in answer:
                low, high = to_decimal(answer.get("min")), to_decimal(answer.get("max"))
                if low is None or high is None:
                    problems.append(_("%(where)s: the range limits must be numbers.", where=where))
                elif low > high:
                    problems.append(_("%(where)s: the minimum is above the maximum.", where=where))
            elif _text(answer.get("value")) != "*":
                if to_decimal(answer.get("value")) is None:
                    problems.append(_("%(where)s: the value is not a number.", where=where))
                tolerance = to_decimal(answer.get("tolerance", "0"))
                if tolerance is None or tolerance < 0:
                    problems.append(_("%(where)s: the tolerance must be a number, 0 or more.", where=where))
        return problems

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> str | None:
        value = _one_line_answer(form, field)
        if value is None:
            return None
        if parse_number(value) is None:
            raise ResponseError(_("“%(value)s” is not a number.", value=value))
        return value

    @classmethod
    def _matches(cls, answer: Mapping[str, Any], response: Any) -> bool:
        x = parse_number(response) if isinstance(response, str) else None
        if x is None:
            return False
        if "min" in answer or "max" in answer:
            low, high = to_decimal(answer.get("min")), to_decimal(answer.get("max"))
            return low is not None and high is not None and low <= x <= high
        if _text(answer.get("value")) == "*":
            return True
        value, tolerance = to_decimal(answer.get("value")), to_decimal(answer.get("tolerance", "0"))
        return value is not None and tolerance is not None and abs(x - value) <= tolerance

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        parts = []
        for answer in cls._answers(data):
            if _fraction(answer) != ONE:
                continue
            if "min" in answer or "max" in answer:
                parts.append(
                    _("%(min)s to %(max)s", min=_text(answer.get("min")), max=_text(answer.get("max")))
                )
            elif _text(answer.get("value")) != "*":
                tolerance = to_decimal(answer.get("tolerance", "0"))
                value = _text(answer.get("value"))
                parts.append(f"{value} ± {_text(answer.get('tolerance'))}" if tolerance else value)
        return " / ".join(parts)

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.numerical_block(data, general_feedback)

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        from lms.quizzes.forms import fraction_text

        return {
            "answers": [
                {
                    **_editor_answer(r["text"]),
                    "fraction": fraction_text(r["grade"]),
                    "feedback": r["feedback"],
                }
                for r in rows
            ]
        }

    @classmethod
    def editor_rows_from_data(cls, data: Mapping[str, Any]) -> list[dict[str, str]]:
        from lms.quizzes.forms import percent_text

        return [
            {
                "text": _editor_text(a),
                "grade": percent_text(a.get("fraction", "0")),
                "feedback": a.get("feedback", ""),
            }
            for a in data.get("answers", [])
        ]

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction:
        definition: dict[str, Any] = {"interactionType": cls.interaction_type}
        pattern = []
        for answer in cls._answers(data):
            if _fraction(answer) != 1:
                continue
            if "min" in answer or "max" in answer:
                low, high = number_text(answer.get("min")), number_text(answer.get("max"))
                if low is not None and high is not None:
                    pattern.append(f"{low}[:]{high}")
            elif str(answer.get("value")) != "*":
                value = to_decimal(answer.get("value"))
                tolerance = to_decimal(answer.get("tolerance", "0"))
                if value is None or tolerance is None:
                    continue
                low, high = number_text(value - tolerance), number_text(value + tolerance)
                pattern.append(number_text(value) if not tolerance else f"{low}[:]{high}")
        if pattern:
            definition["correctResponsesPattern"] = pattern
        return Interaction(definition, {})

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        number = parse_number(value) if isinstance(value, str) else None
        return None if number is None else format(number.normalize(), "f")

    @classmethod
    def answer_shape(cls, data: Mapping[str, Any]) -> object:
        answers = data.get("answers") or []
        return ([{k: str(v) for k, v in a.items() if k != "feedback"} for a in answers],)

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        answer = next(a for a in data["answers"] if Decimal(str(a["fraction"])) == 1)
        if right:
            return [(field, answer.get("min") or answer["value"])]
        base = Decimal(str(answer.get("max") or answer["value"]))
        return [(field, str(base + rng.choice([1, 2, 10])))]


def _editor_answer(text: str) -> dict:
    """An editor row's answer, written as in GIFT: "3.14", "3.14:0.01", "1..5" or "*" (any other answer)."""
    text = text.replace(" ", "")
    if text == "*":
        return {"value": "*", "tolerance": "0"}
    if ".." in text:
        low, _sep, high = text.partition("..")
        return {"min": low, "max": high}
    value, _sep, tolerance = text.partition(":")
    return {"value": value, "tolerance": tolerance or "0"}


def _editor_text(answer: Mapping[str, Any]) -> str:
    if "min" in answer or "max" in answer:
        return f"{answer.get('min', '')}..{answer.get('max', '')}"
    value, tolerance = str(answer.get("value", "")), str(answer.get("tolerance", "0") or "0")
    if value == "*" or tolerance in ("0", ""):
        return value
    return f"{value}:{tolerance}"
