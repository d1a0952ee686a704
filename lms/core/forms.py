"""Forms shown on every page: language switcher and logout button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.models import LANGUAGES


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    next = HiddenField()
    submit = SubmitField(_l("Switch"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class ButtonForm(FlaskForm):
    """A form that is only a button: it carries the CSRF token of a POST that needs no other input."""


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
