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

T = TypeVar("T")


def built_once(build: Callable[..., T]) -> Callable[..., T]:
    """``build(*shape)`` the first time a statement of that shape is needed (after the models are mapped),
    then the same one. ``shape`` is what changes the SQL (which columns filter), never a value."""
    return functools.cache(build)
