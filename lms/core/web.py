"""Small helpers for views: safe redirects, pagination, turning domain errors into form messages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from lms.errors import DomainError
from lms.extensions import db


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after login (no scheme, host, '//' or backslash)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and all(ch >= " " for ch in target)


def page_arg() -> int:
    try:
        page = int(request.args.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return max(1, min(page, 100_000))


def paginate(stmt, per_page: int | None = None):
    """Paginate a select() with the request's ?page=, never erroring on a page past the end."""
    return db.paginate(
        stmt, page=page_arg(), per_page=per_page or current_app.config["PER_PAGE"], error_out=False
    )


def apply_domain_error(form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*list(field.errors or []), str(error)]
    else:
        form.form_errors.append(str(error))


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds, as the <int:…> URL converter allows


def int_arg(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise BadRequest(_("The parameter “%(name)s” must be a whole number.", name=name)) from exc
    if abs(number) > MAX_ID:
        # No column holds it: refused here rather than by the database.
        raise BadRequest(_("The parameter “%(name)s” is out of range.", name=name))
    return number


def refuse(error: DomainError, category: str = "error") -> None:
    """Undo the request's changes and show a service's refusal as a message on the next page."""
    db.session.rollback()
    flash(str(error), category)


def flash_form_errors(form) -> None:
    """Show a posted form's validation errors as messages (forms posted from a page that does not re-render
    them, such as a small form inside a detail page)."""
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None and name != "csrf_token" else ""
        for message in errors:
            flash(f"{label}{_(': ')}{message}" if label else str(message), "error")
