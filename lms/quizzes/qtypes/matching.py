"""Matching: each left-hand item gets one right-hand answer (GIFT ``{=item -> answer}``).

Data: ``{"pairs": [{"left", "right"}]}`` (an empty left is an extra wrong answer on the right).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.base import (
    ZERO,
    Describe,
    Interaction,
    QuestionType,
    ResponseError,
    _finish,
    _list,
    _text,
)


class Matching(QuestionType):
    """Each left-hand item gets one right-hand answer from a list; the grade is the share matched right."""

    name = "matching"
    label = _l("Matching")
    gift_kinds = ("matching",)
    editor_rows = "pairs"
    editor_hint = _l(
        "Each item on the left is matched with its answer on the right. "
        "An answer without an item is an extra wrong option."
    )
    interaction_type = "matching"
    options_are_texts = True

    @classmethod
    def _items(cls, data: Any) -> list[Mapping[str, Any]]:
        """The left-hand items (pairs with a left text), in order; field ``-i`` belongs to item i."""
        return [p for p in _list(data, "pairs") if _text(p.get("left")).strip()]

    @classmethod
    def right_options(cls, data: Any) -> list[str]:
        """Every right-hand text once, distractors included, in authored order."""
        seen: dict[str, None] = {}
        for pair in _list(data, "pairs"):
            right = _text(pair.get("right"))
            if right:
                seen.setdefault(right, None)
        return list(seen)

    @classmethod
    def shuffled_options(cls, data: Any) -> list[str]:
        return cls.right_options(data)

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        problems = super().validate(data)
        if problems:
            return problems
        raw = data.get("pairs")
        if not isinstance(raw, list) or not all(isinstance(p, Mapping) for p in raw):
            return [_("The pairs must be a list.")]
        for number, pair in enumerate(raw, start=1):
            if not _text(pair.get("right")).strip():
                problems.append(_("Pair %(n)d has no answer on the right.", n=number))
        if len(cls._items(data)) < 2:
            problems.append(_("A matching question needs at least two pairs."))
        return problems

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> list[str | None] | None:
        options = set(cls.right_options(data))
        chosen: list[str | None] = []
        for i in range(len(cls._items(data))):
            value = form.get(f"{field}-{i}")
            if value is None or value == "":
                chosen.append(None)
            elif value not in options:
                raise ResponseError(_("That answer is not one of the options."))
            else:
                chosen.append(value)
        return chosen if any(v is not None for v in chosen) else None

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal:
        items = cls._items(data)
        if not items or not isinstance(response, list):
            return _finish(ZERO)
        right = sum(
            1 for i, pair in enumerate(items) if i < len(response) and response[i] == _text(pair.get("right"))
        )
        return _finish(Decimal(right) / Decimal(len(items)))

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        return "; ".join(f"{_text(p.get('left'))} → {_text(p.get('right'))}" for p in cls._items(data))

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.matching_block(data, general_feedback)

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        return {"pairs": [{"left": r["text"], "right": r["right"]} for r in rows]}

    @classmethod
    def editor_rows_from_data(cls, data: Mapping[str, Any]) -> list[dict[str, str]]:
        return [{"text": p.get("left", ""), "right": p.get("right", "")} for p in data.get("pairs", [])]

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction:
        items = cls._items(data)
        options = cls.right_options(data)
        codes = {text: f"t{i}" for i, text in enumerate(options, start=1)}
        definition: dict[str, Any] = {
            "interactionType": cls.interaction_type,
            "source": [
                {"id": f"s{i}", "description": describe(str(p.get("left")))}
                for i, p in enumerate(items, start=1)
            ],
            "target": [{"id": codes[text], "description": describe(text)} for text in options],
        }
        pairs = [
            f"s{i}[.]{codes[str(p.get('right'))]}"
            for i, p in enumerate(items, start=1)
            if str(p.get("right")) in codes
        ]
        if pairs:
            definition["correctResponsesPattern"] = ["[,]".join(pairs)]
        return Interaction(definition, codes)

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        if not isinstance(value, list):
            return None
        pairs = [
            f"s{i}[.]{codes[v]}" for i, v in enumerate(value, start=1) if isinstance(v, str) and v in codes
        ]
        return "[,]".join(pairs) if pairs else None

    @classmethod
    def answer_shape(cls, data: Mapping[str, Any]) -> object:
        pairs = data.get("pairs") or []
        items = [bool(str(p.get("left") or "").strip()) for p in pairs]
        return items, len({p.get("right") for p in pairs})

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        rights = [p["right"] for p in cls._items(data)]
        if not right:
            rights = rights[1:] + rights[:1]
        return [(f"{field}-{i}", text) for i, text in enumerate(rights)]
