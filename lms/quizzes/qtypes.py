"""Question types: validation, reading a submitted answer, grading and feedback, one class per type.

The quiz engine only talks to :data:`QUESTION_TYPES`; a new type is a class decorated with :func:`register`
(plus a widget template ``templates/quizzes/qtypes/<name>.html``). Question data layouts are the ones
produced by :mod:`lms.content.gift`:

* single_choice / multiple_response: ``{"choices": [{"id", "text", "fraction", "feedback"}]}``
* true_false: ``{"answer": bool, "feedback_true", "feedback_false"}``
* short_answer: ``{"answers": [{"text", "fraction", "feedback"}]}``
* numerical: ``{"answers": [{"value", "tolerance", ...} or {"min", "max", ...}]}``, each also with
  "fraction" and "feedback"; a value of ``"*"`` is Moodle's "any other answer" (GIFT ``~#feedback``)
* matching: ``{"pairs": [{"left", "right"}]}`` (an empty left is an extra wrong answer on the right)
* essay / description: ``{}``

Fractions are decimal strings (or JSON numbers) in [-1, 1]; grades are :class:`~decimal.Decimal` in [0, 1].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

__all__ = [
    "QUESTION_TYPES",
    "QuestionType",
    "ResponseError",
    "get_qtype",
    "normalize_text",
    "parse_number",
    "register",
    "to_decimal",
]

ZERO = Decimal(0)
ONE = Decimal(1)
QUANTUM = Decimal("0.0000001")  # grades are stored with 7 decimal places, like Moodle fractions
# GIFT weights such as 33.33333% are thirds cut to 7 places: a complete right answer must still get full
# marks, so a total this close to 1 counts as 1.
FULL_MARKS_SLACK = Decimal("0.00001")
MAX_TEXT_RESPONSE = 200  # short and numerical answers: one line
MAX_ESSAY_RESPONSE = 100_000

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class ResponseError(ValueError):
    """A submitted answer that cannot be accepted: a choice that does not exist, a number that is not one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


QUESTION_TYPES: dict[str, type[QuestionType]] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: add a question type to :data:`QUESTION_TYPES` under its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    existing = QUESTION_TYPES.get(cls.name)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"Question type {cls.name!r} is already registered by {existing.__qualname__}")
    QUESTION_TYPES[cls.name] = cls
    return cls


def get_qtype(name: str) -> type[QuestionType]:
    """The class for a type name; ``KeyError`` with a readable message when unknown."""
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        raise KeyError(f"Unknown question type {name!r}") from None


# ----------------------------------------------------------------------------------------------------
# Helpers shared by the types


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a JSON number or decimal string (via ``str``); None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        result = value
    else:
        text = str(value).strip()
        if not _NUMBER_RE.fullmatch(text):
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex only lets valid numbers through
            return None
    if not result.is_finite() or abs(result.adjusted()) > 100:
        return None  # huge exponents would overflow Decimal arithmetic later
    return result


def parse_number(text: str) -> Decimal | None:
    """A number typed by a trainee: digits with an optional sign, "." and exponent; no "3,14"."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_RESPONSE:
        return None
    return to_decimal(text.strip())


def normalize_text(text: str) -> str:
    """Short-answer comparison form: whitespace collapsed and trimmed, case folded."""
    return " ".join(str(text).split()).casefold()


def _wildcard_match(pattern: str, answer: str) -> bool:
    """Moodle short-answer matching: ``*`` stands for any characters, ``\\*`` for a literal star.

    Matched piece by piece with ``str.find`` rather than a regex, so many stars cannot make it slow.
    """
    pattern, answer = normalize_text(pattern), normalize_text(answer)
    bits = [bit.replace("\\*", "*") for bit in re.split(r"(?<!\\)\*+", pattern)]
    if len(bits) == 1:
        return bits[0] == answer
    first, *middle, last = bits
    end = len(answer) - len(last)
    if end < len(first) or not answer.startswith(first) or not answer.endswith(last):
        return False
    pos = len(first)
    for bit in middle:
        found = answer.find(bit, pos, end)
        if found < 0:
            return False
        pos = found + len(bit)
    return True


def _finish(total: Decimal) -> Decimal:
    """Clamp a grade to [0, 1], treat a hair below 1 as 1, quantize to 7 places."""
    if total >= ONE - FULL_MARKS_SLACK:
        total = ONE
    total = max(ZERO, total)
    return total.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def _fraction(entry: Any) -> Decimal:
    """An entry's fraction, 0 when missing or broken (data is validated on save; grading must not crash)."""
    if not isinstance(entry, Mapping):
        return ZERO
    value = to_decimal(entry.get("fraction"))
    return ZERO if value is None else value


def _list(data: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(data, Mapping):
        return []
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _check_fraction(entry: Mapping[str, Any], where: str, problems: list[str]) -> Decimal | None:
    value = to_decimal(entry.get("fraction"))
    if value is None:
        problems.append(_("%(where)s: the grade is not a number.", where=where))
        return None
    if value < -ONE or value > ONE:
        problems.append(_("%(where)s: the grade must be between -100%% and 100%%.", where=where))
        return None
    return value


def _one_line_answer(form: Any, field: str) -> str | None:
    value = form.get(field)
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if len(value) > MAX_TEXT_RESPONSE:
        raise ResponseError(_("The answer is too long (at most %(n)d characters).", n=MAX_TEXT_RESPONSE))
    return value


# ----------------------------------------------------------------------------------------------------
# Base class


class QuestionType:
    """Behaviour of one question type. Every method is a classmethod: the engine never needs an instance."""

    name: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    auto_graded: ClassVar[bool] = True

    @classmethod
    def validate(cls, data: Any) -> list[str]:
        """Problems with the question's data, as sentences for the editor or importer ([] when fine)."""
        if not isinstance(data, Mapping):
            return [_("The question data must be a mapping.")]
        return []

    @classmethod
    def choice_ids(cls, data: Any) -> list[str]:
        """Ids of the choices in their authored order (for shuffling and item analysis)."""
        return []

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> Any:
        """The answer submitted in ``form`` (a MultiDict) as JSON-ready data, None when unanswered."""
        return None

    @classmethod
    def grade(cls, data: Any, response: Any) -> Decimal | None:
        """Fraction of the mark earned, in [0, 1] with 7 decimals; None for hand-graded types."""
        return None

    @classmethod
    def correct_answer_text(cls, data: Any) -> str:
        """The right answer in words, for review pages ("" when there is none)."""
        return ""

    @classmethod
    def feedback_for(cls, data: Any, response: Any) -> list[str]:
        """Feedback texts attached to the answers the trainee gave."""
        return []


# ----------------------------------------------------------------------------------------------------
# Choice types


class _ChoiceType(QuestionType):
    """Shared by single choice and multiple response."""

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


@register
class SingleChoice(_ChoiceType):
    """Pick one choice; its fraction is the grade (several choices may be fully right)."""

    name = "single_choice"
    label = _l("Single choice")

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


@register
class MultipleResponse(_ChoiceType):
    """Pick any number of choices; the grade is the sum of their fractions, between 0 and 1."""

    name = "multiple_response"
    label = _l("Multiple response")

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


# ----------------------------------------------------------------------------------------------------
# True / false


@register
class TrueFalse(QuestionType):
    """A statement to judge true or false."""

    name = "true_false"
    label = _l("True / false")

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


# ----------------------------------------------------------------------------------------------------
# Short answer and numerical: several accepted answers, the best match counts


class _AnswerListType(QuestionType):
    """Typed answers compared with a list of accepted ones; the best matching fraction wins."""

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


@register
class ShortAnswer(_AnswerListType):
    """A typed word or phrase; case and spacing do not matter, ``*`` is a wildcard (as in Moodle)."""

    name = "short_answer"
    label = _l("Short answer")

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


@register
class Numerical(_AnswerListType):
    """A number, right within a tolerance or a range; "3,14" is not a number."""

    name = "numerical"
    label = _l("Numerical")

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


# ----------------------------------------------------------------------------------------------------
# Matching


@register
class Matching(QuestionType):
    """Each left-hand item gets one right-hand answer from a list; the grade is the share matched right."""

    name = "matching"
    label = _l("Matching")

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


# ----------------------------------------------------------------------------------------------------
# Hand-graded and informational


@register
class Essay(QuestionType):
    """A written answer, marked by a trainer."""

    name = "essay"
    label = _l("Essay")
    auto_graded = False

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> str | None:
        value = form.get(field)
        if value is None or not str(value).strip():
            return None
        value = str(value).replace("\r\n", "\n").rstrip()
        if len(value) > MAX_ESSAY_RESPONSE:
            raise ResponseError(_("The answer is too long (at most %(n)d characters).", n=MAX_ESSAY_RESPONSE))
        return value


@register
class Description(QuestionType):
    """Text shown between questions; nothing to answer and no mark."""

    name = "description"
    label = _l("Description")
    auto_graded = False
