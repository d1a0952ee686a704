"""Statements built once per process and run with parameters.

Building a SELECT with its joins and loader options, and computing the key SQLAlchemy looks its compiled form
up by, costs a request more CPU than PostgreSQL spends running it (0.3–0.6 ms against 0.1–0.3 ms for the
statements of an attempt's steps). The statements sent at every step of exam time, and with every signed-in
request, are built once with :func:`sqlalchemy.bindparam` placeholders (``expanding=True`` for lists) and run
with ``session.execute(statement, {name: value})``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")


def bound_values(table, columns) -> dict:
    """``{column: bindparam(column)}`` for an INSERT's or UPDATE's ``values()``, each parameter typed as its
    column of ``table`` (a JSON, decimal or time column converts its value as the ORM would)."""
    return {column: sa.bindparam(column, type_=table.c[column].type) for column in columns}


def built_once(build: Callable[..., T]) -> Callable[..., T]:
    """``build(*shape)`` the first time a statement of that shape is needed (after the models are mapped),
    then the same one. ``shape`` is what changes the SQL (which columns filter), never a value."""
    return functools.cache(build)
