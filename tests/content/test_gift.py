"""GIFT parser and writer: every question type, Moodle's documented examples, problems with lines, fuzzing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lms.content.gift import BLANK, GiftProblem, GiftQuestion, parse_gift, write_gift
from lms.quizzes.qtypes import QUESTION_TYPES

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def one(text: str) -> GiftQuestion:
    """Parse text that must hold exactly one question and no problem."""
    questions, problems = parse_gift(text)
    assert problems == []
    assert len(questions) == 1, questions
    return questions[0]


def problems_of(text: str) -> list[GiftProblem]:
    questions, problems = parse_gift(text)
    assert problems, f"expected a problem, got {questions}"
    return problems


# ------------------------------------------------------------------------------------------------------------
# Moodle's documentation examples

EXPECTED_EXAMPLE_TYPES = [
    ("Q1", "true_false"),
    ("Q2", "single_choice"),
    ("Q3", "short_answer"),
    ("Q4", "matching"),
    ("Q5", "numerical"),
    ("Q6", "numerical"),
    ("Q7", "numerical"),
    ("Q8", "essay"),
    ("", "single_choice"),
    ("Question title", "single_choice"),
    ("", "single_choice"),
    ("", "multiple_response"),
    ("", "true_false"),
    ("", "true_false"),
    ("", "short_answer"),
    ("", "short_answer"),
    ("", "matching"),
    ("", "single_choice"),
    ("", "numerical"),
    ("", "numerical"),
    ("", "numerical"),
    ("", "numerical"),
    ("", "essay"),
    ("", "description"),
    ("Kanji Origins", "short_answer"),
    ("", "single_choice"),
    ("", "short_answer"),
    ("TrueStatement about Grant", "true_false"),
    ("", "true_false"),
    ("", "single_choice"),
    ("Jesus' hometown", "single_choice"),
    ("Jesus' hometown", "short_answer"),
    ("", "short_answer"),
    ("", "single_choice"),
    ("GIFT Control Characters", "single_choice"),
    ("Q9", "true_false"),
]


@pytest.fixture(scope="module")
def moodle_examples() -> list[GiftQuestion]:
    questions, problems = parse_gift((DATA / "moodle_gift_examples.gift").read_text(encoding="utf-8"))
    assert problems == []
    return questions


def test_moodle_examples_import_with_the_right_types(moodle_examples):
    assert [(q.name, q.qtype) for q in moodle_examples] == EXPECTED_EXAMPLE_TYPES


def test_moodle_examples_details(moodle_examples):
    by_name = {q.name: q for q in moodle_examples if q.name}
    q2 = by_name["Q2"]
    assert q2.data["choices"][0] == {"id": "a", "text": "yellow", "fraction": "1", "feedback": "right; good!"}
    assert q2.data["choices"][1]["feedback"] == "wrong, it's yellow"
    assert by_name["Q3"].stem == "Two plus _____ equals four."
    assert by_name["Q6"].data == {"answers": [{"min": "1", "max": "5", "fraction": "1", "feedback": ""}]}
    assert by_name["Q7"].data["answers"][1] == {
        "value": "1822",
        "tolerance": "2",
        "fraction": "0.5",
        "feedback": "He was born in 1822. Half credit for being close.",
    }
    grant = by_name["TrueStatement about Grant"]
    assert grant.data == {
        "answer": True,
        "feedback_true": "TRUE: Yes, he is buried in NYC.",
        "feedback_false": "FALSE: No, he was buried in NYC.",
    }
    assert grant.general_feedback == "You can check this in any good encyclopedia."
    control = by_name["GIFT Control Characters"]
    assert [c["text"] for c in control.data["choices"]] == ["~", "=", "#", "{", "}", "\\"]
    assert control.data["choices"][5]["fraction"] == "1"
    assert control.data["choices"][5]["feedback"].startswith("Correct! \\ (backslash) is not")
    assert by_name["Q9"].category == "tom/dick/harry"
    assert all(q.category == "" for q in moodle_examples[:-1])
    multi = next(q for q in moodle_examples if q.qtype == "multiple_response")
    assert [c["fraction"] for c in multi.data["choices"]] == ["-1", "0.5", "0.5", "-1"]
    capitals = next(q for q in moodle_examples if q.qtype == "matching" and not q.name)
    assert capitals.data["pairs"][3] == {"left": "India", "right": "New Delhi"}
    assert capitals.general_feedback == "It's good to know the capitals"
    markdown = next(q for q in moodle_examples if q.stem_format == "markdown")
    assert markdown.stem == "Who's buried in **Grant's tomb**?"


def test_moodle_examples_are_valid_for_the_registry(moodle_examples):
    for q in moodle_examples:
        assert QUESTION_TYPES[q.qtype].validate(q.data) == [], q


def test_moodle_examples_round_trip(moodle_examples):
    again, problems = parse_gift(write_gift(moodle_examples))
    assert problems == []
    assert again == moodle_examples


# ------------------------------------------------------------------------------------------------------------
# Question types


def test_single_choice():
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q.qtype == "single_choice"
    assert q.stem == "Who's buried in Grant's tomb?"
    assert q.data == {
        "choices": [
            {"id": "a", "text": "Grant", "fraction": "0", "feedback": ""},
            {"id": "b", "text": "Jefferson", "fraction": "0", "feedback": ""},
            {"id": "c", "text": "no one", "fraction": "1", "feedback": ""},
        ]
    }
    assert (q.name, q.stem_format, q.category, q.general_feedback, q.line) == ("", "moodle", "", "", 1)


def test_choice_with_only_weighted_answers_is_multiple_response():
    q = one("Pick two {~%50%a ~%50%b ~c}")
    assert q.qtype == "multiple_response"
    assert [c["fraction"] for c in q.data["choices"]] == ["0.5", "0.5", "0"]


def test_choice_with_an_equals_answer_is_single_choice_even_with_partial_weights():
    q = one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert q.qtype == "single_choice"
    assert [c["fraction"] for c in q.data["choices"]] == ["0", "0.5", "1"]


def test_choice_ids_continue_after_z():
    choices = " ".join(f"~%{'100' if i == 0 else '0'}%c{i}" for i in range(28))
    q = one("Many {" + choices + "}")
    ids = [c["id"] for c in q.data["choices"]]
    assert ids[:3] == ["a", "b", "c"] and ids[25:] == ["z", "aa", "ab"]


@pytest.mark.parametrize(
    ("block", "answer"),
    [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{ TRUE }", True)],
)
def test_true_false_spellings(block, answer):
    q = one(f"The sun rises in the east.{block}")
    assert q.qtype == "true_false"
    assert q.data == {"answer": answer, "feedback_true": "", "feedback_false": ""}


def test_true_false_feedback_follows_moodle_wrong_then_right():
    # First feedback is shown for a wrong answer, the second for a right one.
    q = one("Grant is buried here.{FALSE#No one is buried there.#Right, nobody is.}")
    assert q.data == {
        "answer": False,
        "feedback_true": "No one is buried there.",
        "feedback_false": "Right, nobody is.",
    }
    q = one("Grant is buried here.{TRUE#Wrong one.#Right one.}")
    assert q.data == {"answer": True, "feedback_true": "Right one.", "feedback_false": "Wrong one."}
    q = one("Only wrong feedback.{T#You should have said true.}")
    assert q.data == {"answer": True, "feedback_true": "", "feedback_false": "You should have said true."}


def test_lowercase_true_is_a_short_answer_as_in_moodle():
    q = one("Say it {true}")
    assert q.qtype == "short_answer"
    assert q.data["answers"] == [{"text": "true", "fraction": "1", "feedback": ""}]


def test_short_answer_with_partial_credit_and_feedback():
    q = one(
        "::Jesus' hometown:: Jesus Christ was from {\n"
        "   =Nazareth#Yes! That's right!\n"
        "   =%75%Nazereth#Right, but misspelled.\n"
        "   =%25%Bethlehem#He was born here, but not raised here.}"
    )
    assert q.qtype == "short_answer"
    assert q.data["answers"] == [
        {"text": "Nazareth", "fraction": "1", "feedback": "Yes! That's right!"},
        {"text": "Nazereth", "fraction": "0.75", "feedback": "Right, but misspelled."},
        {"text": "Bethlehem", "fraction": "0.25", "feedback": "He was born here, but not raised here."},
    ]


def test_short_answer_without_equals_sign():
    q = one("Who's buried in Grant's tomb?{no one}")
    assert q.data["answers"] == [{"text": "no one", "fraction": "1", "feedback": ""}]


def test_numerical_tolerance_range_and_exact():
    assert one("Pi? {#3.14:0.01}").data["answers"] == [
        {"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": ""}
    ]
    assert one("1 to 5? {#1..5}").data["answers"] == [
        {"min": "1", "max": "5", "fraction": "1", "feedback": ""}
    ]
    assert one("Born? {#1822}").data["answers"] == [
        {"value": "1822", "tolerance": "0", "fraction": "1", "feedback": ""}
    ]
    assert one("Cold? {#-40..-10.5}").data["answers"][0] | {} == {
        "min": "-40",
        "max": "-10.5",
        "fraction": "1",
        "feedback": "",
    }
    assert one("Big? {#1e3:5E1}").data["answers"][0]["value"] == "1e3"


def test_multiple_numerical_answers():
    q = one("When was Grant born? {# =2000:0 #Exactly! =%50%2001:1 #Close.}")
    assert q.qtype == "numerical"
    assert q.data["answers"] == [
        {"value": "2000", "tolerance": "0", "fraction": "1", "feedback": "Exactly!"},
        {"value": "2001", "tolerance": "1", "fraction": "0.5", "feedback": "Close."},
    ]


def test_numerical_other_answer_feedback_as_in_moodle_fixture():
    q = one("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert q.data["answers"] == [
        {"value": "3", "tolerance": "2", "fraction": "1", "feedback": ""},
        {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Completely wrong"},
    ]


def test_matching_with_distractor_and_formats():
    q = one(
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[plain]A bank of record entries. -> Database\n"
        "    = -> Chat\n"
        "}"
    )
    assert q.qtype == "matching"
    assert q.stem_format == "html"
    assert q.stem == "Match the <b>activity</b> to the description."
    assert q.data == {
        "pairs": [
            {"left": "An activity supporting asynchronous discussions.", "right": "Forum"},
            {"left": "A bank of record entries.", "right": "Database"},
            {"left": "", "right": "Chat"},
        ]
    }


def test_matching_without_spaces_around_arrow():
    q = one("Match the capitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}")
    assert q.data["pairs"][2] == {"left": "Japan", "right": "Tokyo"}


def test_essay_and_general_feedback():
    q = one("::Q8:: How are you? {}")
    assert (q.qtype, q.stem, q.data) == ("essay", "How are you?", {})
    q = one("Describe AEO. {####A good answer mentions the four standards.}")
    assert q.qtype == "essay"
    assert q.general_feedback == "A good answer mentions the four standards."


def test_description():
    q = one("::Intro::You can use your pencil and paper for these next questions.")
    assert (q.qtype, q.name, q.data) == ("description", "Intro", {})
    assert q.stem == "You can use your pencil and paper for these next questions."


def test_general_feedback_on_choice():
    q = one("Q? {=a ~b ####Because a.}")
    assert q.general_feedback == "Because a."
    assert len(q.data["choices"]) == 2


# ------------------------------------------------------------------------------------------------------------
# Missing word


def test_missing_word_keeps_text_after_the_block():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.stem == f"Grant is {BLANK} in Grant's tomb."
    assert q.qtype == "single_choice"


def test_missing_word_before_closing_punctuation():
    q = one("What is pi (to 3 decimal places)? {#3.1415:0.0005}.")
    assert q.stem == f"What is pi (to 3 decimal places)? {BLANK}."
    assert q.qtype == "numerical"


def test_missing_word_at_the_start_and_multi_line():
    q = one("{=Beijing} is the capital\nof China.")
    assert q.stem == f"{BLANK} is the capital\nof China."
    q = one("The holiday is on the {\n    ~second\n    ~third\n    =fourth\n} Thursday of November.")
    assert q.stem == f"The holiday is on the {BLANK} Thursday of November."


def test_block_at_the_end_adds_no_blank():
    assert one("Two plus two equals? {=four =4}").stem == "Two plus two equals?"


# ------------------------------------------------------------------------------------------------------------
# Syntax: escapes, comments, names, categories, formats, multi-line


@pytest.mark.parametrize("char", ["~", "=", "#", "{", "}", ":"])
def test_every_escape_in_stem_answer_and_feedback(char):
    q = one(f"::a\\{char}b::Stem \\{char} here {{=right \\{char} answer#feed \\{char} back ~wrong}}")
    assert q.name == f"a{char}b"
    assert q.stem == f"Stem {char} here"
    assert q.data["choices"][0]["text"] == f"right {char} answer"
    assert q.data["choices"][0]["feedback"] == f"feed {char} back"


def test_newline_and_backslash_escapes():
    q = one("Line one\\nline two {=a\\\\b ~c\\n}")
    assert q.stem == "Line one\nline two"
    assert q.data["choices"][0]["text"] == "a\\b"
    assert q.data["choices"][1]["text"] == "c"  # a trailing newline is trimmed like other whitespace
    # A backslash before anything else stays, as in Moodle (TeX needs it).
    assert one("Solve \\(x^2\\) {=4 ~2}").stem == "Solve \\(x^2\\)"
    # An escaped backslash does not escape what follows.
    assert one("Path C:\\\\{=yes ~no}").stem == "Path C:\\"


@pytest.mark.parametrize("beside", ["", "中文", "😀", "\uffff", "\ufdd0"])
def test_escapes_next_to_any_character(beside):
    """Text with characters from either side of the escapes' internal placeholders reads back the same."""
    q = one(f"::{beside}\\:{beside}::{beside} \\{{x\\}} {{={beside}\\=#\\#{beside} ~b}}")
    shown = "\ufffd" if beside == "\ufdd0" else beside  # a stray placeholder character becomes U+FFFD
    assert (q.name, q.stem) == (f"{shown}:{shown}", f"{shown} {{x}}".strip())
    assert q.data["choices"][0] | {"id": ""} == {
        "id": "",
        "text": f"{shown}=",
        "fraction": "1",
        "feedback": f"#{shown}",
    }


def test_comments_are_ignored_anywhere_but_urls_are_not_comments():
    q = one(
        "// a comment before\n"
        "   // an indented comment\n"
        "::Q:: See https://example.org/x? {\n"
        "  =yes\n"
        "  // a comment inside the block\n"
        "  ~no\n"
        "}\n"
        "// a comment after"
    )
    assert q.stem == "See https://example.org/x?"
    assert [c["text"] for c in q.data["choices"]] == ["yes", "no"]
    assert q.line == 3


def test_comment_only_file_and_empty_file():
    assert parse_gift("// nothing\n// here\n") == ([], [])
    assert parse_gift("") == ([], [])
    assert parse_gift("\n\n   \n") == ([], [])


def test_question_name_spans_lines_and_is_trimmed():
    q = one("::  Question title\n:: Question {=a ~b}")
    assert q.name == "Question title"
    assert q.stem == "Question"


def test_categories_apply_to_following_questions():
    questions, problems = parse_gift(
        "First? {T}\n\n$CATEGORY: core\n\nSecond? {T}\n\nThird? {F}\n\n"
        "$CATEGORY: $course$/top/reflection\n::E:: Essay {}\n\n$CATEGORY:\n\nLast {T}"
    )
    assert problems == []
    assert [q.category for q in questions] == ["", "core", "core", "$course$/top/reflection", ""]
    assert questions[3].line == 10


def test_category_with_escape():
    q = one("$CATEGORY: a\\:b\n\nQ {T}")
    assert q.category == "a:b"


@pytest.mark.parametrize("fmt", ["markdown", "html", "plain", "moodle"])
def test_format_prefixes(fmt):
    q = one(f"::N::[{fmt}]Some *text* {{T}}")
    assert q.stem_format == fmt
    assert q.stem == "Some *text*"


def test_default_format_and_unknown_prefix_stays_text():
    q = one("[note] Read carefully. {T}")
    assert q.stem_format == "moodle"
    assert q.stem == "[note] Read carefully."


def test_answer_format_prefix_is_dropped_like_moodle():
    q = one("Q {=[html]<b>yes</b> # [plain]good ~%-100%[markdown]**no**}")
    assert q.data["choices"][0]["text"] == "<b>yes</b>"
    assert q.data["choices"][0]["feedback"] == "good"
    assert q.data["choices"][1] == {"id": "b", "text": "**no**", "fraction": "-1", "feedback": ""}


def test_multi_line_questions_end_at_blank_lines_and_keep_line_numbers():
    text = "\r\n".join(
        [
            "::One::",
            "First line",
            "second line {",
            "  =a",
            "  ~b",
            "}",
            "   ",
            "",
            "::Two:: Next {T}",
        ]
    )
    questions, problems = parse_gift("\ufeff" + text)
    assert problems == []
    assert [q.line for q in questions] == [1, 9]
    assert questions[0].stem == "First line\nsecond line"


@pytest.mark.parametrize(
    ("weight", "fraction"),
    [
        ("50", "0.5"),
        ("-33.33333", "-0.3333333"),
        ("33.33333", "0.3333333"),
        ("12.5", "0.125"),
        ("-100", "-1"),
        ("100", "1"),
        ("0", "0"),
        ("-0.5", "-0.005"),
    ],
)
def test_weights(weight, fraction):
    q = one(f"Q {{=right ~%{weight}%other}}")
    assert q.data["choices"][1]["fraction"] == fraction


def test_three_thirds_make_a_valid_multiple_response():
    q = one("Q {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.qtype == "multiple_response"


def test_percent_sign_that_is_not_a_weight_stays_text():
    q = one("Q {=100% cotton ~%d format #uses a % sign}")
    assert q.data["choices"][0]["text"] == "100% cotton"
    assert q.data["choices"][1]["text"] == "%d format"


# ------------------------------------------------------------------------------------------------------------
# Problems, each with its line


GOOD = "::ok:: Fine {T}\n\n"  # two lines in front, so every problem below is on line >= 3


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q starts\nhere {=a\n~b", 4, "never closed"),
        ("Q } stray {=a ~b}", 3, "without an opening"),
        ("Q {=a ~b}\nand {=c ~d}", 4, "only one answer block"),
        ("Q {=a ~b\n{=c ~d}", 3, "not closed before the next"),
        ("Q {\nfoo\n~a =b}", 4, "Unknown answer syntax 'foo'"),
        ("Q {=a\n~%abc%b}", 4, "Weight '%abc%' is not a number"),
        ("Q {=a\n~%150%b}", 4, "Weight 150% is outside the range -100% to 100%"),
        ("Q {=a\n~%-101%b}", 4, "outside the range"),
        ("Q {#\n=abc}", 4, "Numerical answer 'abc' is not a number"),
        ("Q {#3.14:x}", 3, "Numerical tolerance 'x' is not a number"),
        ("Q {#3.14:-1}", 3, "must not be negative"),
        ("Q {#5..1}", 3, "minimum above its maximum"),
        ("Q {#}", 3, "needs at least one answer"),
        ("Q {#=%50%3}", 3, "None of the answers gives full marks"),
        ("Q {\n=a -> b\n}", 3, "needs at least 2 pairs, found 1"),
        ("Q {\n=a -> b\n=c d\n=e -> f}", 5, "Matching pair 'c d' has no '->'"),
        ("Q {=a -> b =c -> }", 3, "Matching item 'c' has no answer"),
        ("Q {=a -> b #fb =c -> d}", 3, "cannot have feedback"),
        ("Q {\n~a\n~b}", 3, "No choice is marked correct"),
        ("Q {~%50%a ~%40%b ~c}", 3, "add up to 90%"),
        ("Q {~%50%a ~%50%b ~%50%c}", 3, "add up to 150%"),
        ("Q {~only}", 3, "at least 2 choices"),
        ("Q {=a ~}", 3, "A choice has no text"),
        ("Q {=%50%a ~b}", 3, "'=' already means 100%"),
        ("Q {=%50%half}", 3, "None of the answers gives full marks"),
        ("Q {=}", 3, "A short answer is empty"),
        ("{=a ~b}", 3, "The question has no text"),
        ("::name::{T}", 3, "The question has no text"),
        ("::name only", 3, "name is not closed"),
        ("Q {#3:2 ~junk#x}", 3, "Unknown answer syntax after '~'"),
    ],
)
def test_problems_with_line_numbers(text, line, message):
    questions, problems = parse_gift(GOOD + text)
    assert [q.name for q in questions] == ["ok"]  # the bad question is left out, the good one kept
    assert len(problems) >= 1
    assert problems[0].line == line, problems
    assert message in problems[0].message, problems


def test_all_problems_in_a_file_are_collected():
    text = "Q1 {#abc}\n\nGood {T}\n\nQ3 {~a ~b}\n\n\nQ4 {=a\n\nQ5 {=a -> b}"
    questions, problems = parse_gift(text)
    assert [q.stem for q in questions] == ["Good"]
    assert [p.line for p in problems] == [1, 5, 8, 10]
    assert all(isinstance(p.message, str) and p.message[0].isupper() for p in problems)


def test_several_problems_in_one_question():
    problems = problems_of("Q {#abc:x =%200%1}")
    messages = " | ".join(p.message for p in problems)
    assert "'abc' is not a number" in messages
    assert "tolerance 'x'" in messages
    assert "200%" in messages


def test_parser_never_raises_on_random_input():
    rng = random.Random(20240611)
    tokens = [
        "{",
        "}",
        "=",
        "~",
        "#",
        "####",
        "%",
        "%50%",
        "%-33.33333%",
        "%x%",
        "->",
        "::",
        "\\",
        "\\n",
        "\\{",
        "\n",
        "\n\n",
        "//",
        "$CATEGORY:",
        "[html]",
        "[markdown]",
        "[",
        "]",
        "T",
        "FALSE",
        "..",
        ":",
        "1",
        "2.5",
        "-3",
        "1e999999",
        " ",
        "\t",
        "a",
        "word",
        "é",
        "中文",
        "\ufdd0",
        "\r",
        "*",
        BLANK,
        "\ufeff",
        "\x00",
    ]
    for _ in range(3000):
        if rng.random() < 0.2:
            text = "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 80)))
        else:
            text = "".join(rng.choice(tokens) for _ in range(rng.randrange(0, 40)))
        questions, problems = parse_gift(text)
        assert all(isinstance(p, GiftProblem) and p.line >= 1 for p in problems)
        assert not any("could not be read" in p.message for p in problems), (text, problems)
        for q in questions:
            assert q.qtype in QUESTION_TYPES
            assert QUESTION_TYPES[q.qtype].validate(q.data) == [], (text, q)
        # Whatever was read must survive a write and a second read unchanged.
        again, again_problems = parse_gift(write_gift(questions))
        assert again_problems == [], (text, write_gift(questions))
        assert again == questions, (text, write_gift(questions))


def _random_question(rng: random.Random) -> str:
    """A question shaped like GIFT, with random (often hostile) text in every slot."""
    bits = [
        "%",
        "%5%",
        "[html]",
        "[x]",
        "//",
        "->",
        "\\",
        "\\n",
        "\\=",
        "=",
        "~",
        "#",
        "{",
        "}",
        ":",
        "::",
        "..",
        "T",
        "*",
        BLANK,
        " ",
        "\t",
        "\n",
        "a",
        "word",
        "é",
        "1",
        "-2.5",
        "$CATEGORY:",
        "####",
    ]

    def text(k: int = 6) -> str:
        return "".join(rng.choice(bits) for _ in range(rng.randrange(0, k)))

    def weight() -> str:
        return rng.choice(["", "", "%50%", "%-33.33333%", "%100%", "%0%", "%abc%", "%150%"])

    kind = rng.choice(["choice", "multi", "short", "numerical", "matching", "tf", "essay"])
    items: list[str] = []
    if kind == "multi":
        items = ["~%50%" + text(), "~%-100%" + text(), "~%50%" + text()]
    elif kind == "choice":
        items = [
            rng.choice("=~") + weight() + text() + rng.choice(["", "#" + text()])
            for _ in range(rng.randrange(1, 5))
        ]
    elif kind == "short":
        items = ["=" + weight() + text() + rng.choice(["", "#" + text()]) for _ in range(rng.randrange(1, 4))]
    elif kind == "numerical":
        values = ["3", "3:1", "1..5", "-2.5:0.1", "1e3", "x", "*"]
        items = ["#"] + [
            "=" + weight() + rng.choice(values) + rng.choice(["", "#" + text()]) for _ in range(3)
        ]
        items += rng.choice([[], ["~#" + text()]])
    elif kind == "matching":
        items = ["=" + text() + " -> " + text() for _ in range(rng.randrange(1, 5))]
    elif kind == "tf":
        items = [rng.choice(["T", "TRUE", "F", "FALSE"]) + "#" * rng.randrange(0, 3) + text()]
    if rng.random() < 0.3:
        items.append("####" + text())
    name = rng.choice(["", "::" + text() + "::"])
    fmt = rng.choice(["", "", "[html]", "[markdown]", "[plain]", "[moodle]"])
    block = "{" + rng.choice([" ", "\n  ", ""]).join(items) + "}"
    return name + fmt + text(10) + block + rng.choice(["", text()])


def test_random_gift_shaped_questions_read_validate_and_round_trip():
    rng = random.Random(7)
    kinds: set[str] = set()
    for _ in range(1500):
        text = "\n\n".join(_random_question(rng) for _ in range(rng.randrange(1, 4)))
        if rng.random() < 0.2:
            text = "$CATEGORY: " + "".join(rng.choice("ab/:\\ ") for _ in range(5)) + "\n\n" + text
        questions, problems = parse_gift(text)
        assert not any("could not be read" in p.message for p in problems), (text, problems)
        for q in questions:
            kinds.add(q.qtype)
            assert QUESTION_TYPES[q.qtype].validate(q.data) == [], (text, q)
        again, again_problems = parse_gift(write_gift(questions))
        assert (again, again_problems) == (questions, []), (text, write_gift(questions))
    assert kinds == set(QUESTION_TYPES)


@pytest.mark.parametrize("value", [None, b"Q {T}", 42])
def test_parser_accepts_odd_inputs(value):
    questions, problems = parse_gift(value)
    assert isinstance(questions, list) and isinstance(problems, list)


# ------------------------------------------------------------------------------------------------------------
# Writer


ROUND_TRIP = [
    GiftQuestion(
        "single_choice",
        "Tricky: names",
        "Pick {one} = #1 ~ not \\ you\nand mind the newline",
        "moodle",
        "",
        {
            "choices": [
                {"id": "a", "text": "%50% sure", "fraction": "1", "feedback": "[html] is literal"},
                {"id": "b", "text": "[markdown]x", "fraction": "0", "feedback": ""},
                {"id": "c", "text": "half", "fraction": "0.5", "feedback": "#1"},
                {"id": "d", "text": "bad", "fraction": "-0.3333333", "feedback": "::"},
            ]
        },
        "General: feedback",
    ),
    GiftQuestion(
        "multiple_response",
        "",
        "[html] looks like a format but is text",
        "moodle",
        "core",
        {
            "choices": [
                {"id": "a", "text": "a", "fraction": "1", "feedback": ""},
                {"id": "b", "text": "b", "fraction": "-1", "feedback": "no"},
            ]
        },
        "",
    ),
    GiftQuestion(
        "true_false",
        "tf",
        "True?",
        "markdown",
        "core",
        {"answer": True, "feedback_true": "", "feedback_false": ""},
        "",
    ),
    GiftQuestion(
        "true_false",
        "",
        "Right only",
        "moodle",
        "core",
        {"answer": False, "feedback_true": "", "feedback_false": "yes"},
        "",
    ),
    GiftQuestion(
        "true_false",
        "",
        "Both",
        "html",
        "core",
        {"answer": True, "feedback_true": "r", "feedback_false": "w"},
        "g",
    ),
    GiftQuestion(
        "short_answer",
        "",
        "Capital of China is _____ today.",
        "plain",
        "core/sub",
        {
            "answers": [
                {"text": "Beijing", "fraction": "1", "feedback": "ok"},
                {"text": "%Peking", "fraction": "0.5", "feedback": ""},
            ]
        },
        "",
    ),
    GiftQuestion(
        "numerical",
        "",
        "Pi?",
        "moodle",
        "core/sub",
        {
            "answers": [
                {"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": "good"},
                {"min": "3", "max": "4", "fraction": "0.5", "feedback": ""},
                {"value": "-1e2", "tolerance": "0", "fraction": "0.1", "feedback": ""},
                {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "no"},
            ]
        },
        "pi is 3.14159",
    ),
    GiftQuestion(
        "matching",
        "m",
        "Match",
        "moodle",
        "",
        {
            "pairs": [
                {"left": "a = b", "right": "c -> d"},
                {"left": "[x]", "right": "{y}"},
                {"left": "", "right": "z"},
            ]
        },
        "",
    ),
    GiftQuestion(
        "single_choice",
        "",
        "All right",
        "moodle",
        "",
        {
            "choices": [
                {"id": "a", "text": "x", "fraction": "1", "feedback": ""},
                {"id": "b", "text": "y", "fraction": "1", "feedback": ""},
            ]
        },
        "",
    ),
    GiftQuestion(
        "numerical",
        "",
        "Other answers in the middle",
        "moodle",
        "",
        {
            "answers": [
                {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "first"},
                {"value": "2", "tolerance": "0", "fraction": "1", "feedback": ""},
            ]
        },
        "",
    ),
    GiftQuestion(
        "short_answer",
        "",
        "Arrow",
        "moodle",
        "",
        {"answers": [{"text": "a->b", "fraction": "1", "feedback": "c->d"}]},
        "",
    ),
    GiftQuestion("essay", "", "Write _____ here", "moodle", "", {}, "Marking: 3 points"),
    GiftQuestion("essay", "", "// not a comment", "moodle", "", {}, ""),
    GiftQuestion("description", "", "Only text, with a blank _____ at the end: _____", "moodle", "", {}, ""),
    GiftQuestion("description", "d", "$CATEGORY: not really", "moodle", "", {}, ""),
]


def test_write_then_parse_gives_equal_questions_for_every_type():
    assert {q.qtype for q in ROUND_TRIP} == set(QUESTION_TYPES)
    text = write_gift(ROUND_TRIP)
    again, problems = parse_gift(text)
    assert problems == [], text
    assert again == ROUND_TRIP, text


def test_writer_output_shape():
    text = write_gift(
        [
            GiftQuestion(
                "true_false", "Q1", "1+1=2", data={"answer": True, "feedback_true": "", "feedback_false": ""}
            ),
            GiftQuestion(
                "single_choice",
                "",
                f"Grant is {BLANK} in Grant's tomb.",
                category="history",
                data={
                    "choices": [
                        {"id": "a", "text": "buried", "fraction": "0", "feedback": ""},
                        {"id": "b", "text": "entombed", "fraction": "1", "feedback": "Right!"},
                    ]
                },
            ),
        ]
    )
    assert text == (
        "::Q1::1+1\\=2{TRUE}\n\n"
        "$CATEGORY: history\n\n"
        "Grant is {\n\t~buried\n\t=entombed#Right!\n} in Grant's tomb.\n"
    )


def test_writer_accepts_mappings_and_numbers():
    text = write_gift(
        [
            {
                "qtype": "multiple_response",
                "stem": "Q",
                "data": {
                    "choices": [
                        {"id": "a", "text": "x", "fraction": 0.5},
                        {"id": "b", "text": "y", "fraction": 0.5},
                    ]
                },
            }
        ]
    )
    q = one(text)
    assert q.qtype == "multiple_response"
    assert [c["fraction"] for c in q.data["choices"]] == ["0.5", "0.5"]


def test_writer_rejects_unknown_type():
    with pytest.raises(ValueError, match="cannot express"):
        write_gift([GiftQuestion("hotspot", "", "Q")])


def test_write_empty():
    assert write_gift([]) == ""


def test_both_readings_of_a_question_agree():
    """A block is read first without line numbers and again, with them, only when it has problems: every
    block of the shipped banks and the Moodle examples, and damaged copies of them, gives the same question,
    or the same problems, read either way."""
    from lms.content import gift

    texts = [(DATA / "moodle_gift_examples.gift").read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "quizzes").glob("*.gift"))]
    rng = random.Random(7)
    blocks = []
    for text in texts:
        for block, _tags in gift._blocks(text):
            if block[0][1].strip().startswith("$CATEGORY:"):
                block = block[1:]
            if block and "\\" not in "".join(line for _, line in block):
                blocks.append(block)
    for block in list(blocks):
        for _ in range(3):  # a damaged copy: a character of the block's syntax dropped, doubled or added
            number, line = block[-1]
            at = rng.randrange(len(line) + 1)
            line = (
                line[:at]
                + rng.choice(["", "{", "}", "~", "=", "#", "%", "->", line[at : at + 1]])
                + line[at + 1 :]
            )
            if line.strip():
                blocks.append([*block[:-1], (number, line)])
    read_again = 0
    for block in blocks:
        with_lines: list[GiftProblem] = []
        full = gift._parse_question(gift._block_span(block).strip(), "c", with_lines)
        plain_problems: list[GiftProblem] = []
        plain = gift._parse_question(
            gift._Text("\n".join(text for _, text in block), block[0][0]).strip(), "c", plain_problems
        )
        assert plain == full and (plain is None or plain.line == full.line)
        assert [p.message for p in plain_problems] == [p.message for p in with_lines]
        read_again += bool(with_lines)
    assert 50 < read_again < len(blocks) - 50  # both kinds of block were met
