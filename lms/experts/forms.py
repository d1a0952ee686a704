"""Forms for expert profiles, availability, involvements and assignment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import MultiCheckboxField
from lms.experts.models import EXPERT_LANGUAGES, INVOLVEMENT_KINDS, STANDARD_MODULES
from lms.sessions.models import EXPERT_ROLES


class ProfileForm(FlaskForm):
    modules = MultiCheckboxField(_l("AEO standard modules"), choices=list(STANDARD_MODULES.items()))
    free_topics = StringField(
        _l("Further topics"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Separate topics with commas, e.g. MRA, customs brokers."),
    )
    languages = MultiCheckboxField(_l("Teaching languages"), choices=list(EXPERT_LANGUAGES.items()))
    max_sessions_per_month = IntegerField(
        _l("Maximum sessions per month"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    bio = TextAreaField(_l("About the expert"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save profile"))

    def topics(self) -> list[str]:
        text = (self.free_topics.data or "").replace("，", ",")
        return [t.strip() for t in text.split(",") if t.strip()]


class UnavailabilityForm(FlaskForm):
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (inclusive)"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Add unavailable period"))


class InvolvementForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(INVOLVEMENT_KINDS.items()))
    enterprise_code = StringField(
        _l("Enterprise (unified social credit code or customs code)"),
        validators=[DataRequired(), Length(max=32)],
    )
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (empty while in progress)"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Declare involvement"))


class AssignForm(FlaskForm):
    expert_id = SelectField(_l("Expert"), coerce=int, choices=[], validate_choice=False)
    role = SelectField(_l("Role"), choices=list(EXPERT_ROLES.items()))
    next = HiddenField()
    submit = SubmitField(_l("Assign"))


class ConfirmForm(FlaskForm):
    """A bare form for buttons that post (remove, unassign): carries the CSRF token."""

    next = HiddenField()
