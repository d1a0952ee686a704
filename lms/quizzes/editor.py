"""Between the question editor's form and the question data of :mod:`lms.quizzes.qtypes`.

One row form serves every type: a row is a choice (text, grade %, feedback), an accepted answer (text,
grade %, feedback) or a pair (text, matches), as the type's ``editor_rows`` says; the type turns the rows and
its own fields into its data and back (``data_from_editor``, ``editor_rows_from_data``, ``fill_editor``).
Blank rows are ignored; the registry judges the result.
"""

from __future__ import annotations

from lms.quizzes.bank import QuestionContent
from lms.quizzes.forms import EXTRA_ROWS, MAX_ROWS, MIN_ROWS, QuestionForm
from lms.quizzes.qtypes import get_qtype


def _rows(form: QuestionForm) -> list[dict]:
    rows = []
    for entry in form.rows.entries:
        row = {k: (entry.form[k].data or "").strip() for k in ("id", "text", "right", "grade", "feedback")}
        if row["text"] or row["right"]:
            rows.append(row)
    return rows


def content_from_form(qtype: str, form: QuestionForm) -> QuestionContent:
    """The question content from the editor's form; the type turns its rows and fields into the data."""
    return QuestionContent(
        qtype=qtype,
        stem=(form.stem.data or "").strip(),
        stem_format=form.stem_format.data,
        data=get_qtype(qtype).data_from_editor(form, _rows(form)),
        general_feedback=(form.general_feedback.data or "").strip(),
    )


def fill_form(form: QuestionForm, question, version) -> None:
    """Put a question's current content into a fresh editor form (GET)."""
    form.name.data = question.name
    form.category.data = question.category
    form.tags.data = ", ".join(question.tags)
    form.default_mark.data = question.default_mark
    form.stem.data = version.stem
    form.stem_format.data = version.stem_format
    form.general_feedback.data = version.general_feedback
    qtype = get_qtype(version.qtype)
    qtype.fill_editor(form, version.data)
    set_rows(form, qtype.editor_rows_from_data(version.data))


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
