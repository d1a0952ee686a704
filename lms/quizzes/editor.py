"""Between the question editor's rows and the question data layouts of :mod:`lms.quizzes.qtypes`.

One row form serves every type: a choice (text, grade %, feedback), an accepted answer (text, grade %,
feedback), a numerical answer written as in GIFT ("3.14", "3.14:0.01", "1..5" or "*" for any other
answer) or a matching pair (text, matches). Blank rows are ignored; the registry judges the result.
"""

from __future__ import annotations

from lms.quizzes.bank import QuestionContent
from lms.quizzes.forms import EXTRA_ROWS, MAX_ROWS, MIN_ROWS, QuestionForm, fraction_text, percent_text

ROW_TYPES = ("single_choice", "multiple_response", "short_answer", "numerical", "matching")


def _choice_id(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


def _rows(form: QuestionForm) -> list[dict]:
    rows = []
    for entry in form.rows.entries:
        row = {k: (entry.form[k].data or "").strip() for k in ("id", "text", "right", "grade", "feedback")}
        if row["text"] or row["right"]:
            rows.append(row)
    return rows


def _numerical_answer(text: str) -> dict:
    text = text.replace(" ", "")
    if text == "*":
        return {"value": "*", "tolerance": "0"}
    if ".." in text:
        low, _sep, high = text.partition("..")
        return {"min": low, "max": high}
    value, _sep, tolerance = text.partition(":")
    return {"value": value, "tolerance": tolerance or "0"}


def content_from_form(qtype: str, form: QuestionForm) -> QuestionContent:
    rows = _rows(form)
    if qtype in ("single_choice", "multiple_response"):
        used = {r["id"] for r in rows if r["id"]}
        counter = 0
        choices = []
        for row in rows:
            cid = row["id"]
            if not cid:
                while _choice_id(counter) in used:
                    counter += 1
                cid = _choice_id(counter)
                used.add(cid)
            choices.append(
                {
                    "id": cid,
                    "text": row["text"],
                    "fraction": fraction_text(row["grade"]),
                    "feedback": row["feedback"],
                }
            )
        data: dict = {"choices": choices}
    elif qtype == "short_answer":
        data = {
            "answers": [
                {"text": r["text"], "fraction": fraction_text(r["grade"]), "feedback": r["feedback"]}
                for r in rows
            ]
        }
    elif qtype == "numerical":
        data = {
            "answers": [
                {
                    **_numerical_answer(r["text"]),
                    "fraction": fraction_text(r["grade"]),
                    "feedback": r["feedback"],
                }
                for r in rows
            ]
        }
    elif qtype == "matching":
        data = {"pairs": [{"left": r["text"], "right": r["right"]} for r in rows]}
    elif qtype == "true_false":
        data = {
            "answer": form.tf_answer.data == "true",
            "feedback_true": (form.feedback_true.data or "").strip(),
            "feedback_false": (form.feedback_false.data or "").strip(),
        }
    else:
        data = {}
    return QuestionContent(
        qtype=qtype,
        stem=(form.stem.data or "").strip(),
        stem_format=form.stem_format.data,
        data=data,
        general_feedback=(form.general_feedback.data or "").strip(),
    )


def _numerical_text(answer: dict) -> str:
    if "min" in answer or "max" in answer:
        return f"{answer.get('min', '')}..{answer.get('max', '')}"
    value, tolerance = str(answer.get("value", "")), str(answer.get("tolerance", "0") or "0")
    if value == "*" or tolerance in ("0", ""):
        return value
    return f"{value}:{tolerance}"


def rows_from_data(qtype: str, data: dict) -> list[dict]:
    if qtype in ("single_choice", "multiple_response"):
        return [
            {
                "id": c.get("id", ""),
                "text": c.get("text", ""),
                "grade": percent_text(c.get("fraction", "0")),
                "feedback": c.get("feedback", ""),
            }
            for c in data.get("choices", [])
        ]
    if qtype == "short_answer":
        return [
            {
                "text": a.get("text", ""),
                "grade": percent_text(a.get("fraction", "0")),
                "feedback": a.get("feedback", ""),
            }
            for a in data.get("answers", [])
        ]
    if qtype == "numerical":
        return [
            {
                "text": _numerical_text(a),
                "grade": percent_text(a.get("fraction", "0")),
                "feedback": a.get("feedback", ""),
            }
            for a in data.get("answers", [])
        ]
    if qtype == "matching":
        return [{"text": p.get("left", ""), "right": p.get("right", "")} for p in data.get("pairs", [])]
    return []


def fill_form(form: QuestionForm, question, version) -> None:
    """Put a question's current content into a fresh editor form (GET)."""
    form.name.data = question.name
    form.category.data = question.category
    form.tags.data = ", ".join(question.tags)
    form.default_mark.data = question.default_mark
    form.stem.data = version.stem
    form.stem_format.data = version.stem_format
    form.general_feedback.data = version.general_feedback
    if version.qtype == "true_false":
        form.tf_answer.data = "true" if version.data.get("answer") else "false"
        form.feedback_true.data = version.data.get("feedback_true", "")
        form.feedback_false.data = version.data.get("feedback_false", "")
    set_rows(form, rows_from_data(version.qtype, version.data))


def set_rows(form: QuestionForm, rows: list[dict]) -> None:
    while form.rows.entries:
        form.rows.pop_entry()
    for row in rows[:MAX_ROWS]:
        form.rows.append_entry(row)
    ensure_blank_rows(form)


def ensure_blank_rows(form: QuestionForm) -> None:
    """A few empty rows to add answers without JavaScript."""
    filled = sum(1 for e in form.rows.entries if (e.form.text.data or e.form.right.data))
    target = min(MAX_ROWS, max(MIN_ROWS, filled + EXTRA_ROWS))
    while len(form.rows.entries) < target:
        form.rows.append_entry({})


def split_tags(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip()]
