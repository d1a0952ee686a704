"""Single choice: pick one of several choices (GIFT ``{=right ~wrong}``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.base import ONE, ZERO, ResponseError, _finish, _fraction, _text
from lms.quizzes.qtypes.choices import ChoiceType


class SingleChoice(ChoiceType):
    """Pick one choice; its fraction is the grade (several choices may be fully right)."""

    name = "single_choice"
    label = _l("Single choice")
    gift_kinds = ("single_choice",)
    editor_hint = _l(
        "Grade %% of each choice: 100 for the right one; partial credit and negative grades are allowed."
    )

    @classmethod
    def _check_fractions(cls, fractions: list[Decimal]) -> list[str]:
        if max(fractions) != ONE:
            return [_("One of the choices must be fully correct (100%).")]
        return []

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> str | None:
        value = form.get(field)
        if value is None or value == "":
            return None
        if value not in cls._lookup(data):
            raise ResponseError(_("That choice does not exist."))
        return value

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal:
        if not isinstance(response, str):
            return _finish(ZERO)
        choice = cls._lookup(data).get(response)
        return _finish(min(_fraction(choice), ONE))

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        return ", ".join(_text(c.get("text")) for c in cls._choices(data) if _fraction(c) == ONE)

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.choices_block(data, general_feedback, single=True)

    @classmethod
    def _pattern(cls, ids: list[str], choices: list[Mapping[str, Any]]) -> list[str]:
        return [cid for cid, c in zip(ids, choices, strict=True) if _fraction(c) == 1]

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        if right:
            best = max(data["choices"], key=lambda c: Decimal(str(c["fraction"])))
            return [(field, best["id"])]
        wrong = [c for c in data["choices"] if Decimal(str(c["fraction"])) < 1]
        return [(field, rng.choice(wrong)["id"])]
