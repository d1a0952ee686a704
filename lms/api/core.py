"""What every /api/v1 blueprint shares: bearer authentication, write scope, per-token rate limits,
body size, cursor pagination and ETags."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, timedelta

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from lms.api import tokens
from lms.api.models import ApiToken
from lms.api.problems import problem
from lms.config import setting
from lms.core.access import public_blueprint
from lms.database import utcnow
from lms.extensions import csrf, db, limiter

READ_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_ID = 2**31 - 1
# Dates a request may name: wide enough for any record, narrow enough that date arithmetic (time zones,
# re-review intervals) never leaves the calendar.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def day_field(**kwargs) -> fields.Date:
    return fields.Date(validate=validate.Range(FIRST_DAY, LAST_DAY), **kwargs)


def token_rate_key() -> str:
    """Rate limits count per token (its digest); requests without one count per client address."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "api-token:" + tokens.digest(secret.strip())[:32]
    return "api-anon:" + (get_remote_address() or "")


def api_rate_limit() -> str:
    return setting("API_RATE_LIMIT")


def authenticate_request():
    """Before every API view: a bearer token, never the session cookie."""
    if request.content_length is not None and request.content_length > setting("API_MAX_BODY_BYTES"):
        return problem(413, _("The request is too large."))
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return problem(401)
    bad = unstorable_field()
    if bad is not None:
        return problem(
            422,
            _("Check these fields: %(fields)s.", fields=bad),
            errors=[{"field": bad, "detail": _("The text holds a character that cannot be stored.")}],
        )
    token = tokens.authenticate(secret.strip())
    if token is None:
        return problem(401, _("The token is unknown, has expired or was revoked."))
    if request.method not in READ_METHODS and token.scope != "write":
        return problem(403, _("This token may only read."))
    g.api_token = token
    # Flask-Login's current user for this request only (nothing is written to the session), so the page
    # helpers that read current_user see the token's owner.
    g._login_user = token.user
    _note_use(token)


def _unstorable(text: str) -> bool:
    """NUL and lone surrogates: no database column can hold them (PostgreSQL refuses NUL outright)."""
    return "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def unstorable_field() -> str | None:
    """The name of a query argument or JSON field whose text cannot be stored, if any."""
    for key, value in request.args.items(multi=True):
        if _unstorable(key) or _unstorable(value):
            return key if not _unstorable(key) else "query"
    if request.is_json:
        body = request.get_json(silent=True)
        stack = [("", body)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, str) and _unstorable(value):
                return path or "body"
            if isinstance(value, dict):
                for key, item in value.items():
                    if _unstorable(key):
                        return "body"
                    stack.append((f"{path}.{key}" if path else key, item))
            elif isinstance(value, list):
                stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


def _note_use(token: ApiToken) -> None:
    """Remember when a token was last used (at most once a minute, in its own small transaction)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()


def conditional(response):
    """ETag on successful reads; If-None-Match answers 304 Not Modified."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json:
        response.add_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return response


def api_blueprint(name: str, url_prefix: str, description: str, *, public: bool = False) -> Blueprint:
    blp = Blueprint(name, __name__, url_prefix="/api/v1" + url_prefix, description=description)
    # Not the site's login: every API route authenticates by bearer token (or is the public verification).
    public_blueprint(blp)
    csrf.exempt(blp)
    if not public:
        blp.before_request(authenticate_request)
    blp.after_request(conditional)
    limiter.limit(api_rate_limit, key_func=token_rate_key)(blp)
    return blp


def current_actor():
    return g.api_token.user


# -- cursor pagination ---------------------------------------------------------------------------------------


class PageArgs(Schema):
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "The next_cursor of the previous page; omit for the first page."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class PageSchema(Schema):
    next_cursor = fields.String(allow_none=True, required=True)


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = raw.partition(":")
        number = int(value)
        if kind != "after" or not 0 < number <= MAX_ID:
            raise ValueError(raw)
        return number
    except (ValueError, UnicodeDecodeError, binascii.Error):
        abort(422, messages={"query": {"cursor": [_("This cursor is not one this API gave out.")]}})


def keyset_page(stmt: sa.Select, id_column, args: dict) -> dict:
    """One page of ``stmt`` in ascending id order (stable: rows added later come at the end)."""
    limit = args["limit"]
    stmt = stmt.order_by(None).order_by(id_column)
    if args.get("cursor"):
        stmt = stmt.where(id_column > _decode(args["cursor"]))
    rows = list(db.session.execute(stmt.limit(limit + 1)).unique().scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": _encode(rows[-1].id) if more and rows else None}


def get_or_404(stmt: sa.Select):
    row = db.session.execute(stmt).unique().scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def require_role(*roles: str) -> None:
    if current_actor().role not in roles:
        abort(403)
