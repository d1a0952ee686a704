"""Forms of the token and service-account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

EXPIRY_CHOICES = [
    (7, _l("7 days")),
    (30, _l("30 days")),
    (90, _l("90 days")),
    (365, _l("1 year")),
]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    scope = SelectField(
        _l("Access"), choices=[("read", _l("Read")), ("write", _l("Read and write"))], default="read"
    )
    expires_in_days = SelectField(_l("Expires after"), choices=EXPIRY_CHOICES, coerce=int, default=90)
    submit = SubmitField(_l("Create token"))


class ServiceAccountForm(FlaskForm):
    name = StringField(_l("Name of the system"), validators=[DataRequired(), Length(max=120)])
    unit_id = SelectField(_l("Jurisdiction (customs unit)"), coerce=int, choices=[])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Create service account"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
