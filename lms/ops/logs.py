"""Logging: one JSON object per line in production, each carrying the request id.

The request id comes from the proxy's ``X-Request-ID`` header when it looks sane, otherwise it is made
here; it is sent back in the response header, written on every log line of the request, stored with the
outbox messages the request queues and passed to the Celery tasks it starts, so one id follows a user's
action from the web node to the worker.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("lms_request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value or "-")


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def configure_logging(app: Flask) -> None:
    """Install one handler on the root logger (JSON or text, by ``LOG_FORMAT``) with the request-id filter."""
    root = logging.getLogger()
    fmt = app.config.get("LOG_FORMAT", "text")
    for handler in root.handlers:
        if getattr(handler, "_lms_handler", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._lms_handler = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own handler would print a second, unformatted copy of app.logger lines.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _take_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SANE_ID.match(given) else new_request_id()
        g._request_id_token = set_request_id(g.request_id)

    @app.after_request
    def _send_request_id(response):
        if "request_id" in g:
            response.headers.setdefault(HEADER, g.request_id)
        return response

    @app.teardown_request
    def _forget_request_id(error=None):
        token = g.pop("_request_id_token", None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:  # reset from another context (streamed responses): just clear it
                set_request_id(None)
