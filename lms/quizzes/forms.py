"""Forms of the quizzes pages. Question content is checked by the question-type registry, not here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import ButtonForm as ActionForm  # noqa: F401 - start, submit, archive buttons
from lms.quizzes.models import GRADING_METHODS, PURPOSES, REVIEW_POLICIES, STEM_FORMATS

EXTRA_ROWS = 3
MIN_ROWS = 4
MAX_ROWS = 30


class AnswerRowForm(Form):
    """One answer, choice or pair of the question editor (blank rows are ignored)."""

    id = HiddenField()
    text = StringField(_l("Answer"), validators=[Optional(), Length(max=2000)])
    right = StringField(_l("Matches"), validators=[Optional(), Length(max=2000)])
    grade = StringField(_l("Grade %"), validators=[Optional(), Length(max=20)])
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=255)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=200)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)])
    default_mark = DecimalField(
        _l("Default mark"),
        places=2,
        default=Decimal(1),
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
    )
    stem_format = SelectField(_l("Text format"), choices=list(STEM_FORMATS.items()), default="markdown")
    stem = TextAreaField(_l("Question text"), validators=[DataRequired(), Length(max=20000)])
    general_feedback = TextAreaField(_l("General feedback"), validators=[Optional(), Length(max=20000)])
    tf_answer = SelectField(
        _l("The statement is"), choices=[("true", _l("True")), ("false", _l("False"))], default="true"
    )
    feedback_true = StringField(_l("Feedback when answered true"), validators=[Optional(), Length(max=2000)])
    feedback_false = StringField(
        _l("Feedback when answered false"), validators=[Optional(), Length(max=2000)]
    )
    rows = FieldList(FormField(AnswerRowForm), min_entries=MIN_ROWS, max_entries=MAX_ROWS)


class QuizForm(FlaskForm):
    key = StringField(
        _l("Key"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Lowercase letters, digits and hyphens; course.md refers to quizzes by key."),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    purpose = SelectField(_l("Purpose"), choices=list(PURPOSES.items()), default="practice")
    description = TextAreaField(_l("Instructions (Markdown)"), validators=[Optional(), Length(max=20000)])
    fixed_questions = SelectMultipleField(
        _l("Fixed questions (every attempt gets them)"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )
    use_draw = BooleanField(_l("Add questions drawn from the bank"), default=True)
    draw_category = SelectField(_l("Draw from category"), choices=[], validate_choice=False)
    draw_count = IntegerField(
        _l("Number of questions to draw (0 = all)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=500)],
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_choices = BooleanField(_l("Shuffle the choices"), default=True)
    questions_per_page = IntegerField(
        _l("Questions per page"), default=5, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (0 = none)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=1440)],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed (0 = unlimited)"),
        default=1,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    grading_method = SelectField(
        _l("Grade when several attempts"), choices=list(GRADING_METHODS.items()), default="highest"
    )
    pass_mark = DecimalField(
        _l("Pass mark (%)"),
        places=2,
        default=Decimal(0),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    opens_at = DateTimeLocalField(_l("Opens at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    review_policy = SelectField(
        _l("What trainees see after an attempt"),
        choices=list(REVIEW_POLICIES.items()),
        default="with_answers",
    )


class GiftImportForm(FlaskForm):
    file = FileField(_l("GIFT file"))
    text = TextAreaField(_l("Or paste GIFT text"), validators=[Optional()])


class GiftConfirmForm(FlaskForm):
    # The checked text travels back with the confirmation (no server-side state between the two requests).
    gift_text = TextAreaField(validators=[DataRequired()])


class MarkForm(FlaskForm):
    mark = StringField(_l("Mark"), validators=[DataRequired(), Length(max=20)])
    comment = TextAreaField(_l("Comment for the trainee"), validators=[Optional(), Length(max=10000)])


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive date-time typed in the page's time zone, as aware UTC."""
    if value is None:
        return None
    zone = ZoneInfo(str(get_timezone()))
    return value.replace(tzinfo=zone).astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(str(get_timezone()))).replace(tzinfo=None)


def percent_text(fraction) -> str:
    """A stored fraction ("0.3333333") as the percentage the editor shows ("33.33333")."""
    try:
        value = Decimal(str(fraction)) * 100
    except (InvalidOperation, ValueError):
        return str(fraction)
    text = format(value.normalize(), "f")
    return text


def fraction_text(percent: str) -> str:
    """The editor's percentage as a stored fraction.

    Text that is not a number is kept as it is, for the registry to refuse with its message.
    """
    percent = (percent or "").strip().rstrip("%").strip()
    if not percent:
        return "0"
    try:
        value = Decimal(percent) / 100
    except (InvalidOperation, ValueError):
        return percent
    if not value.is_finite():
        return percent
    return format(value.normalize(), "f")
