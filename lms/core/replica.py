"""Reading from a replica: report and export queries go to ``LMS_DATABASE_REPLICA_URL`` when it is set.

Only reads are routed: inside :func:`reading_from_replica` (or a view marked with
:func:`reads_from_replica`, or a blueprint given to :func:`replica_blueprint`), every SELECT the ORM
session runs uses the replica engine; a flush or any other statement still goes to the primary. Without
a replica URL nothing changes. A replica may lag the primary by a moment: only pages that show
aggregates, and exports, use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

import sqlalchemy as sa
from flask import Blueprint, current_app, g
from flask_sqlalchemy.session import Session as _FlaskSession

_reading = contextvars.ContextVar("lms_reading_from_replica", default=False)
_ENGINE_KEY = "lms_replica_engine"
READ_ONLY_OPTION = "lms_read_only"  # marks replica connections (SQLite: no write lock on begin)


def replica_engine() -> sa.engine.Engine | None:
    app = current_app._get_current_object()
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    if not url:
        return None
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["execution_options"] = {**options.get("execution_options", {}), READ_ONLY_OPTION: True}
        engine = app.extensions[_ENGINE_KEY] = sa.create_engine(url, **options)
    return engine


class RoutingSession(_FlaskSession):
    """Flask-SQLAlchemy's session, sending SELECTs to the replica while :func:`reading_from_replica` is on."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and _reading.get() and not self._flushing:
            if clause is None or isinstance(clause, sa.sql.Select | sa.sql.CompoundSelect):
                engine = replica_engine()
                if engine is not None:
                    return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def reading() -> bool:
    """Whether this request's reads go to the replica (a report or export is being served)."""
    return _reading.get()


@contextlib.contextmanager
def reading_from_replica():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_from_replica(view):
    """Mark a report or export view: its queries read from the replica."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapper


def replica_blueprint(bp: Blueprint) -> Blueprint:
    """Every request to ``bp`` reads from the replica (for blueprints that only show reports)."""

    @bp.before_request
    def _start_reading():
        g._replica_token = _reading.set(True)

    @bp.teardown_request
    def _stop_reading(error=None):
        token = g.pop("_replica_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):
                _reading.reset(token)

    return bp


def dispose_replica(app) -> None:
    engine = app.extensions.pop(_ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()
