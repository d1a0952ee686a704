"""RFC 9457 problem details: every error under /api answers with one, in the Accept-Language language.

The titles and details are the error pages' own (the same catalogue entries), so a person reading an API
error sees the words the pages use. A refusal by a service (a :class:`~lms.errors.DomainError`) carries its
message and, when it names one, the field; invalid input lists every field with its messages.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("The request is too large."),
        415: _("Unsupported media type"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Service unavailable"),
    }


def _default_detail(status: int) -> str | None:
    return {
        401: _("Send a personal access token or service account token as “Authorization: Bearer <token>”."),
        403: _("Your account does not give access to this page."),
        404: _("The page or record you asked for does not exist, or is not visible to you."),
        429: _("Please wait a minute before trying again."),
        500: _("The error has been logged. Nothing was saved; please try again."),
    }.get(status)


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None, headers=None):
    body: dict = {
        "type": "about:blank",
        "title": _titles().get(status, _("Error")),
        "status": status,
        "instance": request.path,
    }
    detail = detail or _default_detail(status)
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    return response


def field_errors(messages, prefix: str = "") -> list[dict]:
    """Flatten webargs/marshmallow messages ({"json": {"field": ["..."]}}) to [{"field", "detail"}]."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            # The location (json, query, path, headers) is not part of the field's name.
            if not prefix and key in ("json", "query", "querystring", "path", "view_args", "headers", "form"):
                out.extend(field_errors(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(field_errors(value, name))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            for message in messages:
                out.append({"field": prefix or None, "detail": _translate_marshmallow(message)})
        else:
            for item in messages:
                out.extend(field_errors(item, prefix))
    else:
        out.append({"field": prefix or None, "detail": _translate_marshmallow(str(messages))})
    return out


def _translate_marshmallow(message: str) -> str:
    """marshmallow's stock English messages, in the reader's language."""
    known = {
        "Unknown field.": _("Unknown field."),
        "Missing data for required field.": _("This field is required."),
        "Not a valid integer.": _("Not a valid integer."),
        "Not a valid string.": _("Not a valid string."),
        "Not a valid boolean.": _("Not a valid boolean."),
        "Not a valid date.": _("Not a valid date."),
        "Not a valid list.": _("Not a valid list."),
        "Invalid input type.": _("Invalid input type."),
        "Field may not be null.": _("This field may not be empty."),
        "Invalid JSON body.": _("The body is not valid JSON."),
        "Invalid value.": _("Invalid value."),
    }
    if message in known:
        return known[message]
    if message.startswith("Must be one of:"):
        return _("Must be one of: %(choices)s.", choices=message.removeprefix("Must be one of:").strip(" ."))
    if message.startswith("Must be greater than or equal to") or message.startswith("Must be less than"):
        return _("The number is out of range.")
    if message.startswith("Longer than maximum length") or message.startswith("Length must be"):
        return _("The text is too long.")
    return message


def http_problem(error: HTTPException):
    """An HTTPException raised under /api (abort(), routing, webargs validation, rate limits)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if messages:
        errors = field_errors(messages)
        # Malformed JSON is a bad request, not a field error.
        if any(e["detail"] == _("The body is not valid JSON.") for e in errors):
            return problem(400, _("The body is not valid JSON."))
        names = ", ".join(sorted({e["field"] for e in errors if e["field"]}))
        detail = _("Check these fields: %(fields)s.", fields=names) if names else None
        return problem(422 if status in (400, 422) else status, detail, errors=errors, headers=headers)
    given = error.description if error.description != type(error).description else None
    if status == 429:
        given = None
    if status >= 500:
        current_app.logger.error("API error %s at %s", status, request.path)
    return problem(status, given, headers=headers)


def domain_problem(error):
    """A service's refusal (DomainError): its status, message and field."""
    errors = [{"field": error.field, "detail": str(error)}] if error.field else None
    return problem(error.status_code, str(error), errors=errors)
