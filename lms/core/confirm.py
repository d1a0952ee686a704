"""Confirmation of destructive and irreversible actions (terminate, reject, remove, revoke, cancel, delete).

Such an action acts only on a POST that carries ``confirmed=1``. Anything else (a GET, or a POST from a button
elsewhere on the site) gets the action's confirmation page: what will happen, the fields the action needs (its
reason, where the domain asks for one) filled with what was sent, and one button that confirms. The page works
without JavaScript; with it, static/js/app.js shows the same form in a dialog.

A view::

    form = TerminateForm(prefix="terminate")
    if not is_confirmed():
        return confirmation_page(form, title=..., question=..., submit_label=..., back_url=...)
    if not form.validate_on_submit(): ...
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from wtforms import HiddenField, SubmitField
from wtforms.csrf.core import CSRFTokenField

CONFIRM_FIELD = "confirmed"


def is_confirmed() -> bool:
    """True for a POST sent from a confirmation page (or its dialog)."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == "1"


@dataclass
class Confirmation:
    title: str
    question: str
    consequence: str | None
    submit_label: str
    back_url: str
    action_url: str


def confirmation_page(
    form,
    *,
    title: str,
    question: str,
    submit_label: str,
    back_url: str,
    consequence: str | None = None,
    fields: tuple[str, ...] | None = None,
    carry: dict[str, str] | None = None,
    show_errors: bool | None = None,
):
    """Render the confirmation page of the current URL's action.

    ``fields`` names the form fields shown (default: every field that is not a button, hidden field or the
    CSRF token); ``carry`` adds hidden values posted along (such as ``next``). Errors of the shown fields
    appear when the action was already confirmed once (``show_errors``), not when a button elsewhere led
    here.
    """
    if show_errors is None:
        show_errors = is_confirmed()
    shown = [
        f
        for f in form
        if (fields is None or f.short_name in fields)
        and not isinstance(f, (SubmitField, HiddenField, CSRFTokenField))
    ]
    hidden = [f for f in form if isinstance(f, HiddenField) and not isinstance(f, CSRFTokenField)]
    if not show_errors:
        for f in shown:
            f.errors = []
        if hasattr(form, "form_errors"):
            form.form_errors = []
    carried = dict(carry or {})
    if request.method == "POST" and "next" in request.form and "next" not in carried:
        carried["next"] = request.form["next"]
    info = Confirmation(
        title=title,
        question=question,
        consequence=consequence,
        submit_label=submit_label,
        back_url=back_url,
        action_url=request.path,
    )
    return render_template(
        "confirm.html", confirmation=info, form=form, shown=shown, hidden=hidden, carried=carried
    )
