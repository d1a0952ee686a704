"""The question-type interface, the registry, and the helpers the types share.

A question type owns everything that differs between types; the rest of the LMS dispatches through
:data:`QUESTION_TYPES` (or :func:`get_qtype`) and never names a type:

* **data**: :meth:`QuestionType.validate` judges the question's JSON data (from the editor or an import);
* **attempts**: :meth:`~QuestionType.parse_response` reads a submitted answer, :meth:`~QuestionType.grade`
  marks it, :meth:`~QuestionType.feedback_for` and :meth:`~QuestionType.correct_answer_text` explain it,
  and the widget template ``templates/quizzes/qtypes/<name>.html`` shows it;
* **GIFT**: :attr:`~QuestionType.gift_kinds` are the kinds of answer block of :mod:`lms.content.gift` the type
  reads (:meth:`~QuestionType.from_gift` turns the parsed data into the type's), and
  :meth:`~QuestionType.gift_block` writes its block;
* **editor**: :attr:`~QuestionType.editor_rows`, :attr:`~QuestionType.editor_hint` and
  :attr:`~QuestionType.editor_fields` shape the question form,
  :meth:`~QuestionType.data_from_editor` and :meth:`~QuestionType.editor_rows_from_data` go between its rows
  and the data, :meth:`~QuestionType.fill_editor` fills the type's own fields;
* **xAPI**: :meth:`~QuestionType.xapi_interaction` gives the interaction activity's definition and
  :meth:`~QuestionType.xapi_response` the response string;
* **item analysis**: :attr:`~QuestionType.analysis` says how picks are counted
  (:meth:`~QuestionType.pick_options`, :meth:`~QuestionType.pick_keys`);
* **language variants**: :meth:`~QuestionType.answer_shape` is what translations must keep.

A new type is one module with its class, registered by the package's ``__init__`` (or by :func:`register`
for a type that lives elsewhere), plus its widget template.

Fractions are decimal strings (or JSON numbers) in [-1, 1]; grades are :class:`~decimal.Decimal` in [0, 1].
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar, NamedTuple

from flask_babel import gettext as _

__all__ = [
    "QUESTION_TYPES",
    "Interaction",
    "QuestionType",
    "ResponseError",
    "for_gift_kind",
    "get_qtype",
    "gift_kind_types",
    "normalize_text",
    "parse_number",
    "register",
    "registered",
    "to_decimal",
    "unmarked_types",
    "unregister",
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


def unregister(name: str) -> None:
    """Take a type out of the registry again (tests that plug in a throwaway type)."""
    QUESTION_TYPES.pop(name, None)


@contextmanager
def registered(cls: type[QuestionType]) -> Iterator[type[QuestionType]]:
    """Register ``cls`` for the duration of a ``with`` block."""
    register(cls)
    try:
        yield cls
    finally:
        unregister(cls.name)


def for_gift_kind(kind: str) -> type[QuestionType] | None:
    """The type that reads GIFT answer blocks of ``kind`` (:mod:`lms.content.gift`); None when none does."""
    for cls in QUESTION_TYPES.values():
        if kind in cls.gift_kinds:
            return cls
    return None


def gift_kind_types() -> dict[str, type[QuestionType]]:
    """Each GIFT kind → the type that reads it (as :func:`for_gift_kind` gives), for a whole file at once."""
    kinds: dict[str, type[QuestionType]] = {}
    for cls in QUESTION_TYPES.values():
        for kind in cls.gift_kinds:
            kinds.setdefault(kind, cls)
    return kinds


def unmarked_types() -> list[str]:
    """Names of the types that carry no mark (text between questions)."""
    return [name for name, cls in QUESTION_TYPES.items() if not cls.marked]


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
    if type(value) is str and len(value) <= 24:
        return _decimal_from_text(value)
    return _to_decimal(value)


# Numbers already read from their text (Decimals never change): most are the few grades of a bank, read for
# every answer of every question an import or an editor checks.
@functools.lru_cache(maxsize=4096)
def _decimal_from_text(text: str) -> Decimal | None:
    return _to_decimal(text)


def _to_decimal(value: Any) -> Decimal | None:
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


_SAFE_COMPONENT_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


def component_ids(ids: list[str]) -> dict[str, str]:
    """xAPI interaction component ids: the choice's own id when it is a plain token, else its position."""
    mapping: dict[str, str] = {}
    for index, original in enumerate(ids, start=1):
        candidate = original if _SAFE_COMPONENT_ID.match(original or "") else f"c{index}"
        while candidate in mapping.values():
            candidate = f"c{index}-{len(mapping)}"
        mapping[original] = candidate
    return mapping


def number_text(value: Any) -> str | None:
    """A number as xAPI writes it: plain decimal notation, no exponent, no trailing zeros."""
    number = to_decimal(value)
    return None if number is None else format(number.normalize(), "f")


def text_response(value: Any) -> str | None:
    """A typed answer as an xAPI response (fill-in, long-fill-in): the text, None when blank."""
    return value if isinstance(value, str) and value.strip() else None


class Interaction(NamedTuple):
    """A question as an xAPI interaction: the fields of its activity definition (``interactionType`` first,
    then ``choices``/``source``/``target`` and ``correctResponsesPattern``) and the codes its response strings
    use (a choice id or a right-hand text → its component id)."""

    definition: dict[str, Any]
    codes: dict[str, str]


# A language map from a text (the xAPI export gives the course language and cuts the text to one line).
Describe = Callable[[str], dict[str, str]]


# ----------------------------------------------------------------------------------------------------
# Base class


class QuestionType:
    """Behaviour of one question type. Every method is a classmethod: the engine never needs an instance."""

    name: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    auto_graded: ClassVar[bool] = True
    # False for text between questions: no mark, never drawn at random into a quiz.
    marked: ClassVar[bool] = True
    # True when a response holds option texts (which differ by language) rather than ids.
    options_are_texts: ClassVar[bool] = False
    # GIFT: the kinds of answer block this type reads (lms.content.gift names them; () = not in GIFT).
    gift_kinds: ClassVar[tuple[str, ...]] = ()
    # Question editor: the answer rows it shows ("choices", "answers", "pairs"; None = no rows) with a hint
    # (a lazy text, "%%" for "%"), or instead the names of its own fields of the question form.
    editor_rows: ClassVar[str | None] = None
    editor_hint: ClassVar[Any] = ""
    editor_fields: ClassVar[tuple[str, ...]] = ()
    # xAPI interactionType (None: the question is not an interaction, e.g. a description).
    interaction_type: ClassVar[str | None] = None
    # Item analysis: "options" counts the picks of each option, "typed" lists the commonest typed answers,
    # None counts no picks.
    analysis: ClassVar[str | None] = None

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
    def shuffled_options(cls, data: Any) -> list[str]:
        """What an attempt puts in its own order (shuffled when the quiz says so): the choice ids."""
        return cls.choice_ids(data)

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> Any:
        """The answer submitted in ``form`` (a MultiDict) as JSON-ready data, None when unanswered."""
        return None

    @classmethod
    def shown_after_error(cls, form: Any, field: str, saved: Any) -> Any:
        """What the attempt page shows again when the answer in ``form`` was refused: the saved answer
        (types where the trainee typed text show it as typed)."""
        return saved

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

    # GIFT -------------------------------------------------------------------------------------------

    @classmethod
    def from_gift(cls, kind: str, data: Any) -> dict:
        """The type's data from a parsed GIFT answer block of one of :attr:`gift_kinds`."""
        return dict(data) if isinstance(data, Mapping) else {}

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str | None:
        """The GIFT answer block ``{...}`` of the question (None: the text alone); ValueError when GIFT has no
        way to write the type."""
        raise ValueError(f"GIFT cannot express question type {cls.name!r}")

    # Editor -----------------------------------------------------------------------------------------

    @classmethod
    def data_from_editor(cls, form: Any, rows: list[dict[str, str]]) -> dict:
        """The question data from the editor's form and its non-blank answer rows (``id``, ``text``,
        ``right``, ``grade`` as a percentage, ``feedback``); the registry judges the result."""
        return {}

    @classmethod
    def editor_rows_from_data(cls, data: Mapping[str, Any]) -> list[dict[str, str]]:
        """The editor's answer rows for the question's data."""
        return []

    @classmethod
    def fill_editor(cls, form: Any, data: Mapping[str, Any]) -> None:
        """Fill the form fields of the type's own (other than the rows) from the question's data."""

    # xAPI -------------------------------------------------------------------------------------------

    @classmethod
    def xapi_interaction(cls, data: Mapping[str, Any], describe: Describe) -> Interaction | None:
        """The question as an xAPI interaction; None when it is not one."""
        if cls.interaction_type is None:
            return None
        return Interaction({"interactionType": cls.interaction_type}, {})

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        """A trainee's response in the format of the interaction type; None when there is none."""
        return None

    # Item analysis ----------------------------------------------------------------------------------

    @classmethod
    def pick_options(cls, data: Mapping[str, Any]) -> dict[Any, tuple[str, bool]]:
        """For ``analysis = "options"``: each option's key (as in :meth:`pick_keys`) → (label, correct)."""
        return {}

    @classmethod
    def pick_keys(cls, response: Any) -> list[Any]:
        """What a stored response picked, as keys to count."""
        return [response] if isinstance(response, str | bool) else []

    # Demo data --------------------------------------------------------------------------------------

    @classmethod
    def sample_answer(cls, data: Any, field: str, *, right: bool, rng: Any) -> list[tuple[str, str]]:
        """Form fields a demo trainee submits: a right answer, or a plausible wrong one (``rng`` picks)."""
        return []

    # Language variants ------------------------------------------------------------------------------

    @classmethod
    def answer_shape(cls, data: Mapping[str, Any]) -> object:
        """What two language variants of one question must share besides the type (how answers are graded);
        texts may differ by language."""
        return None
