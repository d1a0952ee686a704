"""Privacy forms: accepting the notice, asking for deletion, deciding a request, recording a leaver."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.privacy.services import REASON_MAX


class AcceptNoticeForm(FlaskForm):
    version = HiddenField()
    next = HiddenField()
    agree = BooleanField(
        _l(
            "I have read the privacy notice and agree to the processing of my personal information it "
            "describes."
        ),
        validators=[DataRequired(message=_l("Tick the box to accept the notice."))],
    )
    submit = SubmitField(_l("Accept and continue"))


class DeletionRequestForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX)])
    submit = SubmitField(_l("Ask for deletion"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note to the person"), validators=[Optional(), Length(max=REASON_MAX)])
    submit = SubmitField(_l("Confirm"))


class LeaverForm(FlaskForm):
    left_on = DateField(_l("Left the enterprise on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
