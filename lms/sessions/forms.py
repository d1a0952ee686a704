"""Forms for sessions, venues, registrations, attendance, check-in, feedback and coaching records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.sessions.models import FEEDBACK_QUESTIONS, SESSION_MODES

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
REPEAT_CHOICES = [("none", _l("Does not repeat")), ("weekly", _l("Every week")), ("days", _l("Every N days"))]


def int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SessionForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int_or_none, choices=[], validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty to use the course title."),
    )
    mode = SelectField(_l("Mode"), choices=list(SESSION_MODES.items()))
    unit_id = SelectField(
        _l("Organising customs unit"), coerce=int_or_none, choices=[], validate_choice=False
    )
    starts_at = DateTimeLocalField(
        _l("Starts (local time)"), format=LOCAL_FORMATS, validators=[DataRequired()]
    )
    ends_at = DateTimeLocalField(_l("Ends (local time)"), format=LOCAL_FORMATS, validators=[DataRequired()])
    capacity = IntegerField(
        _l("Capacity (seats)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (local time)"), format=LOCAL_FORMATS, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes (local time)"), format=LOCAL_FORMATS, validators=[Optional()]
    )
    requires_approval = BooleanField(_l("Registrations need an officer's approval"))
    venue_id = SelectField(_l("Venue (in class)"), coerce=int_or_none, choices=[], validate_choice=False)
    host_enterprise_id = SelectField(
        _l("Host enterprise (on-site observation)"), coerce=int_or_none, choices=[], validate_choice=False
    )
    enterprise_id = SelectField(
        _l("Coached enterprise (one-on-one)"), coerce=int_or_none, choices=[], validate_choice=False
    )
    meeting_url = StringField(_l("Meeting link (live online)"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Optional(), Length(max=20000)])
    open_now = BooleanField(_l("Open for registration now"), default=True)
    repeat = SelectField(_l("Repeat"), choices=REPEAT_CHOICES, default="none")
    repeat_every = IntegerField(
        _l("Every how many days"), validators=[Optional(), NumberRange(min=1, max=365)], default=7
    )
    repeat_count = IntegerField(
        _l("Number of sessions in the series"), validators=[Optional(), NumberRange(min=2, max=52)], default=6
    )
    submit = SubmitField(_l("Save"))


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to registered trainees)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Cancel the session"))


class VenueForm(FlaskForm):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    capacity = IntegerField(
        _l("Room capacity (seats)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )
    unit_id = SelectField(_l("Customs unit"), coerce=int_or_none, choices=[], validate_choice=False)
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class RegisterTraineesForm(FlaskForm):
    trainees = SelectMultipleField(_l("Trainees"), coerce=int, choices=[], validate_choice=False)
    submit = SubmitField(_l("Register the selected trainees"))


class DecisionForm(FlaskForm):
    note = StringField(_l("Note to the trainee"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=12)])
    submit = SubmitField(_l("Check in"))


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class FeedbackForm(FlaskForm):
    content = RadioField(FEEDBACK_QUESTIONS["content"], choices=SCORE_CHOICES, validators=[InputRequired()])
    expert = RadioField(FEEDBACK_QUESTIONS["expert"], choices=SCORE_CHOICES, validators=[InputRequired()])
    organisation = RadioField(
        FEEDBACK_QUESTIONS["organisation"], choices=SCORE_CHOICES, validators=[InputRequired()]
    )
    usefulness = RadioField(
        FEEDBACK_QUESTIONS["usefulness"], choices=SCORE_CHOICES, validators=[InputRequired()]
    )
    comment = TextAreaField(
        _l("Comment (optional, shown to the experts without your name)"),
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField(_l("Send feedback"))

    def answers(self) -> dict:
        return {q: int(getattr(self, q).data) for q in FEEDBACK_QUESTIONS}


class CoachingRecordForm(FlaskForm):
    agenda = TextAreaField(_l("Agenda (Markdown)"), validators=[Optional(), Length(max=20000)])
    notes = TextAreaField(_l("Notes (Markdown)"), validators=[Optional(), Length(max=50000)])
    submit = SubmitField(_l("Save the record"))


class ActionItemForm(FlaskForm):
    text = StringField(_l("Action"), validators=[DataRequired(), Length(max=500)])
    owner_id = SelectField(_l("Owner"), coerce=int_or_none, choices=[], validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Add action item"))
