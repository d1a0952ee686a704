"""Forms shown on every page: language switcher and logout button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField

from lms.auth.models import LANGUAGES


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    next = HiddenField()
    submit = SubmitField(_l("Switch"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))
