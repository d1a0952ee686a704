"""Question-type registry: validation, reading form answers, grading, feedback and the answer widgets."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel.speaklater import LazyString
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from lms.content.gift import parse_gift
from lms.quizzes import qtypes
from lms.quizzes.qtypes import QUESTION_TYPES, QuestionType, ResponseError, get_qtype, register, registered

WIDGETS = Path(__file__).resolve().parents[2] / "templates" / "quizzes" / "qtypes"


def choices(*fractions, feedback: bool = False) -> dict:
    """Choice data with ids a, b, c... and the given fractions."""
    return {
        "choices": [
            {
                "id": chr(ord("a") + i),
                "text": f"choice {i}",
                "fraction": f,
                "feedback": f"fb {i}" if feedback else "",
            }
            for i, f in enumerate(fractions)
        ]
    }


SINGLE = choices("0", "1", "0.5", "-1", feedback=True)
MULTI = choices("0.5", "0.5", "-1", "0")
TF_TRUE = {"answer": True, "feedback_true": "Yes.", "feedback_false": "No, it is true."}
SHORT = {
    "answers": [
        {"text": "Beijing", "fraction": "1", "feedback": "Right."},
        {"text": "Pe king", "fraction": "0.5", "feedback": "Old name."},
        {"text": "*", "fraction": "0", "feedback": "Anything else is wrong."},
    ]
}
NUMERICAL = {
    "answers": [
        {"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": "Good."},
        {"min": "3", "max": "3.5", "fraction": "0.5", "feedback": "Close."},
        {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Try again."},
    ]
}
MATCHING = {
    "pairs": [
        {"left": "Canada", "right": "Ottawa"},
        {"left": "Italy", "right": "Rome"},
        {"left": "Japan", "right": "Tokyo"},
        {"left": "", "right": "Sydney"},
    ]
}
VALID = {
    "single_choice": SINGLE,
    "multiple_response": MULTI,
    "true_false": TF_TRUE,
    "short_answer": SHORT,
    "numerical": NUMERICAL,
    "matching": MATCHING,
    "essay": {},
    "description": {},
}


def grade(qtype: str, data: dict, response) -> Decimal | None:
    return QUESTION_TYPES[qtype].grade(data, response)


def form(*pairs) -> MultiDict:
    return MultiDict(list(pairs))


# ------------------------------------------------------------------------------------------------------------
# Registry


def test_registry_has_every_type_with_a_lazy_label():
    assert set(QUESTION_TYPES) == set(VALID)
    for name, cls in QUESTION_TYPES.items():
        assert cls.name == name
        assert isinstance(cls.label, LazyString)  # translated when shown, not at import
        assert issubclass(cls, QuestionType)
    assert [n for n, c in QUESTION_TYPES.items() if not c.auto_graded] == ["essay", "description"]


def test_get_qtype():
    assert get_qtype("matching") is QUESTION_TYPES["matching"]
    with pytest.raises(KeyError, match="Unknown question type 'hotspot'"):
        get_qtype("hotspot")


def test_new_types_plug_in_with_register():
    class Ordering(QuestionType):
        name = "ordering"
        label = "Ordering"

        @classmethod
        def grade(cls, data, response):
            return Decimal(1) if response == data["order"] else Decimal(0)

    before = dict(QUESTION_TYPES)
    with registered(Ordering):
        assert QUESTION_TYPES["ordering"] is Ordering
        assert qtypes.get_qtype("ordering").grade({"order": [1, 2]}, [1, 2]) == 1
    assert QUESTION_TYPES == before  # the registry is back as it was after the test


def test_register_refuses_a_clashing_name_and_a_missing_name():
    before = dict(QUESTION_TYPES)
    with pytest.raises(ValueError, match="already registered"):

        @register
        class Other(QuestionType):
            name = "essay"

    with pytest.raises(ValueError, match="has no name"):

        @register
        class Nameless(QuestionType):
            pass

    assert QUESTION_TYPES == before  # a refused type leaves the registry as it was


def test_methods_work_on_instances_too():
    assert QUESTION_TYPES["true_false"]().grade(TF_TRUE, True) == 1


# ------------------------------------------------------------------------------------------------------------
# validate


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_data_has_no_problems(name):
    assert QUESTION_TYPES[name].validate(VALID[name]) == []


@pytest.mark.parametrize("name", sorted(VALID))
def test_data_must_be_a_mapping(name):
    assert QUESTION_TYPES[name].validate(["not", "a", "dict"]) != []


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("single_choice", {}, "must be a list"),
        ("single_choice", choices("1"), "at least two choices"),
        ("single_choice", choices("0", "0.5"), "fully correct"),
        ("single_choice", choices("1", "abc"), "not a number"),
        ("single_choice", choices("1", "1.5"), "between -100% and 100%"),
        (
            "single_choice",
            {"choices": [{"id": "a", "text": "x", "fraction": "1"}, {"id": "a", "text": "y"}]},
            "repeats",
        ),
        (
            "single_choice",
            {"choices": [{"id": "", "text": "x", "fraction": "1"}, {"id": "b", "text": ""}]},
            "no id",
        ),
        (
            "single_choice",
            {"choices": [{"id": "a", "text": " ", "fraction": "1"}, {"id": "b", "text": "y"}]},
            "no text",
        ),
        ("multiple_response", choices("0.5", "0.4", "0"), "add up to 90%"),
        ("multiple_response", choices("0", "0"), "add up to 0%"),
        ("multiple_response", choices("0.5", "0.5", "0.5"), "add up to 150%"),
        ("true_false", {"answer": "yes"}, "true or false"),
        ("short_answer", {"answers": []}, "at least one"),
        ("short_answer", {"answers": [{"text": "", "fraction": "1"}]}, "no text"),
        ("short_answer", {"answers": [{"text": "a", "fraction": "0.5"}]}, "fully correct"),
        ("numerical", {"answers": [{"value": "x", "tolerance": "0", "fraction": "1"}]}, "not a number"),
        ("numerical", {"answers": [{"value": "1", "tolerance": "-1", "fraction": "1"}]}, "tolerance"),
        ("numerical", {"answers": [{"min": "5", "max": "1", "fraction": "1"}]}, "minimum is above"),
        ("numerical", {"answers": [{"min": "a", "max": "1", "fraction": "1"}]}, "must be numbers"),
        ("matching", {"pairs": [{"left": "a", "right": "b"}]}, "at least two pairs"),
        (
            "matching",
            {"pairs": [{"left": "a", "right": "b"}, {"left": "c", "right": ""}]},
            "no answer on the right",
        ),
        ("matching", {"pairs": "nope"}, "must be a list"),
    ],
)
def test_validate_reports_problems(name, data, expected):
    problems = QUESTION_TYPES[name].validate(data)
    assert any(expected in p for p in problems), problems
    assert all(isinstance(p, str) for p in problems)


def test_three_thirds_are_a_valid_multiple_response():
    assert QUESTION_TYPES["multiple_response"].validate(choices("0.3333333", "0.3333333", "0.3333333")) == []


def test_fractions_may_be_json_numbers():
    assert QUESTION_TYPES["single_choice"].validate(choices(0, 1, 0.5)) == []
    assert grade("single_choice", choices(0, 1, 0.5), "c") == Decimal("0.5")


# ------------------------------------------------------------------------------------------------------------
# choice_ids


def test_choice_ids():
    assert QUESTION_TYPES["single_choice"].choice_ids(SINGLE) == ["a", "b", "c", "d"]
    assert QUESTION_TYPES["multiple_response"].choice_ids(MULTI) == ["a", "b", "c", "d"]
    for name in ("true_false", "short_answer", "numerical", "matching", "essay", "description"):
        assert QUESTION_TYPES[name].choice_ids(VALID[name]) == []


# ------------------------------------------------------------------------------------------------------------
# parse_response


@pytest.mark.parametrize(
    ("name", "submitted", "expected"),
    [
        ("single_choice", [("q1", "b")], "b"),
        ("single_choice", [], None),
        ("single_choice", [("q1", "")], None),
        ("multiple_response", [("q1", "b"), ("q1", "a"), ("q1", "b")], ["a", "b"]),
        ("multiple_response", [], None),
        ("true_false", [("q1", "true")], True),
        ("true_false", [("q1", "false")], False),
        ("true_false", [("q1", "")], None),
        ("short_answer", [("q1", "  Bei jing ")], "Bei jing"),
        ("short_answer", [("q1", "   ")], None),
        ("numerical", [("q1", " 3.14 ")], "3.14"),
        ("numerical", [("q1", "-1e3")], "-1e3"),
        ("numerical", [], None),
        ("matching", [("q1-0", "Ottawa"), ("q1-2", "Sydney")], ["Ottawa", None, "Sydney"]),
        ("matching", [("q1-0", ""), ("q1-1", "")], None),
        ("essay", [("q1", "Line one\r\nline two  \n")], "Line one\nline two"),
        ("essay", [("q1", " \n ")], None),
        ("description", [("q1", "anything")], None),
    ],
)
def test_parse_response(name, submitted, expected):
    assert QUESTION_TYPES[name].parse_response(VALID[name], form(*submitted), "q1") == expected


@pytest.mark.parametrize(
    ("name", "submitted"),
    [
        ("single_choice", [("q1", "z")]),
        ("multiple_response", [("q1", "a"), ("q1", "zz")]),
        ("true_false", [("q1", "maybe")]),
        ("numerical", [("q1", "3,14")]),
        ("numerical", [("q1", "pi")]),
        ("numerical", [("q1", "nan")]),
        ("numerical", [("q1", "1e999999999")]),
        ("short_answer", [("q1", "x" * 201)]),
        ("matching", [("q1-0", "Paris")]),
    ],
)
def test_parse_response_rejects_bad_answers(name, submitted):
    with pytest.raises(ResponseError) as caught:
        QUESTION_TYPES[name].parse_response(VALID[name], form(*submitted), "q1")
    assert caught.value.message and str(caught.value) == caught.value.message


def test_responses_are_json_serialisable():
    import json

    for name, submitted in [
        ("multiple_response", [("f", "a")]),
        ("matching", [("f-1", "Rome")]),
        ("true_false", [("f", "true")]),
        ("numerical", [("f", "3")]),
    ]:
        parsed = QUESTION_TYPES[name].parse_response(VALID[name], form(*submitted), "f")
        assert json.loads(json.dumps(parsed)) == parsed


# ------------------------------------------------------------------------------------------------------------
# grade


@pytest.mark.parametrize(
    ("response", "expected"),
    [("b", "1"), ("a", "0"), ("c", "0.5"), ("d", "0"), (None, "0"), ("zz", "0"), (["b"], "0")],
)
def test_grade_single_choice(response, expected):
    assert grade("single_choice", SINGLE, response) == Decimal(expected)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["a", "b"], "1"),
        (["a"], "0.5"),
        (["a", "b", "c"], "0"),  # 0.5 + 0.5 - 1
        (["c"], "0"),  # never below 0
        (["a", "c"], "0"),
        (["a", "d"], "0.5"),
        (["a", "a"], "0.5"),  # a repeated id counts once
        ([], "0"),
        (None, "0"),
        ("a", "0"),
    ],
)
def test_grade_multiple_response(response, expected):
    assert grade("multiple_response", MULTI, response) == Decimal(expected)


def test_three_thirds_all_chosen_give_full_marks():
    data = choices("0.3333333", "0.3333333", "0.3333333", "-1")
    assert grade("multiple_response", data, ["a", "b", "c"]) == Decimal("1")
    assert grade("multiple_response", data, ["a", "b"]) == Decimal("0.6666666")
    assert grade("multiple_response", data, ["a", "b", "c", "d"]) == Decimal("0")


def test_over_full_total_is_clamped_to_one():
    assert grade("multiple_response", choices("0.6", "0.6"), ["a", "b"]) == Decimal(1)


def test_grades_have_seven_decimal_places():
    for name, response in [
        ("single_choice", "c"),
        ("multiple_response", ["a"]),
        ("true_false", True),
        ("short_answer", "beijing"),
        ("numerical", "3.14"),
        ("matching", ["Ottawa", "Rome", "Paris"]),
    ]:
        result = grade(name, VALID[name], response)
        assert isinstance(result, Decimal)
        assert result.as_tuple().exponent == -7
        assert Decimal(0) <= result <= Decimal(1)


def test_grade_true_false():
    assert grade("true_false", TF_TRUE, True) == 1
    assert grade("true_false", TF_TRUE, False) == 0
    assert grade("true_false", TF_TRUE, None) == 0
    assert grade("true_false", {"answer": False}, False) == 1
    assert grade("true_false", TF_TRUE, "true") == 0  # only a parsed response counts


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Beijing", "1"),
        ("  bEiJiNg ", "1"),
        ("pe   king", "0.5"),
        ("Pe\tking", "0.5"),
        ("Shanghai", "0"),  # matched only by the "*" wildcard answer, worth 0
        (None, "0"),
    ],
)
def test_grade_short_answer(response, expected):
    assert grade("short_answer", SHORT, response) == Decimal(expected)


def test_short_answer_best_fraction_and_wildcards():
    data = {
        "answers": [
            {"text": "cat*", "fraction": "0.5"},
            {"text": "catalogue", "fraction": "1"},
            {"text": "a\\*b", "fraction": "1"},
        ]
    }
    assert grade("short_answer", data, "catalogue") == 1  # the best match wins, not the first
    assert grade("short_answer", data, "cats") == Decimal("0.5")
    assert grade("short_answer", data, "a*b") == 1  # "\\*" is a literal star
    assert grade("short_answer", data, "axb") == 0
    assert grade("short_answer", {"answers": [{"text": "a.b", "fraction": "1"}]}, "axb") == 0


@pytest.mark.parametrize(
    ("pattern", "response", "matches"),
    [
        ("ab*ba", "abba", True),
        ("ab*ba", "aba", False),  # the two ends may not overlap
        ("*", "", True),
        ("*x*", "axb", True),
        ("*x*y", "yx", False),
        ("a**b", "a-b", True),
        ("\\*", "*", True),
        ("\\*", "x", False),
    ],
)
def test_short_answer_wildcards(pattern, response, matches):
    data = {"answers": [{"text": pattern, "fraction": "1"}]}
    assert grade("short_answer", data, response) == (1 if matches else 0)


def test_many_wildcards_stay_fast():
    data = {"answers": [{"text": "*a" * 40 + "b", "fraction": "1"}]}
    assert grade("short_answer", data, "a" * 200) == 0


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("3.14", "1"),
        ("3.15", "1"),  # tolerance is inclusive
        ("3.13", "1"),
        ("3.151", "0.5"),  # outside the tolerance, inside the 3..3.5 range
        ("3", "0.5"),
        ("3.5", "0.5"),
        ("3.5000001", "0"),
        ("314e-2", "1"),
        ("42", "0"),
        (None, "0"),
    ],
)
def test_grade_numerical(response, expected):
    assert grade("numerical", NUMERICAL, response) == Decimal(expected)


def test_numerical_multiple_answers_from_gift():
    (q,), problems = parse_gift("When was Grant born? {# =2000:0 =%50%2001:1}")
    assert problems == []
    assert grade("numerical", q.data, "2000") == 1
    assert grade("numerical", q.data, "2001.5") == Decimal("0.5")
    assert grade("numerical", q.data, "2003") == 0


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["Ottawa", "Rome", "Tokyo"], "1"),
        (["Ottawa", "Rome", "Sydney"], "0.6666667"),
        (["Ottawa", None, None], "0.3333333"),
        (["Sydney", "Sydney", "Sydney"], "0"),
        (["Ottawa"], "0.3333333"),
        (None, "0"),
    ],
)
def test_grade_matching(response, expected):
    assert grade("matching", MATCHING, response) == Decimal(expected)


def test_hand_graded_types_have_no_grade():
    assert grade("essay", {}, "My answer") is None
    assert grade("essay", {}, None) is None
    assert grade("description", {}, None) is None


def test_grading_broken_data_does_not_crash():
    assert grade("single_choice", {"choices": "x"}, "a") == 0
    assert grade("multiple_response", {"choices": [{"id": "a", "fraction": "bad"}]}, ["a", ["x"]]) == 0
    assert grade("numerical", {"answers": [{"value": "x", "fraction": "1"}]}, "3") == 0
    assert grade("matching", {}, ["a"]) == 0


# ------------------------------------------------------------------------------------------------------------
# correct_answer_text and feedback_for


def test_correct_answer_text():
    assert QUESTION_TYPES["single_choice"].correct_answer_text(SINGLE) == "choice 1"
    assert QUESTION_TYPES["multiple_response"].correct_answer_text(MULTI) == "choice 0, choice 1"
    assert QUESTION_TYPES["true_false"].correct_answer_text(TF_TRUE) == "True"
    assert QUESTION_TYPES["true_false"].correct_answer_text({"answer": False}) == "False"
    assert QUESTION_TYPES["short_answer"].correct_answer_text(SHORT) == "Beijing"
    assert QUESTION_TYPES["numerical"].correct_answer_text(NUMERICAL) == "3.14 ± 0.01"
    assert QUESTION_TYPES["numerical"].correct_answer_text(
        {"answers": [{"min": "1", "max": "5", "fraction": "1"}]}
    ) == ("1 to 5")
    assert (
        QUESTION_TYPES["matching"].correct_answer_text(MATCHING)
        == "Canada → Ottawa; Italy → Rome; Japan → Tokyo"
    )
    assert QUESTION_TYPES["essay"].correct_answer_text({}) == ""


def test_feedback_for():
    assert QUESTION_TYPES["single_choice"].feedback_for(SINGLE, "c") == ["fb 2"]
    data = choices("0.5", "0.5", "0", feedback=True)
    assert QUESTION_TYPES["multiple_response"].feedback_for(data, ["c", "a"]) == ["fb 0", "fb 2"]
    assert QUESTION_TYPES["true_false"].feedback_for(TF_TRUE, True) == ["Yes."]
    assert QUESTION_TYPES["true_false"].feedback_for(TF_TRUE, False) == ["No, it is true."]
    assert QUESTION_TYPES["short_answer"].feedback_for(SHORT, "pe king") == ["Old name."]
    assert QUESTION_TYPES["short_answer"].feedback_for(SHORT, "Paris") == ["Anything else is wrong."]
    assert QUESTION_TYPES["numerical"].feedback_for(NUMERICAL, "3.3") == ["Close."]
    assert QUESTION_TYPES["numerical"].feedback_for(NUMERICAL, "100") == ["Try again."]
    for name in VALID:
        assert QUESTION_TYPES[name].feedback_for(VALID[name], None) == []


# ------------------------------------------------------------------------------------------------------------
# From GIFT to a grade


def test_gift_questions_grade_end_to_end():
    text = """
::mc::Who's buried in Grant's tomb?{~Grant ~Jefferson =no one#Right}

::multi::Two people? {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}

::tf::The sun rises in the east.{T#Look again.#Yes.}

::sa::Two plus two equals {=four =%50%for}.

::num::Pi? {#3.14159:0.001}

::match::Capitals {=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo}
"""
    questions, problems = parse_gift(text)
    assert problems == []
    q = {item.name: item for item in questions}

    def answer(name, *pairs):
        question = q[name]
        cls = QUESTION_TYPES[question.qtype]
        response = cls.parse_response(question.data, form(*pairs), "f")
        return cls.grade(question.data, response), cls.feedback_for(question.data, response)

    assert answer("mc", ("f", "c")) == (1, ["Right"])
    assert answer("multi", ("f", "b"), ("f", "c")) == (1, [])
    assert answer("multi", ("f", "a"), ("f", "b")) == (0, [])
    assert answer("tf", ("f", "false")) == (0, ["Look again."])
    assert answer("sa", ("f", "FOR")) == (Decimal("0.5"), [])
    assert answer("num", ("f", "3.1409")) == (1, [])
    assert answer("match", ("f-0", "Ottawa"), ("f-1", "Tokyo"), ("f-2", "Tokyo"))[0] == Decimal("0.6666667")


# ------------------------------------------------------------------------------------------------------------
# Answer widgets (templates/quizzes/qtypes/<name>.html)


def _translate(text, **variables):
    return text % variables if variables else text


def _rich(text, fmt="markdown"):
    return Markup("<p>{}</p>").format(text)


@pytest.fixture(scope="module")
def widgets() -> Environment:
    env = Environment(loader=FileSystemLoader(str(WIDGETS)), autoescape=True, undefined=StrictUndefined)
    env.filters["rich"] = _rich
    env.globals["_"] = _translate
    return env


class _Controls(HTMLParser):
    """Collects form controls, labels and option values from a rendered widget."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.options: list[str] = []
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select"):
            control = {"tag": tag, **attrs}
            self.controls.append(control)
            if tag == "select":
                self._select = control
                control["options"] = []
        elif tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def render(env: Environment, name: str, data: dict, **context) -> tuple[str, _Controls]:
    question = SimpleNamespace(qtype=name, stem="Question <b>text</b>", stem_format="markdown", data=data)
    values = {"q": question, "field": "q7", "response": None, "order": None, "disabled": False} | context
    html = env.get_template(f"{name}.html").render(**values)
    parser = _Controls()
    parser.feed(html)
    return html, parser


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_type_has_a_widget_with_labelled_controls(widgets, name):
    html, parsed = render(widgets, name, VALID[name])
    assert 'class="qtype' in html
    assert "Question &lt;b&gt;text&lt;/b&gt;" in html  # the stem goes through |rich, which escapes here
    for control in parsed.controls:
        assert control["id"] in parsed.labels, control
        assert control["name"] == "q7" or control["name"].startswith("q7-")


def test_single_choice_widget_order_response_and_submission(widgets):
    html, parsed = render(widgets, "single_choice", SINGLE, order=["d", "b", "a", "c"], response="b")
    radios = [c for c in parsed.controls if c.get("type") == "radio"]
    assert [r["value"] for r in radios] == ["d", "b", "a", "c"]
    assert [r["value"] for r in radios if "checked" in r] == ["b"]
    submitted = form(("q7", radios[1]["value"]))
    cls = QUESTION_TYPES["single_choice"]
    assert cls.grade(SINGLE, cls.parse_response(SINGLE, submitted, "q7")) == 1


def test_multiple_response_widget(widgets):
    _, parsed = render(widgets, "multiple_response", MULTI, response=["a", "c"], disabled=True)
    boxes = [c for c in parsed.controls if c.get("type") == "checkbox"]
    assert [b["value"] for b in boxes if "checked" in b] == ["a", "c"]
    assert all("disabled" in b for b in boxes)


def test_true_false_widget(widgets):
    _, parsed = render(widgets, "true_false", TF_TRUE, response=False)
    assert [(c["value"], "checked" in c) for c in parsed.controls] == [("true", False), ("false", True)]
    _, parsed = render(widgets, "true_false", TF_TRUE, response=None)
    assert not any("checked" in c for c in parsed.controls)


@pytest.mark.parametrize("name", ["short_answer", "numerical"])
def test_text_widgets_show_the_saved_response(widgets, name):
    _, parsed = render(widgets, name, VALID[name], response='3 "quoted"')
    (control,) = parsed.controls
    assert control["type"] == "text" and control["value"] == '3 "quoted"'


def test_matching_widget_round_trip(widgets):
    _, parsed = render(widgets, "matching", MATCHING, response=["Rome", None, "Tokyo"])
    selects = [c for c in parsed.controls if c["tag"] == "select"]
    assert [s["name"] for s in selects] == ["q7-0", "q7-1", "q7-2"]
    values = [o["value"] for o in selects[0]["options"]]
    assert values == ["", "Ottawa", "Rome", "Tokyo", "Sydney"]
    assert [[o["value"] for o in s["options"] if "selected" in o] for s in selects] == [
        ["Rome"],
        [],
        ["Tokyo"],
    ]
    _, parsed = render(widgets, "matching", MATCHING, order=["Tokyo", "Sydney", "Rome", "Ottawa"])
    assert [o["value"] for o in parsed.controls[0]["options"]][1:] == ["Tokyo", "Sydney", "Rome", "Ottawa"]
    submitted = form(("q7-0", "Ottawa"), ("q7-1", "Rome"), ("q7-2", "Tokyo"))
    cls = QUESTION_TYPES["matching"]
    assert cls.grade(MATCHING, cls.parse_response(MATCHING, submitted, "q7")) == 1


def test_essay_widget_keeps_the_answer(widgets):
    html, parsed = render(widgets, "essay", {}, response="<script>x</script>")
    assert parsed.controls[0]["tag"] == "textarea"
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_description_widget_has_no_controls(widgets):
    _, parsed = render(widgets, "description", {})
    assert parsed.controls == []
