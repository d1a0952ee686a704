"""Forms for login, passwords, profiles and account management."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from lms.auth.models import EXPERT_LEVELS, LANGUAGES, POSITIONS, ROLES


class LoginForm(FlaskForm):
    identifier = StringField(_l("Login name or email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    preferred_language = SelectField(_l("Preferred language"), choices=[("", "—"), *LANGUAGES.items()])
    timezone = SelectField(
        _l("Time zone"),
        description=_l("Dates and times on the pages are shown in this zone."),
        choices=[],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask import current_app

        from lms.i18n import available_timezones

        default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        self.timezone.choices = [("", str(_l("The site's time zone (%(zone)s)", zone=default)))] + [
            (zone, zone.replace("_", " ")) for zone in sorted(available_timezones())
        ]

    submit = SubmitField(_l("Save"))


class UserCreateForm(FlaskForm):
    login_name = StringField(
        _l("Login name"),
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Use letters, digits, dots, hyphens and underscores.")),
        ],
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLES.items()])
    enterprise_id = SelectField(_l("Enterprise (trainees)"), coerce=int, choices=[], validate_choice=False)
    unit_id = SelectField(
        _l("Customs unit (experts, officers, admins)"), coerce=int, choices=[], validate_choice=False
    )
    position = SelectField(
        _l("Position (trainees)"), choices=[("", "—"), *POSITIONS.items()], validators=[Optional()]
    )
    expert_level = SelectField(
        _l("Expert level (experts)"), choices=[("", "—"), *EXPERT_LEVELS.items()], validators=[Optional()]
    )
    preferred_language = SelectField(_l("Preferred language"), choices=[("", "—"), *LANGUAGES.items()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Create account"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Reset password"))


class ConfirmForm(FlaskForm):
    """An empty form: a button with its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Verify"))


class TwoFactorEnrolForm(FlaskForm):
    code = StringField(_l("Six-digit code shown by the app"), validators=[DataRequired(), Length(max=16)])
    submit = SubmitField(_l("Turn on two-factor authentication"))


class SecurityEventFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    kind = SelectField(_l("Event"), choices=[], validate_choice=False)
    account = StringField(_l("Account"), validators=[Optional(), Length(max=254)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=64)])
    since = StringField(_l("From (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    until = StringField(_l("To (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
