"""One way to act from a page: load → check → validate → call the service → commit once → flash → redirect.

A view that changes something declares its parts and hands them to :func:`act`::

    @bp.route("/cases/<int:case_id>/resume", methods=["POST"])
    @role_required(*STAFF)
    def case_resume(case_id: int):
        return act(
            lambda case, f: services.resume_case(current_user, case, resumed_on=f.resumed_on.data),
            load=lambda: _acting_case_or_404(case_id),  # through the area's scope: 404 (or 403)
            form=ResumeForm(prefix="resume"),
            success=_("The case is back in training."),
            redirect_to=url_for("cultivation.case_detail", case_id=case_id),
            invalid=lambda case, form: _render_case(case, {"resume": form}, 400),
        )

The steps, in order:

1. ``load()`` gives the object acted on, read through the area's scope; it aborts with 404 when the object is
   out of the actor's scope and 403 when they may see it but not act on it (whatever the area's loader does).
2. ``confirm(obj, form)``, for a destructive action, answers with the confirmation page until the action is
   confirmed there (:mod:`lms.core.confirm`).
3. ``form.validate_on_submit()`` (a button without a form of its own passes none: the CSRF check of every
   POST is enough); when it fails (or the page was only asked for with a GET), ``invalid(obj,
   form)`` answers — the page with the form's errors, or a flash of them and a redirect — and without it 400.
4. ``call(obj, form)`` calls the service, and the session is flushed so that a refusal raised at flush time
   is caught too. A :class:`~lms.errors.DomainError` rolls everything back (nothing half written), ``load()``
   runs again on the clean session, and ``refused(obj, form, error)`` answers: without it, the refusal is
   flashed and the person goes back to ``redirect_to``. With ``forbidden=True`` a
   :class:`~lms.errors.NotPermitted` answers 403 instead.
5. The success message and the target are worked out from the call's result, the session is committed once,
   ``after_commit(result)`` does what may only follow a commit (removing a stored file), the messages are
   flashed (``"success"``, or the category given with each) and the person redirected. With
   ``follow_next=True`` a same-site ``next`` posted with the form wins over ``redirect_to``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, request
from flask.typing import ResponseReturnValue

from lms.core.confirm import is_confirmed
from lms.core.web import apply_domain_error, flash_form_errors, is_safe_next
from lms.errors import DomainError, NotPermitted
from lms.extensions import db

Obj = TypeVar("Obj")
Form = TypeVar("Form")
Result = TypeVar("Result")

#: A flashed message: its text (shown as "success"), or its text and flash category.
Message = str | tuple[str, str]
#: What a success flashes: one message, several (in order), or nothing.
Messages = Message | list[Message] | None


def _nothing() -> None:
    return None


def act(
    call: Callable[[Obj, Form], Result],
    *,
    form: Form | None = None,
    success: Messages | Callable[[Result], Messages],
    redirect_to: str | Callable[[Result], str],
    load: Callable[[], Obj] = _nothing,  # type: ignore[assignment]
    invalid: Callable[[Obj, Form], ResponseReturnValue] | None = None,
    refused: Callable[[Obj, Form, DomainError], ResponseReturnValue] | None = None,
    confirm: Callable[[Obj, Form], ResponseReturnValue] | None = None,
    forbidden: bool = False,
    follow_next: bool = False,
    after_commit: Callable[[Result], None] | None = None,
) -> ResponseReturnValue:
    """Run one write of a page; see the module's documentation for the steps."""
    obj = load()
    if confirm is not None and not is_confirmed():
        return confirm(obj, form)
    if form is not None and not form.validate_on_submit():  # type: ignore[attr-defined]
        if invalid is None:
            abort(400)
        return invalid(obj, form)
    try:
        result = call(obj, form)
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        if forbidden and isinstance(error, NotPermitted):
            abort(403)
        if refused is not None:
            return refused(load(), form, error)
        if callable(redirect_to):
            raise TypeError("act(): a target that depends on the result needs a refused() answer") from error
        flash(str(error), "error")
        return redirect(redirect_to)
    message = success(result) if callable(success) else success
    target = redirect_to(result) if callable(redirect_to) else redirect_to
    if follow_next:
        posted = request.form.get("next")
        if posted and is_safe_next(posted):
            target = posted
    db.session.commit()
    if after_commit is not None:
        after_commit(result)
    for one in message if isinstance(message, list) else [message]:
        if one is not None:
            text, category = one if isinstance(one, tuple) else (one, "success")
            flash(text, category)
    return redirect(target)


# -- ready-made answers -------------------------------------------------------------------------------------


def on_form(
    render: Callable[[Obj, Form], ResponseReturnValue], *, status: int | None = None
) -> Callable[[Obj, Form, DomainError], ResponseReturnValue]:
    """A refusal shown on the form (on the field it names, or above the form), on the page ``render`` draws.

    The answer carries the refusal's status code (400, 403, 409…) unless ``status`` is given; ``render`` may
    return a bare page (its status is then replaced) or a (page, status) pair (replaced as well).
    """

    def refused(obj: Obj, form: Form, error: DomainError) -> ResponseReturnValue:
        apply_domain_error(form, error)
        page = render(obj, form)
        if isinstance(page, tuple):
            page = page[0]
        return page, error.status_code if status is None else status

    return refused


def flash_errors(target: str | Callable[[], str]) -> Callable[[Any, Any], ResponseReturnValue]:
    """An invalid form posted from a page that does not re-render it: its errors as messages, then back."""

    def invalid(obj: Any, form: Any) -> ResponseReturnValue:
        flash_form_errors(form)
        return redirect(target() if callable(target) else target)

    return invalid


def back_to(target: str) -> Callable[[Any, Any, DomainError], ResponseReturnValue]:
    """A refusal flashed as an error, then back to ``target`` (where the success would not have gone)."""

    def refused(obj: Any, form: Any, error: DomainError) -> ResponseReturnValue:
        flash(str(error), "error")
        return redirect(target)

    return refused
