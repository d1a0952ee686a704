"""Multiple response: pick any number of choices (GIFT ``{~%50%right ~%-100%wrong}``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.base import ONE, ZERO, ResponseError, _finish, _fraction, _text
from lms.quizzes.qtypes.choices import ChoiceType


class MultipleResponse(ChoiceType):
    """Pick any number of choices; the grade is the sum of their fractions, between 0 and 1."""

    name = "multiple_response"
    label = _l("Multiple response")
    gift_kinds = ("multiple_response",)
    editor_hint = _l(
        "Grade %% of each choice: the positive grades must add up to 100; wrong choices may have negative "
        "grades. The total never goes below 0."
    )

    @classmethod
    def _check_fractions(cls, fractions: list[Decimal]) -> list[str]:
        positive = sum((f for f in fractions if f > 0), ZERO)
        # Moodle's rule: the positive grades must add up to 100% (to two decimals).
        if positive.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) != ONE:
            total = format((positive * 100).normalize(), "f") if positive else "0"
            return [_("The positive grades add up to %(total)s%%; they must add up to 100%%.", total=total)]
        return []

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> list[str] | None:
        values = [v for v in form.getlist(field) if v != ""]
        if not values:
            return None
        known = cls.choice_ids(data)
        if any(v not in known for v in values):
            raise ResponseError(_("That choice does not exist."))
        return [cid for cid in known if cid in values]  # authored order, no duplicates

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal:
        if not isinstance(response, list):
            return _finish(ZERO)
        lookup = cls._lookup(data)
        chosen = {cid for cid in response if isinstance(cid, str)}
        total = sum((_fraction(lookup.get(cid)) for cid in chosen), ZERO)
        return _finish(min(total, ONE))

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        return ", ".join(_text(c.get("text")) for c in cls._choices(data) if _fraction(c) > 0)

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.choices_block(data, general_feedback, single=False)

    @classmethod
    def _pattern(cls, ids: list[str], choices: list[Mapping[str, Any]]) -> list[str]:
        return ["[,]".join(cid for cid, c in zip(ids, choices, strict=True) if _fraction(c) > 0)]

    @classmethod
    def pick_keys(cls, response: Any) -> list[Any]:
        if isinstance(response, list):
            return [r for r in response if isinstance(r, str)]
        return super().pick_keys(response)

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        positive = [c["id"] for c in data["choices"] if Decimal(str(c["fraction"])) > 0]
        if right:
            return [(field, cid) for cid in positive]
        negative = [c["id"] for c in data["choices"] if Decimal(str(c["fraction"])) <= 0]
        fields = [(field, cid) for cid in positive[: max(1, len(positive) - 1)]]
        if negative and rng.random() < 0.5:
            fields.append((field, rng.choice(negative)))
        return fields
