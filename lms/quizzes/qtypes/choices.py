"""What single choice and multiple response share: a list of choices, each with a grade and feedback.

Data: ``{"choices": [{"id", "text", "fraction", "feedback"}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes.qtypes.base import (
    Describe,
    Interaction,
    QuestionType,
    _check_fraction,
    _list,
    _text,
    component_ids,
)


class ChoiceType(QuestionType):
    """Shared by single choice and multiple response."""

    editor_rows = "choices"
    interaction_type = "choice"
    analysis = "options"

    @classmethod
    def _choices(cls, data: Any) -> list[Mapping[str, Any]]:
        return _list(data, "choices")

    @classmethod
    def choice_ids(cls, data: Any) -> list[str]:
        return [_text(c.get("id")) for c in cls._choices(data)]

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        problems = super().validate(data)
        if problems:
            return problems
        raw = data.get("choices")
        if not isinstance(raw, list) or not all(isinstance(c, Mapping) for c in raw):
            return [_("The choices must be a list.")]
        if len(raw) < 2:
            problems.append(_("A choice question needs at least two choices."))
        seen: set[str] = set()
        fractions: list[Decimal] = []
        for number, choice in enumerate(raw, start=1):
            where = _l("Choice %(n)d", n=number)  # formatted only if a problem names it
            cid = choice.get("id")
            if not isinstance(cid, str) or not cid:
                problems.append(_("%(where)s has no id.", where=where))
            elif cid in seen:
                problems.append(_("%(where)s repeats the id %(id)s.", where=where, id=cid))
            else:
                seen.add(cid)
            if not _text(choice.get("text")).strip():
                problems.append(_("%(where)s has no text.", where=where))
            fraction = _check_fraction(choice, where, problems)
            if fraction is not None:
                fractions.append(fraction)
        if len(fractions) == len(raw) and raw:
            problems.extend(cls._check_fractions(fractions))
        return problems

    @classmethod
    def _check_fractions(cls, fractions: list[Decimal]) -> list[str]:
        return []

    @classmethod
    def _lookup(cls, data: Any) -> dict[str, Mapping[str, Any]]:
        return {_text(c.get("id")): c for c in cls._choices(data)}

    @classmethod
    def feedback_for(cls, data: Any, response: Any) -> list[str]:
        chosen = [response] if isinstance(response, str) else response
        if not isinstance(chosen, list):
            return []
        lookup = cls._lookup(data)
        texts = [_text(lookup[cid].get("feedback")) for cid in cls.choice_ids(data) if cid in chosen]
        return [t for t in texts if t]

    # Editor

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        from lms.quizzes.forms import fraction_text

        used = {r["id"] for r in rows if r["id"]}
        counter = 0
        choices = []
        for row in rows:
            cid = row["id"]
            if not cid:
                while choice_id(counter) in used:
                    counter += 1
                cid = choice_id(counter)
                used.add(cid)
            choices.append(
                {
                    "id": cid,
                    "text": row["text"],
                    "fraction": fraction_text(row["grade"]),
                    "feedback": row["feedback"],
                }
            )
        return {"choices": choices}

    @classmethod
    def editor_rows_from_data(cls, data: Mapping[str, Any]) -> list[dict[str, str]]:
        from lms.quizzes.forms import percent_text

        return [
            {
                "id": c.get("id", ""),
                "text": c.get("text", ""),
                "grade": percent_text(c.get("fraction", "0")),
                "feedback": c.get("feedback", ""),
            }
            for c in data.get("choices", [])
        ]

    # xAPI

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction:
        choices = cls._choices(data)
        codes = component_ids([str(c.get("id", "")) for c in choices])
        ids = [codes[str(c.get("id", ""))] for c in choices]
        pattern = cls._pattern(ids, choices)
        definition: dict[str, Any] = {
            "interactionType": cls.interaction_type,
            "choices": [
                {"id": cid, "description": describe(str(c.get("text", "")))}
                for cid, c in zip(ids, choices, strict=True)
            ],
            "correctResponsesPattern": [p for p in pattern if p],
        }
        return Interaction(definition, codes)

    @classmethod
    def _pattern(cls, ids: list[str], choices: list[Mapping[str, Any]]) -> list[str]:
        raise NotImplementedError

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        chosen = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        ids = [codes[c] for c in chosen if isinstance(c, str) and c in codes]
        return "[,]".join(ids) if ids else None

    # Item analysis and variants

    @classmethod
    def pick_options(cls, data: Mapping[str, Any]) -> dict[Any, tuple[str, bool]]:
        return {
            choice.get("id"): (str(choice.get("text", "")), Decimal(str(choice.get("fraction", "0"))) > 0)
            for choice in data.get("choices", [])
        }

    @classmethod
    def answer_shape(cls, data: Mapping[str, Any]) -> object:
        return ([(c.get("id"), str(c.get("fraction"))) for c in data.get("choices") or []],)


def choice_id(index: int) -> str:
    """a, b, ..., z, aa, ab, ... (spreadsheet-style, so ids stay short and ordered)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters
