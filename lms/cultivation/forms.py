"""Forms of the cultivation pages. Business rules (reasons required, dates, nominees) are the services'; the
forms only parse, so that a refusal names the rule rather than a generic "required" message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.cultivation.models import (
    BAR_KINDS,
    CATEGORIES,
    SUSPENSION_REASONS,
    TERMINATION_REASONS,
    TRAINING_TYPES,
)

NOTES = [Optional(), Length(max=4000)]


def _blank(label, choices: dict) -> list:
    return [("", label), *[(k, v) for k, v in choices.items()]]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OpenCaseForm(FlaskForm):
    training_type = SelectField(_l("Training type"), choices=list(TRAINING_TYPES.items()))
    category = SelectField(_l("Enterprise category"), choices=list(CATEGORIES.items()))
    # Choices are the enterprise's trainees; the service decides who may be nominated.
    nominees = CheckboxesField(_l("Nominees"), coerce=int, choices=[], validate_choice=False)
    statement = TextAreaField(_l("Why the enterprise seeks cultivation"), validators=NOTES)
    submit = SubmitField(_l("Submit"))


class NominateForm(OpenCaseForm):
    enterprise_id = HiddenField()
    submit = SubmitField(_l("Nominate"))


class DecisionForm(FlaskForm):
    decided_on = DateField(_l("Decision date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=NOTES)


class ScreenForm(DecisionForm):
    submit = SubmitField(_l("Screen in"))


class RejectForm(DecisionForm):
    reason = TextAreaField(_l("Reason for the rejection"), validators=NOTES)
    submit = SubmitField(_l("Reject"))


class StartForm(FlaskForm):
    started_on = DateField(_l("Training starts on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Start training"))


class SuspendForm(FlaskForm):
    reason = SelectField(
        _l("Reason"), choices=_blank(_l("— choose —"), SUSPENSION_REASONS), validate_choice=False
    )
    reason_text = StringField(
        _l("Circumstances (required for other circumstances)"), validators=[Optional(), Length(max=500)]
    )
    suspended_on = DateField(_l("Suspended from"), validators=[Optional()])
    audit_started_on = DateField(
        _l("Audit started on (for an audit; the suspension date when empty)"), validators=[Optional()]
    )
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Suspend"))


class ResumeForm(FlaskForm):
    resumed_on = DateField(_l("Resumed on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Resume"))


class TerminateForm(FlaskForm):
    reason = SelectField(
        _l("Reason"), choices=_blank(_l("— choose —"), TERMINATION_REASONS), validate_choice=False
    )
    reason_text = StringField(
        _l("Circumstances (required for other circumstances)"), validators=[Optional(), Length(max=500)]
    )
    terminated_on = DateField(_l("Terminated on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Terminate"))


class CompleteForm(FlaskForm):
    submit = SubmitField(_l("Check completion"))


class CertificationApplyForm(FlaskForm):
    applied_on = DateField(_l("Certification applied for on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Record the application"))


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=[("certified", _l("Certified")), ("not_certified", _l("Not certified"))]
    )
    level = SelectField(
        _l("Level granted"),
        choices=[
            ("advanced_certified", _l("Advanced certified enterprise")),
            ("certified", _l("Certified enterprise")),
        ],
        validate_choice=False,
    )
    level_after = SelectField(
        _l("Level after a failed re-review"),
        choices=[
            ("", _l("— as configured (LMS_REREVIEW_FAILED_LEVEL) —")),
            ("certified", _l("Certified enterprise")),
            ("regular", _l("Regular enterprise")),
            ("registered", _l("Other registered enterprise")),
        ],
        validate_choice=False,
    )
    decided_on = DateField(_l("Decision date"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (required when not certified)"), validators=NOTES)
    notes = TextAreaField(_l("Notes"), validators=NOTES)
    submit = SubmitField(_l("Record the outcome"))


class PlanItemForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=str, choices=[], validate_choice=False)
    session_id = SelectField(_l("Training session"), coerce=str, choices=[], validate_choice=False)
    due_on = DateField(_l("Due by"), validators=[Optional()])
    submit = SubmitField(_l("Add to the plan"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""

    submit = SubmitField(_l("Go"))


class BuildListForm(FlaskForm):
    unit_id = SelectField(_l("Customs unit"), coerce=str, choices=[], validate_choice=False)
    period = StringField(_l("Period"), validators=[Optional(), Length(max=10)])
    submit = SubmitField(_l("Rank the screened cases"))


class AdjustForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Apply"))


class BarForm(FlaskForm):
    kind = SelectField(
        _l("What happened"), choices=_blank(_l("— choose —"), BAR_KINDS), validate_choice=False
    )
    occurred_on = DateField(_l("Date"), validators=[Optional()])
    notes = StringField(_l("Reference or reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the bar"))
