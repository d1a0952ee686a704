"""GIFT, Moodle's plain-text question format: a parser that reports every problem, and the matching writer.

The parser follows Moodle's own importer (``question/format/gift/format.php``): a question is a block
of lines ended by a blank line, ``//`` lines are comments, the first ``{...}`` holds the answers and its
content decides the question type in the same order Moodle checks it. Unlike Moodle it never stops at the
first error: every problem in the file is returned with its line, and a question with a problem is left out.

The parser knows no question types, only GIFT's kinds of answer block; ``GiftQuestion.qtype`` names the kind
(``description``, ``essay``, ``true_false``, ``single_choice``, ``multiple_response``, ``short_answer``,
``numerical``, ``matching``) and ``data`` holds what the block says in plain JSON. The writer has one function
per kind (``*_block``); a question type decides which kind it reads and writes (``lms.quizzes.qtypes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

__all__ = [
    "BLANK",
    "BLOCK_WRITERS",
    "FORMATS",
    "GiftProblem",
    "GiftQuestion",
    "choices_block",
    "essay_block",
    "matching_block",
    "no_block",
    "numerical_block",
    "parse_gift",
    "parsed_answer_block",
    "short_answer_block",
    "true_false_block",
    "write_gift",
]

FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"
BLANK = "_____"  # what Moodle puts in place of a missing-word answer block
MIN_CHOICES = 2  # Moodle's importer: check_answer_count(2) for multichoice
MIN_MATCH_PAIRS = 2  # Moodle's importer and match form: at least two left-hand items

# Escaped control characters become Unicode noncharacters while the block is split up, so that "\{" or "\="
# can never be mistaken for syntax; they turn back into the real characters only in finished texts.
_ESCAPES = {ch: chr(0xFDD0 + k) for k, ch in enumerate(":#={}~n")}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()})
_PLACEHOLDER_RE = re.compile("[\ufdd0-\ufdd6]")
_FIRST_PLACEHOLDER = "\ufdd0"
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TF_ANSWERS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_HUNDRED = Decimal(100)
_ZERO, _ONE = Decimal(0), Decimal(1)


@dataclass
class GiftQuestion:
    """One question read from (or to be written to) GIFT. ``line`` is not part of equality."""

    qtype: str
    name: str = ""
    stem: str = ""
    stem_format: str = DEFAULT_FORMAT
    category: str = ""
    data: dict = field(default_factory=dict)
    general_feedback: str = ""
    line: int = field(default=0, compare=False)
    # Tags from a ``// [tag:name]`` comment line right above the question (Moodle's way of carrying tags).
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GiftProblem:
    """Something wrong in a GIFT file, with the 1-based line it is on."""

    line: int
    message: str


# ----------------------------------------------------------------------------------------------------
# Text spans that remember where each character came from


class _Span:
    """A slice of a question block (escapes replaced) that knows the source line of every character.

    The line of character ``i`` is ``lines[offset + i]``: cutting a span shares the block's list of lines
    instead of copying it, so the many cuts of a parse cost no more than the text they keep."""

    __slots__ = ("s", "lines", "offset", "fallback")

    def __init__(self, s: str, lines: list[int], fallback: int, offset: int = 0) -> None:
        self.s = s
        self.lines = lines
        self.offset = offset
        self.fallback = fallback

    def __len__(self) -> int:
        return len(self.s)

    def _line_at(self, i: int) -> int:
        return self.lines[self.offset + i]

    def cut(self, start: int, end: int | None = None) -> _Span:
        s = self.s
        size = len(s)
        if end is None or end > size:
            end = size
        if start < 0:
            start = 0
        elif start > size:
            start = size
        if end < start:
            end = start
        at = self.offset + start
        if start < size:
            fallback = self.lines[at]
        else:
            fallback = self.lines[at - 1] if size else self.fallback
        return _Span(s[start:end], self.lines, fallback, at)

    def strip(self) -> _Span:
        s = self.s
        stripped = s.strip()
        if len(stripped) == len(s):
            return self
        if not stripped:
            return self.cut(len(s))
        at = self.offset + len(s) - len(s.lstrip())
        return _Span(stripped, self.lines, self.lines[at], at)

    @property
    def line(self) -> int:
        """Line of the first character (or of where the span was cut, if empty)."""
        return self.lines[self.offset] if self.s else self.fallback

    def partition(self, sep: str) -> tuple[_Span, _Span | None]:
        """Split at the first ``sep``: (before, after) or (self, None) when absent."""
        i = self.s.find(sep)
        if i < 0:
            return self, None
        return self.cut(0, i), self.cut(i + len(sep))

    def text(self) -> str:
        """The finished text: escapes resolved, surrounding whitespace removed (as Moodle does)."""
        return _finished(self.s)

    def preview(self, limit: int = 40) -> str:
        """A short one-line quote of the span for problem messages."""
        t = " ".join(self.text().split())
        return t if len(t) <= limit else t[: limit - 1] + "…"


class _Text(_Span):
    """A span without the line of each character, for the first reading of a question: a question without
    problems needs only the line it starts on, which every cut keeps (see :func:`_read_question`)."""

    __slots__ = ()

    def __init__(self, s: str, line: int) -> None:
        self.s = s
        self.fallback = line

    def _line_at(self, i: int) -> int:
        return self.fallback

    def cut(self, start: int, end: int | None = None) -> _Text:
        if start < 0:
            start = 0
        if end is not None and end < start:
            end = start
        return _Text(self.s[start:end], self.fallback)

    def strip(self) -> _Text:
        s = self.s
        stripped = s.strip()
        return self if len(stripped) == len(s) else _Text(stripped, self.fallback)

    @property
    def line(self) -> int:
        return self.fallback


def _finished(s: str) -> str:
    """Placeholders turned back into the characters they stand for, surrounding whitespace removed."""
    if s and max(s) >= _FIRST_PLACEHOLDER:  # most text has none: no need to look up every character
        s = s.translate(_RESTORE)
    return s.strip()


def _escape_block(raw: str, raw_lines: list[int]) -> _Span:
    """Replace GIFT escapes (``\\~ \\= \\# \\{ \\} \\: \\n \\\\``) by placeholders, keeping line numbers."""
    if "\\" not in raw:  # nothing escaped (most text): the block as it is
        return _Span(raw, raw_lines, raw_lines[0] if raw_lines else 1)
    out: list[str] = []
    lines: list[int] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "\\":  # a literal backslash; it must not escape the next character
                out.append("\\")
                lines.append(raw_lines[i])
                i += 2
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                lines.append(raw_lines[i])
                i += 2
                continue
        out.append(ch)
        lines.append(raw_lines[i])
        i += 1
    return _Span("".join(out), lines, raw_lines[0] if raw_lines else 1)


# ----------------------------------------------------------------------------------------------------
# Small helpers


def _dec_str(d: Decimal) -> str:
    """A plain decimal string without exponent or trailing zeros ("0.5", "-0.3333333", "1")."""
    if d == 0:
        return "0"
    if d == 1:
        return "1"
    return format(d.normalize(), "f")


def _is_number(text: str) -> bool:
    return bool(_NUMBER_RE.fullmatch(text))


def _format_and_text(s: str) -> tuple[str | None, str]:
    """A leading ``[markdown]``, ``[html]``, ``[plain]`` or ``[moodle]`` taken off (unknown tags stay text),
    and the finished text of the rest: (format or None, text). ``s`` is a span's string."""
    s = s.strip()
    fmt = None
    if s.startswith("["):
        end = s.find("]")
        if end > 0 and s[1:end] in FORMATS:
            fmt, s = s[1:end], s[end + 1 :]
    return fmt, _finished(s)


def _plain(span: _Span) -> str:
    """Text of an answer part; a per-answer format prefix is accepted (as Moodle does) and dropped."""
    return _format_and_text(span.s)[1]


class _Collector:
    """Problems found in one question; the question is kept only when there are none."""

    def __init__(self, sink: list[GiftProblem]) -> None:
        self.sink = sink
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.sink.append(GiftProblem(line, message))
        self.count += 1


def _has_weight(s: str) -> bool:
    """Whether an answer starts with ``%...%`` (a lone "%" or one whose pair is in the feedback is text)."""
    if not s.startswith("%"):
        return False
    close = s.find("%", 1)
    hash_at = s.find("#")
    return close > 0 and not (0 <= hash_at < close)


def _take_weight(item: _Span, problems: _Collector) -> tuple[Decimal | None, _Span, bool]:
    """Read a leading ``%weight%``: (fraction or None, rest of the item, ok)."""
    s = item.s
    if not _has_weight(s):
        return None, item, True
    close = s.find("%", 1)
    raw = s[1:close].strip()
    rest = item.cut(close + 1).strip()
    quoted = s[: close + 1].translate(_RESTORE)
    if not _is_number(raw):
        problems.add(item.line, f"Weight '{quoted}' is not a number (write weights like %50% or %-33.33333%)")
        return None, rest, False
    percent = Decimal(raw)  # safe: the regex only lets valid numbers through
    if percent < -_HUNDRED or percent > _HUNDRED:
        problems.add(item.line, f"Weight {_dec_str(percent)}% is outside the range -100% to 100%")
        return None, rest, False
    return percent / _HUNDRED, rest, True


def _split_items(span: _Span, markers: str) -> tuple[_Span, list[tuple[str, _Span]]]:
    """Split answer text at every unescaped marker character: (text before the first, [(marker, item)])."""
    cuts = [i for i, ch in enumerate(span.s) if ch in markers]
    if not cuts:
        return span, []
    lead = span.cut(0, cuts[0])
    items = []
    for k, start in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else len(span.s)
        items.append((span.s[start], span.cut(start + 1, end).strip()))
    return lead, items


def _check_full_marks(fractions: list[Decimal], line: int, problems: _Collector) -> None:
    """Moodle's short-answer and numerical forms insist that some answer gives 100%."""
    if fractions and max(fractions) != 1:
        problems.add(line, "None of the answers gives full marks: mark one with '=' and no weight (or %100%)")


# ----------------------------------------------------------------------------------------------------
# Answer-block parsers, one per question type: each returns the data dict and reports what is wrong.


def _parse_choices(ans: _Span, block_line: int, problems: _Collector) -> tuple[str, dict]:
    lead, items = _split_items(ans, "=~")
    if lead.strip().s:
        problems.add(
            lead.line, f"Unknown answer syntax '{lead.preview()}': each choice must start with '=' or '~'"
        )
    single = any(marker == "=" for marker, _ in items)
    qtype = "single_choice" if single else "multiple_response"
    choices: list[dict[str, str]] = []
    positive = _ZERO
    weights_ok = True
    for marker, item in items:
        line = item.line
        if marker == "=":
            fraction = _ONE
            if _has_weight(item.s):
                problems.add(
                    line,
                    "In a multiple-choice question '=' already means 100%; "
                    "write a partial answer as '~%50%text'",
                )
                weights_ok = False
        else:
            weight, item, ok = _take_weight(item, problems)
            weights_ok = weights_ok and ok
            fraction = _ZERO if weight is None else weight
        body, feedback = item.partition("#")
        text = _plain(body)
        if not text:
            problems.add(line, "A choice has no text")
        if fraction > 0:
            positive += fraction
        choices.append(
            {
                "id": _choice_id(len(choices)),
                "text": text,
                "fraction": _dec_str(fraction),
                "feedback": _plain(feedback) if feedback is not None else "",
            }
        )
    if len(choices) < MIN_CHOICES:
        problems.add(block_line, f"A multiple-choice question needs at least {MIN_CHOICES} choices")
    elif not single and weights_ok:
        if positive == 0:
            problems.add(
                block_line,
                "No choice is marked correct: mark the right one with '=' or give weights such as '~%50%'",
            )
        elif positive.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) != 1:
            problems.add(
                block_line,
                f"The positive weights add up to {_dec_str(positive * _HUNDRED)}%; "
                "in a multiple-response question they must add up to 100%",
            )
    return qtype, {"choices": choices}


def _choice_id(index: int) -> str:
    """a, b, ..., z, aa, ab, ... (spreadsheet-style, so ids stay short and ordered)."""
    if index < 26:
        return chr(ord("a") + index)
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


def _parse_matching(ans: _Span, block_line: int, problems: _Collector) -> dict:
    lead, items = _split_items(ans, "=")
    if lead.strip().s:
        problems.add(lead.line, f"Unknown answer syntax '{lead.preview()}': each pair must start with '='")
    pairs: list[dict[str, str]] = []
    for _, item in items:
        line = item.line
        left, right = item.partition("->")
        if right is None:
            problems.add(line, f"Matching pair '{item.preview()}' has no '->' between item and answer")
            continue
        if "#" in item.s:
            problems.add(line, "Matching pairs cannot have feedback ('#'); escape a literal # as \\#")
        left_text, right_text = _plain(left), right.text()
        if not right_text:
            if left_text:
                problems.add(line, f"Matching item '{left.preview()}' has no answer after '->'")
            else:
                problems.add(line, "Empty matching pair '= ->'")
        pairs.append({"left": left_text, "right": right_text})
    lefts = sum(1 for p in pairs if p["left"])
    if lefts < MIN_MATCH_PAIRS:
        problems.add(block_line, f"A matching question needs at least {MIN_MATCH_PAIRS} pairs, found {lefts}")
    return {"pairs": pairs}


def _parse_true_false(ans: _Span) -> dict:
    parts = ans.s.split("#", 2)
    offsets = [0]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part) + 1)
    spans = [ans.cut(offsets[k], offsets[k] + len(parts[k])) for k in range(len(parts))]
    answer = _TF_ANSWERS[spans[0].strip().s]
    # Moodle: the first feedback is for the wrong answer, the second for the right one.
    wrong = _plain(spans[1]) if len(spans) > 1 else ""
    right = _plain(spans[2]) if len(spans) > 2 else ""
    if answer:
        return {"answer": True, "feedback_true": right, "feedback_false": wrong}
    return {"answer": False, "feedback_true": wrong, "feedback_false": right}


def _parse_short_answer(ans: _Span, block_line: int, problems: _Collector) -> dict:
    lead, items = _split_items(ans, "=")
    entries = ([lead.strip()] if lead.strip().s else []) + [item for _, item in items]
    answers: list[dict[str, str]] = []
    fractions: list[Decimal] = []
    for item in entries:
        line = item.line
        weight, item, ok = _take_weight(item, problems)
        fraction = _ONE if weight is None else weight
        body, feedback = item.partition("#")
        text = _plain(body)
        if not text:
            problems.add(line, "A short answer is empty")
        if ok:
            fractions.append(fraction)
        answers.append(
            {"text": text, "fraction": _dec_str(fraction), "feedback": _plain(feedback) if feedback else ""}
        )
    if not answers:
        problems.add(block_line, "A short-answer question needs at least one answer")
    _check_full_marks(fractions, block_line, problems)
    return {"answers": answers}


def _parse_numerical(ans: _Span, block_line: int, problems: _Collector) -> dict:
    body = ans.cut(1)  # drop the leading "#"
    other: _Span | None = None
    tilde = body.s.find("~")
    if tilde >= 0:  # Moodle: "~#feedback" is the feedback for any other answer
        other = body.cut(tilde + 1)
        body = body.cut(0, tilde)
    lead, items = _split_items(body, "=")
    entries = ([lead.strip()] if lead.strip().s else []) + [item for _, item in items]
    answers: list[dict[str, str]] = []
    fractions: list[Decimal] = []
    for item in entries:
        line = item.line
        weight, item, ok = _take_weight(item, problems)
        fraction = _ONE if weight is None else weight
        value_span, feedback = item.partition("#")
        entry = _numerical_value(value_span.text(), line, problems)
        if entry is None:
            continue
        if ok:
            fractions.append(fraction)
        entry["fraction"] = _dec_str(fraction)
        entry["feedback"] = _plain(feedback) if feedback else ""
        answers.append(entry)
    if other is not None:
        junk, feedback = other.partition("#")
        if junk.strip().s or (feedback is not None and "~" in feedback.s):
            problems.add(
                other.line, "Unknown answer syntax after '~': write other-answer feedback as '~#feedback'"
            )
        other_feedback = _plain(feedback) if feedback else ""
        answers.append({"value": "*", "tolerance": "0", "fraction": "0", "feedback": other_feedback})
    if not entries:
        problems.add(block_line, "A numerical question needs at least one answer")
    _check_full_marks(fractions, block_line, problems)
    return {"answers": answers}


def _numerical_value(text: str, line: int, problems: _Collector) -> dict[str, str] | None:
    """``a..b`` range, ``value:tolerance`` or a bare value, as in Moodle (separator not at position 0)."""
    if text.find("..") > 0:
        low, high = (part.strip() for part in text.split("..", 1))
        bad = [x for x in (low, high) if not _is_number(x)]
        for x in bad:
            problems.add(line, f"Numerical answer '{x}' is not a number")
        if bad:
            return None
        if Decimal(low) > Decimal(high):
            problems.add(line, f"Numerical range {low}..{high} has its minimum above its maximum")
            return None
        return {"min": low, "max": high}
    if text.find(":") > 0:
        value, tolerance = (part.strip() for part in text.split(":", 1))
    else:
        value, tolerance = text.strip(), "0"
    ok = True
    if value != "*" and not _is_number(value):
        problems.add(line, f"Numerical answer '{value}' is not a number")
        ok = False
    if not _is_number(tolerance):
        problems.add(line, f"Numerical tolerance '{tolerance}' is not a number")
        ok = False
    elif Decimal(tolerance) < 0:
        problems.add(line, f"Numerical tolerance '{tolerance}' must not be negative")
        ok = False
    return {"value": value, "tolerance": tolerance} if ok else None


def _is_matching(s: str) -> bool:
    """Moodle: answers with both "=" and "->". Only an "->" outside feedback counts, so that a short answer
    whose feedback mentions "->" stays a short answer (and can be written back)."""
    return any("->" in item.split("#", 1)[0] for item in s.split("=")[1:])


# ----------------------------------------------------------------------------------------------------
# Question blocks


def _parse_question(span: _Span, category: str, problems: list[GiftProblem]) -> GiftQuestion | None:
    found = _Collector(problems)
    start_line = span.line
    name = ""
    if span.s.startswith("::"):
        end = span.s.find("::", 2)
        if end < 0:
            found.add(start_line, "The question name is not closed: write it as ::name::")
            return None
        name = _finished(span.s[2:end])
        span = span.cut(end + 2).strip()

    open_at = span.s.find("{")
    close_at = span.s.find("}")
    if open_at < 0 and close_at < 0:
        stem_format, stem = _format_and_text(span.s)
        if not stem:
            found.add(start_line, "The question has no text")
        if found.count:
            return None
        fmt = stem_format or DEFAULT_FORMAT
        return GiftQuestion("description", name, stem, fmt, category, {}, "", start_line)
    if open_at >= 0 and close_at < 0:
        found.add(span.cut(open_at).line, "The answer block opened with '{' is never closed with '}'")
        return None
    if open_at < 0 or close_at < open_at:
        found.add(span.cut(close_at).line, "Found '}' without an opening '{' (escape a literal brace as \\})")
        return None
    inner_open = span.s.find("{", open_at + 1, close_at)
    if inner_open >= 0:
        found.add(
            span.cut(open_at).line,
            "The answer block opened with '{' is not closed before the next '{' "
            "(escape a literal brace as \\{)",
        )
        return None
    after = span.cut(close_at + 1)
    for ch in "{}":
        extra = after.s.find(ch)
        if extra >= 0:
            found.add(
                after.cut(extra).line,
                "A question can have only one answer block {...}: leave a blank line between questions "
                "or escape a literal brace as \\{ or \\}",
            )
            return None

    before = span.s[:open_at]
    if after.s.strip():
        before += BLANK + after.s  # missing word: the sentence goes on after the block
    stem_format, stem = _format_and_text(before)
    if not stem:
        found.add(start_line, "The question has no text")

    block_line = span._line_at(open_at)  # problems with the block as a whole point at its "{"
    ans = span.cut(open_at + 1, close_at).strip()
    general_feedback = ""
    gf_at = ans.s.rfind("####")
    if gf_at >= 0:
        general_feedback = _plain(ans.cut(gf_at + 4))
        ans = ans.cut(0, gf_at).strip()

    data: dict[str, Any]
    s = ans.s
    if not s:
        qtype, data = "essay", {}
    elif s.startswith("#"):
        qtype, data = "numerical", _parse_numerical(ans, block_line, found)
    elif "~" in s:
        qtype, data = _parse_choices(ans, block_line, found)
    elif _is_matching(s):
        qtype, data = "matching", _parse_matching(ans, block_line, found)
    elif s.split("#", 1)[0].strip() in _TF_ANSWERS:
        qtype, data = "true_false", _parse_true_false(ans)
    else:
        qtype, data = "short_answer", _parse_short_answer(ans, block_line, found)

    if found.count:
        return None
    return GiftQuestion(
        qtype, name, stem, stem_format or DEFAULT_FORMAT, category, data, general_feedback, start_line
    )


_TAG_RE = re.compile(r"\[tag:([^\]]*)\]")


def _blocks(text: str) -> Iterable[tuple[list[tuple[int, str]], list[str]]]:
    """Groups of (line number, line) separated by blank lines, comment lines left out, each with the tags of
    the ``// [tag:…]`` comment lines in it or right above it (no blank line between)."""
    block: list[tuple[int, str]] = []
    tags: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            if block:
                yield block, tags
                block = []
            tags = []
            continue
        if stripped.startswith("//"):
            for tag in _TAG_RE.findall(stripped):
                tag = tag.strip()
                if tag and tag not in tags:
                    tags.append(tag)
            continue
        block.append((number, line))
    if block:
        yield block, tags


def _block_span(block: list[tuple[int, str]]) -> _Span:
    raw = "\n".join(line for _, line in block)
    raw_lines: list[int] = []
    for number, line in block:
        raw_lines.extend([number] * (len(line) + 1))
    return _escape_block(raw, raw_lines[: len(raw)])


def _read_question(
    block: list[tuple[int, str]], category: str, problems: list[GiftProblem]
) -> GiftQuestion | None:
    """A block read first without line numbers (as plain text: no escapes); only a question with problems (or
    one that could not be read) is read again, with the line of every character, for its problems' lines.
    Both readings run the same code, so a question without problems comes out the same from either."""
    raw = "\n".join(line for _, line in block)
    if "\\" not in raw:
        try:
            question = _parse_question(_Text(raw, block[0][0]).strip(), category, [])
        except Exception:  # noqa: BLE001 - read again below, where it is reported
            question = None
        if question is not None:
            return question
    return _parse_question(_block_span(block).strip(), category, problems)


def parse_gift(text: str) -> tuple[list[GiftQuestion], list[GiftProblem]]:
    """Parse a whole GIFT file: (questions without problems, every problem found). Never raises."""
    questions: list[GiftQuestion] = []
    problems: list[GiftProblem] = []
    try:
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8", errors="replace")
        elif not isinstance(text, str):
            text = "" if text is None else str(text)
        # U+FEFF is a byte-order mark at the start and an invisible stray elsewhere (word-processor exports).
        text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
        text = _PLACEHOLDER_RE.sub("\ufffd", text)  # keep our placeholders unambiguous
    except Exception as exc:  # noqa: BLE001 - the parser promises never to raise
        return [], [GiftProblem(1, f"The file could not be read: {exc}")]

    category = ""
    for block, tags in _blocks(text):
        first_line = block[0][0]
        try:
            head = block[0][1].strip()
            if head.startswith("$CATEGORY:"):
                category = _escape_block(head[len("$CATEGORY:") :], [first_line] * len(head)).text()
                block = block[1:]  # Moodle wants a blank line after it; we also accept a question right below
                if not block:
                    continue
            question = _read_question(block, category, problems)
            if question is not None:
                question.tags = tags
                questions.append(question)
        except Exception as exc:  # noqa: BLE001 - one broken question must not stop the import
            message = f"This question could not be read ({type(exc).__name__})"
            problems.append(GiftProblem(first_line, message))
    return questions, problems


# ----------------------------------------------------------------------------------------------------
# Writer


_WRITE_ESCAPES = str.maketrans(
    {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n"}
)


def _esc(text: Any) -> str:
    """Escape text so that it reads back unchanged (newlines become ``\\n``: blank lines end questions)."""
    text = "" if text is None else str(text)
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_WRITE_ESCAPES)


def _frag(text: Any) -> str:
    """Answer or feedback text; a neutral ``[moodle]`` keeps a leading "%", "[" or "//" from being syntax."""
    text = "" if text is None else str(text)
    escaped = _esc(text)
    if text.startswith(("%", "[", "//")):
        return "[moodle]" + escaped
    return escaped


def _percent(fraction: Any) -> str:
    return _dec_str(Decimal(str(fraction)) * _HUNDRED)


def _fraction(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value if value is not None else default))
    except (InvalidOperation, ValueError):
        return Decimal(default)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _feedback(text: Any) -> str:
    return "#" + _frag(text) if text else ""


# Answer-block writers, one per kind of block GIFT has (the kinds the parser gives as ``qtype``). Each takes
# the data layout the parser produces and the general feedback, and returns the ``{...}`` block; a question
# type that GIFT writes as one of these calls its writer (see ``lms.quizzes.qtypes``).


def _general(general_feedback: str) -> str:
    return ("####" + _frag(general_feedback)) if general_feedback else ""


def _lines_block(lines: list[str], general_feedback: str, opening: str = "{\n") -> str:
    gf = _general(general_feedback)
    return opening + "".join(f"\t{line}\n" for line in lines + ([gf] if gf else [])) + "}"


def essay_block(data: Mapping, general_feedback: str = "") -> str:
    """An empty block: a written answer."""
    return "{" + _general(general_feedback) + "}"


def true_false_block(data: Mapping, general_feedback: str = "") -> str:
    """``{TRUE#wrong#right}``: Moodle's first feedback is for the wrong answer, the second for the right."""
    answer = bool(data.get("answer"))
    right = data.get("feedback_true" if answer else "feedback_false") or ""
    wrong = data.get("feedback_false" if answer else "feedback_true") or ""
    out = "TRUE" if answer else "FALSE"
    if wrong or right:
        out += "#" + _frag(wrong)
    if right:
        out += "#" + _frag(right)
    return "{" + out + _general(general_feedback) + "}"


def choices_block(data: Mapping, general_feedback: str = "", *, single: bool) -> str:
    """``=right ~wrong ~%50%partial`` lines; ``single`` writes full marks as ``=`` (one answer to pick)."""
    lines: list[str] = []
    choices = data.get("choices") or []
    fractions = [_fraction(choice.get("fraction")) for choice in choices]
    for k, (choice, fraction) in enumerate(zip(choices, fractions, strict=True)):
        # With only "=" answers the block would read as a short answer: one "~%100%" keeps it a choice.
        all_right = k == len(choices) - 1 and all(f == 1 for f in fractions)
        if single and fraction == 1 and not all_right:
            mark = "="
        elif fraction == 0:
            mark = "~"
        else:
            mark = f"~%{_percent(fraction)}%"
        lines.append(mark + _frag(choice.get("text")) + _feedback(choice.get("feedback")))
    return _lines_block(lines, general_feedback)


def short_answer_block(data: Mapping, general_feedback: str = "") -> str:
    """``=answer`` lines (``=%50%answer`` for partial marks)."""
    lines: list[str] = []
    for k, answer in enumerate(data.get("answers") or []):
        fraction = _fraction(answer.get("fraction"), "1")
        mark = "=" if fraction == 1 else f"=%{_percent(fraction)}%"
        if k == 0 and "->" in str(answer.get("text")):
            mark = mark[1:]  # without "=" the answer cannot be read as a matching pair (Moodle allows it)
        lines.append(mark + _frag(answer.get("text")) + _feedback(answer.get("feedback")))
    return _lines_block(lines, general_feedback)


def numerical_block(data: Mapping, general_feedback: str = "") -> str:
    """``{#`` then ``=value:tolerance`` or ``=min..max`` lines, and ``~#feedback`` for any other answer."""
    lines: list[str] = []
    answers = data.get("answers") or []
    for k, answer in enumerate(answers):
        fraction = _fraction(answer.get("fraction"), "1")
        mark = "=" if fraction == 1 else f"=%{_percent(fraction)}%"
        if "min" in answer or "max" in answer:
            value = f"{answer.get('min')}..{answer.get('max')}"
        elif str(answer.get("value")) == "*" and fraction == 0 and k == len(answers) - 1:
            lines.append("~" + _feedback(answer.get("feedback")))  # Moodle's own way to write "any other"
            continue
        else:
            value = f"{answer.get('value')}:{answer.get('tolerance') or 0}"
        lines.append(mark + value + _feedback(answer.get("feedback")))
    return _lines_block(lines, general_feedback, "{#\n")


def matching_block(data: Mapping, general_feedback: str = "") -> str:
    """``=item -> answer`` lines."""
    lines = [
        "=" + _frag(pair.get("left")) + " -> " + _esc(pair.get("right")) for pair in data.get("pairs") or []
    ]
    return _lines_block(lines, general_feedback)


def no_block(data: Mapping, general_feedback: str = "") -> None:
    """A description: the text alone, no answer block."""
    return None


AnswerBlock = Callable[[str, Mapping, str], "str | None"]

# The writer of each kind the parser produces, for ``write_gift`` without an ``answer_block``.
BLOCK_WRITERS: dict[str, Callable[..., str | None]] = {
    "essay": essay_block,
    "true_false": true_false_block,
    "single_choice": partial(choices_block, single=True),
    "multiple_response": partial(choices_block, single=False),
    "short_answer": short_answer_block,
    "numerical": numerical_block,
    "matching": matching_block,
    "description": no_block,
}


def parsed_answer_block(kind: str, data: Mapping, general_feedback: str) -> str | None:
    """The block of one of the parser's own kinds; ValueError for anything else."""
    writer = BLOCK_WRITERS.get(kind)
    if writer is None:
        raise ValueError(f"GIFT cannot express question type {kind!r}")
    return writer(data, general_feedback)


def _write_question(q: Any, answer_block: AnswerBlock) -> str:
    qtype = str(_get(q, "qtype", ""))
    name = str(_get(q, "name", "") or "")
    stem = str(_get(q, "stem", "") or "")
    stem_format = str(_get(q, "stem_format", DEFAULT_FORMAT) or DEFAULT_FORMAT)
    data = _get(q, "data", None) or {}
    general_feedback = str(_get(q, "general_feedback", "") or "")
    tags = [str(t) for t in (_get(q, "tags", None) or []) if str(t).strip() and "]" not in str(t)]

    head = "// " + " ".join(f"[tag:{t}]" for t in tags) + "\n" if tags else ""
    head += f"::{_esc(name)}::" if name else ""
    if stem_format not in FORMATS:
        stem_format = DEFAULT_FORMAT
    # The prefix is also written for [moodle] when the stem could otherwise be misread (as a format tag,
    # or as a comment line when there is no name in front of it).
    if stem_format != DEFAULT_FORMAT or stem.startswith("[") or (not name and stem.startswith("//")):
        head += f"[{stem_format}]"
    block = answer_block(qtype, data, general_feedback)
    if block is None:
        return head + _esc(stem)
    before, sep, after = stem.partition(BLANK)
    if sep and after.strip():
        return head + _esc(before) + block + _esc(after)
    return head + _esc(stem) + block


def write_gift(questions: Iterable[Any], answer_block: AnswerBlock | None = None) -> str:
    """Write questions (GiftQuestion or anything with the same attributes/keys) as a GIFT file.

    ``$CATEGORY:`` lines are written whenever the category changes. Missing-word stems get their answer block
    back where the first ``_____`` is. ``answer_block(qtype, data, general_feedback)`` writes each question's
    block (None: no block); by default the parser's own kinds are written (:func:`parsed_answer_block`).
    """
    answer_block = answer_block or parsed_answer_block
    parts: list[str] = []
    current = ""
    for q in questions:
        category = str(_get(q, "category", "") or "")
        if category != current:
            parts.append(f"$CATEGORY: {_esc(category)}".rstrip())
            current = category
        parts.append(_write_question(q, answer_block))
    return "\n\n".join(parts) + "\n" if parts else ""
