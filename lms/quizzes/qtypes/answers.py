"""What short answer and numerical share: several accepted answers, the best match counts.

Data: ``{"answers": [{..., "fraction", "feedback"}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.qtypes.base import (
    ONE,
    ZERO,
    QuestionType,
    _check_fraction,
    _finish,
    _fraction,
    _list,
    _text,
    normalize_text,
)


class AnswerListType(QuestionType):
    """Typed answers compared with a list of accepted ones; the best matching fraction wins."""

    editor_rows = "answers"
    analysis = "typed"

    @classmethod
    def _answers(cls, data: Any) -> list[Mapping[str, Any]]:
        return _list(data, "answers")

    @classmethod
    def _matches(cls, answer: Mapping[str, Any], response: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def _best(cls, data: Any, response: Any) -> Mapping[str, Any] | None:
        best: Mapping[str, Any] | None = None
        for answer in cls._answers(data):
            if cls._matches(answer, response) and (best is None or _fraction(answer) > _fraction(best)):
                best = answer
        return best

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal:
        if response is None:
            return _finish(ZERO)
        best = cls._best(data, response)
        return _finish(min(_fraction(best), ONE) if best is not None else ZERO)

    @classmethod
    def feedback_for(cls, data: Any, response: Any) -> list[str]:
        if response is None:
            return []
        best = cls._best(data, response)
        text = _text(best.get("feedback")) if best is not None else ""
        return [text] if text else []

    @classmethod
    def _validate_answers(cls, data: Any) -> tuple[list[str], list[tuple[int, Mapping[str, Any]]]]:
        problems = QuestionType.validate(data)
        if problems:
            return problems, []
        raw = data.get("answers")
        if not isinstance(raw, list) or not all(isinstance(a, Mapping) for a in raw):
            return [_("The answers must be a list.")], []
        if not raw:
            return [_("Give at least one accepted answer.")], []
        fractions = []
        for number, answer in enumerate(raw, start=1):
            fraction = _check_fraction(answer, _l("Answer %(n)d", n=number), problems)
            if fraction is not None:
                fractions.append(fraction)
        if len(fractions) == len(raw) and max(fractions) != ONE:
            problems.append(_("One of the answers must be fully correct (100%)."))
        return problems, list(enumerate(raw, start=1))

    @classmethod
    def shown_after_error(cls, form: Any, field: str, saved: Any) -> Any:
        return form.get(field)  # as typed

    @classmethod
    def pick_keys(cls, response: Any) -> list[Any]:
        if isinstance(response, str):
            return [normalize_text(response)]
        return super().pick_keys(response)
